import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExampleGateway, renderPreview } from '@booxstream/gateway';
import { runExample } from '../../test/example-run.js';
import type { ProgramRun } from '../../test/pulumi-mocks.js';
import { seed002Coverage, seed002CoverageSection } from './seed-002-bookstack.js';

const preview = new Map(renderPreview(loadExampleGateway(), 'examples/home.gateway.yaml', { summarySections: [seed002CoverageSection()] }).map((f) => [f.path, f.content]));

/** The value an artifact ref points at: the file's text, or the JSON value under `#/pointer`. */
function resolveArtifact(ref: string): unknown {
  const [path = '', pointer] = ref.split('#');
  const text = preview.get(path);
  if (text === undefined) throw new Error(`the preview renders no ${path}`);
  if (pointer === undefined) return text;
  let node: unknown = JSON.parse(text);
  for (const raw of pointer.split('/').slice(1)) node = (node as Record<string, unknown> | undefined)?.[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  return node;
}

let run: ProgramRun;
let cleanup: () => void = () => undefined;
beforeAll(async () => {
  ({ run, cleanup } = await runExample());
}, 60_000);
afterAll(() => cleanup());

describe("seed 002's BookStack and database lines", () => {
  it('point at values the preview really renders, and those values say what the line asks', () => {
    const value = (line: string) => resolveArtifact(seed002Coverage.find((l) => l.line === line)!.coveredBy[0]!.ref);
    expect(value('No new privileges')).toBe('no-new-privileges:true');
    expect(value('Read-only filesystem (/)')).toBe(true);
    expect(value('tmpfs for /tmp and /var/tmp')).toMatch(/noexec/);
    expect(value('Capability dropping')).toBe('ALL');
    expect(value('Non-root user (bookstack:1000)')).toBe('1000');
    expect(value('Isolated network (database)')).toBe(true);
    expect(value('InnoDB buffer pool 256M')).toContain('innodb_buffer_pool_size = 256M');
    expect(value('Slow query logging')).toContain('slow_query_log = 1');
    expect(value('MySQL hardening (skip-show-database)')).toContain('\nskip-show-database\n');
    expect(value('MySQL Dump')).toContain('--single-transaction');
    for (const c of seed002Coverage.flatMap((l) => l.coveredBy).filter((c) => c.kind === 'artifact')) {
      const v = resolveArtifact(c.ref);
      expect(v, c.ref).toBeDefined();
      expect(v, c.ref).not.toBe('');
    }
  });

  it('cite resources the program declares', () => {
    const refs = seed002Coverage.flatMap((l) => l.coveredBy).filter((c) => c.kind === 'resource').map((c) => c.ref);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const [type, name] = ref.split('#') as [string, string];
      expect(() => run.get(type, name), ref).not.toThrow();
    }
  });

  it('appear in the preview summary', () => {
    const summary = preview.get('SUMMARY.md')!;
    expect(summary).toContain('## Seed 002 coverage: BookStack and its database');
    for (const l of seed002Coverage) expect(summary).toContain(`| ${l.line} |`);
  });
});
