/**
 * Renderers are pure: model in, documents out. None reads a file, the environment, the network
 * or a clock, and none loads a vendor schema (schemas are checked by the tests and where
 * documents leave for the vendor, in infra).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const DIR = new URL('./', import.meta.url);
const renderers = readdirSync(DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));

describe('renderers', () => {
  it('are the files this test reads', () => {
    expect(renderers).toEqual(expect.arrayContaining(['authentik.ts', 'authentik-objects.ts', 'blueprint.ts', 'cloudflared.ts', 'traefik.ts']));
  });

  it.each(renderers)('%s imports no I/O module and no schema loader', (file) => {
    const text = readFileSync(new URL(file, DIR), 'utf8');
    const imports = [...text.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1] ?? m[2] ?? '');
    for (const spec of imports) {
      expect(spec, `${file} imports ${spec}`).not.toMatch(/^node:|^(fs|path|os|child_process|net|http|https)$|authentik\/openapi|ajv/);
    }
    expect(text, `${file} reads the environment or a clock`).not.toMatch(/process\.env|Date\.now\(|new Date\(|performance\.now\(/);
  });
});
