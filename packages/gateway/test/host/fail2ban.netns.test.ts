/**
 * The rendered SSH jail run by the real Fail2Ban server inside the namespace playing the app
 * VM, with the Debian package's own filters and nftables action: three failed logins written
 * to the log it watches ban the address, and the ban really drops its packets.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderFail2banJail } from '../../src/render/host/fail2ban.js';
import { createTestLan, PEERS, TEST_VM, type TestLan } from './netns.js';

// The Debian package's configuration: filters, actions, jail.conf defaults (not jail.d, which enables its own sshd jail).
const FAIL2BAN_ETC = '/etc/fail2ban';

const host = TEST_VM;

let lan: TestLan;
let dir: string;
let server: ChildProcess | undefined;
const authLog = () => join(dir, 'auth.log');
const client = (...args: string[]) => lan.exec(lan.ns.host, ['fail2ban-client', '-c', join(dir, 'etc'), '-s', join(dir, 'f2b.sock'), ...args]);

/** An OpenSSH failure line as syslog writes it, stamped now. */
function failedLogin(address: string, n: number): string {
  const now = new Date();
  const month = now.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const stamp = `${month} ${String(now.getUTCDate()).padStart(2, ' ')} ${now.toISOString().slice(11, 19)}`;
  return `${stamp} booxstream-vm sshd[${4000 + n}]: Failed password for invalid user admin from ${address} port ${50000 + n} ssh2\n`;
}

beforeAll(async () => {
  lan = await createTestLan();
  await lan.listen([host.sshPort]);
  dir = mkdtempSync(join(tmpdir(), 'bx-f2b-'));
  const etc = join(dir, 'etc');
  mkdirSync(join(etc, 'jail.d'), { recursive: true });
  for (const entry of ['fail2ban.conf', 'jail.conf', 'paths-common.conf', 'paths-debian.conf', 'filter.d', 'action.d']) {
    cpSync(join(FAIL2BAN_ETC, entry), join(etc, entry), { recursive: true });
  }
  writeFileSync(join(etc, 'fail2ban.local'), `[Definition]\nlogtarget = ${join(dir, 'fail2ban.log')}\ndbfile = :memory:\n`);
  writeFileSync(authLog(), '');
  const jail = renderFail2banJail(host, { logSource: { backend: 'polling', logPath: authLog() } });
  writeFileSync(join(etc, 'jail.d', jail.fileName), jail.text);
  server = spawn('ip', ['netns', 'exec', lan.ns.host, 'fail2ban-server', '-f', '-x', '-c', etc, '-s', join(dir, 'f2b.sock'), '-p', join(dir, 'f2b.pid')], {
    stdio: 'ignore',
  });
  for (let i = 0; ; i++) {
    const status = await client('status', 'sshd').catch(() => '');
    if (status.includes('Currently banned')) break;
    if (i > 100) throw new Error('fail2ban-server did not start the sshd jail within 10 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}, 30_000);

afterAll(async () => {
  await client('stop').catch(() => undefined);
  server?.kill('SIGKILL');
  await lan?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * The jail's status once `done` holds, or the last one seen after `ms`. Deadlines are generous
 * because the polling backend and the server share the machine with the rest of the suite.
 */
async function statusWhen(done: (status: string) => boolean, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  let status = '';
  while (Date.now() < deadline) {
    status = await client('status', 'sshd');
    if (done(status)) return status;
    await new Promise((r) => setTimeout(r, 200));
  }
  return status;
}
const failures = (status: string): number => Number(/Total failed:\s*(\d+)/.exec(status)?.[1] ?? 0);
const banned = (status: string): boolean => /Banned IP list:\s*\S/.test(status);

describe('Fail2Ban SSH jail in a network namespace', () => {
  it(`the jail is loaded with maxretry ${host.sshMaxRetry} and the nftables action`, async () => {
    expect(await client('get', 'sshd', 'maxretry')).toContain(String(host.sshMaxRetry));
    expect(await client('get', 'sshd', 'actions')).toContain('nftables-allports');
  });

  it('two failures from an address do not ban it', async () => {
    appendFileSync(authLog(), failedLogin(PEERS.lan, 1) + failedLogin(PEERS.lan, 2));
    // Both lines read (a ban, if the jail were wrong, comes in the same pass), then no ban.
    const status = await statusWhen((s) => failures(s) >= 2 || banned(s), 15_000);
    expect(status).toMatch(/Total failed:\s*2/);
    expect(status).toMatch(/Banned IP list:\s*$/m);
    expect(await lan.canConnect('lan', host.sshPort)).toBe(true);
  }, 20_000);

  it('the third failure bans it: listed by Fail2Ban, in its nft set, and its SSH connections dropped', async () => {
    appendFileSync(authLog(), failedLogin(PEERS.lan, 3));
    const status = await statusWhen(banned, 15_000);
    expect(status).toContain(`Banned IP list:\t${PEERS.lan}`);
    // The status lists the ban before the nftables action has run: wait for the set.
    let set = '';
    for (const deadline = Date.now() + 10_000; !set.includes(PEERS.lan) && Date.now() < deadline; ) {
      set = await lan.exec(lan.ns.host, ['nft', 'list', 'set', 'inet', 'f2b-table', 'addr-set-sshd']).catch(() => '');
      if (!set.includes(PEERS.lan)) await new Promise((r) => setTimeout(r, 100));
    }
    expect(set).toContain(PEERS.lan);
    expect(await lan.canConnect('lan', host.sshPort)).toBe(false);
    // Everyone else still gets in.
    expect(await lan.canConnect('gateway', host.sshPort)).toBe(true);
  }, 25_000);

  it('unbanning (the README\'s command) lets the address back in', async () => {
    await client('set', 'sshd', 'unbanip', PEERS.lan);
    expect(await lan.canConnect('lan', host.sshPort)).toBe(true);
  });
});
