/**
 * The host-hardening scripts (src/host/apply-scripts.ts) run for real, as the SSH commands would
 * run them, inside a network namespace this test creates: commit-confirm of the firewall
 * (a confirmed ruleset stays, an unconfirmed one is rolled back), refusal of a broken ruleset,
 * destroy putting back what was there, and the file installer's restore on a failed check.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appVmHardening, renderNftables } from '@booxstream/gateway';
import { fileApplyScript, fileDestroyScript, nftApplyScript, nftConfirmScript, nftDestroyScript } from '../src/host/apply-scripts.js';

const run = promisify(execFile);
const ns = `bx-${process.pid}-${randomBytes(3).toString('hex')}-apply`;
let stateDir: string;

const plan = appVmHardening({ lan: ['10.201.0.0/24'], gatewayAddress: '10.201.0.10', serverPort: 3001, devicePort: 8080, dataDir: '/srv/data', configDir: '/etc/booxstream' });
const ruleset = renderNftables(plan);
const opts = () => ({ name: plan.name, table: ruleset.table, stateDir, rollbackSeconds: 2, persist: false });

/** Runs a script inside the namespace, stdin as given, like the SSH command does. */
function sh(script: string, stdin = ''): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns, 'sh', '-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}
const listTable = async () => (await run('ip', ['netns', 'exec', ns, 'nft', 'list', 'table', ...ruleset.table.split(' ')]).catch(() => ({ stdout: '' }))).stdout;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  await run('ip', ['netns', 'add', ns]);
  stateDir = mkdtempSync(join(tmpdir(), 'bx-hardening-'));
});
afterAll(async () => {
  // A rollback still pending would outlive the namespace's files otherwise.
  await sh(nftDestroyScript(opts())).catch(() => undefined);
  await run('ip', ['netns', 'del', ns]).catch(() => undefined);
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

describe('firewall commit-confirm in a network namespace', () => {
  it('a confirmed ruleset stays after the rollback delay', async () => {
    const applied = await sh(nftApplyScript(opts()), ruleset.text);
    expect(applied.out).toContain('rolls back in 2 s');
    expect(applied.code).toBe(0);
    expect(await listTable()).toContain('tcp dport 3001');
    const confirmed = await sh(nftConfirmScript(opts(), 'digest-1'));
    expect(confirmed).toMatchObject({ code: 0 });
    await sleep(3000);
    expect(await listTable()).toContain('tcp dport 3001');
    expect(existsSync(join(stateDir, `${plan.name}.nft`))).toBe(true);
  }, 15_000);

  it('an unconfirmed ruleset (as when SSH stops answering) is rolled back to the previous one, and confirming it later fails', async () => {
    const locked = ruleset.text.replace(/tcp dport 22 /g, 'tcp dport 2222 ');
    expect((await sh(nftApplyScript(opts()), locked)).code).toBe(0);
    expect(await listTable()).toContain('tcp dport 2222');
    await sleep(3000);
    const after = await listTable();
    expect(after).not.toContain('2222');
    expect(after).toContain('tcp dport 22 ');
    const confirm = await sh(nftConfirmScript(opts(), 'digest-2'));
    expect(confirm.code).not.toBe(0);
    expect(confirm.out).toContain('rolled back');
  }, 15_000);

  it('a broken ruleset is refused before anything changes', async () => {
    const before = await listTable();
    const broken = await sh(nftApplyScript(opts()), ruleset.text.replace('tcp dport 3001', 'tcp dport 70000'));
    expect(broken.code).not.toBe(0);
    expect(await listTable()).toBe(before);
  });

  it('destroy puts back the state before the first apply (no table of ours)', async () => {
    expect((await sh(nftDestroyScript(opts()))).code).toBe(0);
    expect(await listTable()).toBe('');
  });
});

describe('file installer', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bx-file-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the previous file when the check refuses the new one, and destroy restores the original', async () => {
    const path = join(dir, 'jail.local');
    writeFileSync(path, 'original ok\n');
    const o = { path, stateDir: join(dir, 'state'), check: 'grep -q ok "$f"', activate: 'true' };
    expect((await sh(fileApplyScript(o), 'version 1 ok\n')).code).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe('version 1 ok\n');
    const refused = await sh(fileApplyScript(o), 'version 2 bad\n');
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('refused by the check');
    expect(readFileSync(path, 'utf8')).toBe('version 1 ok\n');
    expect((await sh(fileDestroyScript(o))).code).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe('original ok\n');
  });

  it('destroy removes a file that did not exist before', async () => {
    const path = join(dir, 'new.conf');
    const o = { path, stateDir: join(dir, 'state2'), check: 'true', activate: 'true' };
    expect((await sh(fileApplyScript(o), 'x ok\n')).code).toBe(0);
    expect((await sh(fileDestroyScript(o))).code).toBe(0);
    expect(existsSync(path)).toBe(false);
  });
});
