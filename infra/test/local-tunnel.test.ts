/**
 * The locally-managed tunnel path against a real config.yml on disk: the commands that would
 * run on the gateway over SSH run in a local shell on a temp directory, cloudflared's
 * validation is played by test/fixtures/cloudflared-validate.mjs (no cloudflared binary
 * here), restart and health are files the test controls.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configYmlRules } from '../src/tunnel/config-yml.js';
import { applyLocalIngress, PREVIOUS_SUFFIX, type RemoteShell } from '../src/tunnel/local-apply.js';
import { runProcess } from '../src/tunnel/ssh-shell.js';

const INFRA_DIR = fileURLToPath(new URL('..', import.meta.url));

const LIVE = `# the owner's cloudflared config
tunnel: 6ff42ae2-765d-4adf-8112-31c55c1551ef
credentials-file: /etc/cloudflared/6ff42ae2.json
warp-routing:
  enabled: true
ingress:
  - hostname: affine.kevinvdb.dev
    service: http://traefik:80
    originRequest:
      originServerName: affine.kevinvdb.dev
      http2Origin: true
  - service: http_status:404
`;

const localShell: RemoteShell = { run: (command, stdin) => runProcess('sh', ['-c', command], { stdin, cwd: INFRA_DIR, timeoutMs: 30_000 }) };

let dir: string;
let path: string;
const commands = () => ({
  validate: `node --import tsx test/fixtures/cloudflared-validate.mjs {file}`,
  restart: `echo restart >> '${dir}/restarts.log'`,
  health: `test -f '${dir}/healthy'`,
  healthAttempts: 3,
  healthIntervalMs: 20,
});
const restarts = () => (existsSync(join(dir, 'restarts.log')) ? readFileSync(join(dir, 'restarts.log'), 'utf8').trim().split('\n').length : 0);
const BOOX = { 'booxstream.kevinvdb.dev': { hostname: 'booxstream.kevinvdb.dev', service: 'http://traefik:80' } };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'infra-local-tunnel-'));
  path = join(dir, 'config.yml');
  writeFileSync(path, LIVE);
  writeFileSync(join(dir, 'healthy'), '');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('applyLocalIngress', () => {
  it('validates, keeps the previous file, writes the merged one, restarts once; a second run does nothing; release gives the file back', async () => {
    const up = await applyLocalIngress(localShell, { path, desired: BOOX, owned: [], adopted: {}, commands: commands() });
    expect(up.changed).toBe(true);
    const text = readFileSync(path, 'utf8');
    expect(text.replace('  - hostname: booxstream.kevinvdb.dev\n    service: http://traefik:80\n', '')).toBe(LIVE);
    expect(readFileSync(`${path}${PREVIOUS_SUFFIX}`, 'utf8')).toBe(LIVE);
    expect(existsSync(`${path}.booxstream-new`)).toBe(false);
    expect(restarts()).toBe(1);

    const again = await applyLocalIngress(localShell, { path, desired: BOOX, owned: Object.keys(BOOX), adopted: up.adopted, commands: commands() });
    expect(again.changed).toBe(false);
    expect(restarts()).toBe(1);

    await applyLocalIngress(localShell, { path, desired: {}, owned: Object.keys(BOOX), adopted: up.adopted, commands: commands() });
    expect(readFileSync(path, 'utf8')).toBe(LIVE);
    expect(restarts()).toBe(2);
  }, 60_000);

  it('stops with cloudflared\'s words and changes nothing when the merged file does not validate', async () => {
    const bad = { 'booxstream.kevinvdb.dev:8443': { hostname: 'booxstream.kevinvdb.dev:8443', service: 'http://traefik:80' } };
    await expect(applyLocalIngress(localShell, { path, desired: bad, owned: [], adopted: {}, commands: commands() })).rejects.toThrow(
      /refused the merged configuration, nothing was changed: .*Hostname cannot contain a port/,
    );
    expect(readFileSync(path, 'utf8')).toBe(LIVE);
    expect(existsSync(`${path}.booxstream-new`)).toBe(false);
    expect(restarts()).toBe(0);
  }, 60_000);

  it('rolls back to the previous file and fails when cloudflared does not come back healthy', async () => {
    rmSync(join(dir, 'healthy'));
    await expect(applyLocalIngress(localShell, { path, desired: BOOX, owned: [], adopted: {}, commands: commands() })).rejects.toThrow(
      /did not come back healthy.*previous file was restored/,
    );
    expect(readFileSync(path, 'utf8')).toBe(LIVE);
    expect(configYmlRules(readFileSync(path, 'utf8')).some((r) => r.hostname === 'booxstream.kevinvdb.dev')).toBe(false);
    expect(restarts()).toBe(2);
  }, 60_000);
});
