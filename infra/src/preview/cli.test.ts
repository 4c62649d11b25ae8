import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Two real runs of the CLI (each starts Node + tsx, ~1-2 s); the writing logic is unit-tested in write.test.ts.
const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'gateway-preview-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(...args: string[]) {
  const started = Date.now();
  const res = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, INIT_CWD: REPO_ROOT },
  });
  return { ...res, ms: Date.now() - started };
}

describe('preview CLI', () => {
  it('renders the example into --out in a few seconds and lists what it wrote', () => {
    const out = join(work, 'preview');
    const res = run('--out', out);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('wrote traefik/booxstream.yml');
    // The gateway's 29 files + 10 for monitoring, the backup units and Grafana (observability-files.ts) + 17 for the security layers.
    expect(res.stdout).toMatch(/56 files in \d+ ms/);
    expect(res.stdout).toContain('wrote monitoring/booxstream.rules.yml');
    const summary = readFileSync(join(out, 'SUMMARY.md'), 'utf8');
    expect(summary).toContain('# Gateway preview');
    // The coverage this package owns is in the summary the command writes.
    expect(summary).toContain('## Checklist coverage');
    expect(summary).toContain('check `app-redirects-to-authentik`');
    expect(res.ms).toBeLessThan(15_000);
  }, 30_000);

  it('exits 1 with every problem of an invalid declaration, and writes nothing', () => {
    const out = join(work, 'invalid');
    const res = run('packages/gateway/src/preview/fixtures/invalid.gateway.yaml', '--out', out);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('invalid gateway configuration (4 problems)');
    for (const path of ['tunnel.id', 'apps[0].hostname', 'apps[0].bypassPaths[0]', 'apps[0].authentik.slug']) {
      expect(res.stderr).toContain(`${path}: `);
    }
    expect(existsSync(out)).toBe(false);
  }, 30_000);
});
