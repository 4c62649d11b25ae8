/**
 * A clone of this repository must install, run and pass its tests with no sibling folder.
 * Everything it needs from outside is copied in as data with its source (vendor/, the
 * checklist data, packages/protocol/ANDROID-APP.md), so no tracked file other than prose may
 * point outside the checkout: not the team's reference folder next to the repository, not an
 * absolute path on one machine, not a document that is not in the repository.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// The reference documents' names are assembled so that this file does not match itself.
const OUTSIDE_DOCUMENTS = [
  ['gateway', 'facts'],
  ['hardening', 'facts'],
  ['legacy-android', 'protocol'],
  ['streaming', 'anchors'],
  ['style', 'anchors'],
].map(([name, kind]) => `${name}-${kind}`);

/** What a file other than prose must not contain, and why. */
export const OUTSIDE_REFERENCES: readonly { readonly pattern: RegExp; readonly why: string }[] = [
  { pattern: /\.\.\/(\.\.\/)*shared\b/, why: 'reads the reference folder beside the checkout' },
  { pattern: /(^|[^\w.-])\/work\/[\w.-]+/, why: "an absolute path on one machine's checkout" },
  { pattern: /\bshared\/(seeds|reference|schemas|hooks)\b/, why: 'cites the team reference folder, which is not in the repository' },
  {
    pattern: new RegExp(`\\b(${OUTSIDE_DOCUMENTS.join('|')})\\b`),
    why: 'cites a reference document that is not in the repository (write the fact up in the repository and cite that)',
  },
];

/** Tracked files, from git when this is a checkout, else every file outside node_modules and dot folders. */
function trackedFiles(): string[] {
  try {
    return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\0')
      .filter((f) => f !== '');
  } catch {
    const out: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isFile()) out.push(relative(ROOT, p));
      }
    };
    walk(ROOT);
    return out;
  }
}

/** `file:line: text (why)` for each outside reference in a text, `[]` if none. */
export function findOutsideReferences(file: string, text: string): string[] {
  const hits: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const { pattern, why } of OUTSIDE_REFERENCES) {
      if (pattern.test(line)) hits.push(`${file}:${i + 1}: ${line.trim().slice(0, 120)} (${why})`);
    }
  });
  return hits;
}

describe('the repository stands alone', () => {
  const files = trackedFiles();

  it('lists the tracked files', () => {
    expect(files).toContain('package.json');
    expect(files.length).toBeGreaterThan(100);
  });

  it('no tracked file other than prose (*.md) refers outside the checkout', () => {
    const hits: string[] = [];
    for (const file of files) {
      if (file.endsWith('.md')) continue;
      let buf: Buffer;
      try {
        buf = readFileSync(join(ROOT, file));
      } catch {
        continue; // deleted in the work tree but still in the index
      }
      if (buf.includes(0)) continue; // binary
      hits.push(...findOutsideReferences(file, buf.toString('utf8')));
    }
    expect(hits).toEqual([]);
  });

  it('recognises each kind of outside reference, and not the vendored copies', () => {
    const up = '../../../';
    expect(findOutsideReferences('a.ts', `new URL('${up}shared/${'schemas'}/x.json')`)).toHaveLength(2);
    expect(findOutsideReferences('a.ts', `const root = '/${'work'}/main/apps';`)).toHaveLength(1);
    expect(findOutsideReferences('a.ts', `// see ${OUTSIDE_DOCUMENTS[0]} §2.7`)).toHaveLength(1);
    expect(findOutsideReferences('a.ts', `// see ${OUTSIDE_DOCUMENTS[2]}.md §2`)).toHaveLength(1);
    expect(findOutsideReferences('a.ts', "new URL('../../vendor/schemastore/pulumi.json')")).toEqual([]);
    expect(findOutsideReferences('a.ts', '// cached and shared by every viewer')).toEqual([]);
  });
});

describe('dependencies flow one way', () => {
  it('no workspace package imports an app or infra (by name or by relative path)', () => {
    const hits: string[] = [];
    for (const file of trackedFiles().filter((f) => f.startsWith('packages/') && /\.(ts|mjs|js)$/.test(f))) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const specifiers = [...text.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1] ?? m[2] ?? '');
      for (const spec of specifiers) {
        if (/^@booxstream\/(infra|server|web|bench)\b/.test(spec) || /^(\.\.\/)+(infra|apps|bench)\//.test(spec)) hits.push(`${file}: ${spec}`);
      }
    }
    expect(hits).toEqual([]);
  });
});

describe('vendored data', () => {
  it('vendor/schemastore/SOURCE.md records the digest of every vendored schema', () => {
    const dir = join(ROOT, 'vendor/schemastore');
    const source = readFileSync(join(dir, 'SOURCE.md'), 'utf8');
    const schemas = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(schemas.sort()).toEqual(['pulumi.json', 'traefik-v3-file-provider.json', 'traefik-v3.json']);
    for (const name of schemas) {
      const digest = createHash('sha256').update(readFileSync(join(dir, name))).digest('hex');
      const row = source.split('\n').find((l) => l.startsWith(`| \`${name}\``));
      expect(row, `${name} has a row in SOURCE.md`).toBeDefined();
      expect(row, `${name}'s digest in SOURCE.md`).toContain(digest);
    }
  });
});
