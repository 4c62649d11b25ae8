/**
 * The sysctl file and the audit rules, checked with the real tools without changing this
 * machine: sysctl keys must exist under /proc/sys (read only), the per-namespace `net.*` keys
 * are applied with `sysctl -p` inside a namespace of our own and read back; audit rules are
 * parsed by the real `auditctl` inside an unprivileged user namespace, where the kernel
 * refuses every audit request, so a rule can be checked but never loaded.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAuditRules } from '../../src/render/host/audit.js';
import { parseSysctl, renderSysctl } from '../../src/render/host/sysctl.js';
import { createTestLan, PEERS, TEST_VM, type TestLan } from './netns.js';

const run = promisify(execFile);
const host = TEST_VM;
const sysctl = renderSysctl(host.name);
const entries = parseSysctl(sysctl.text);
const netEntries = entries.filter(([key]) => key.startsWith('net.'));

describe('sysctl hardening file', () => {
  it('every key exists in this kernel (a typo would make `sysctl -p` fail at boot)', () => {
    const missing = entries.filter(([key]) => !existsSync(`/proc/sys/${key.replace(/\./g, '/')}`)).map(([key]) => key);
    expect(missing).toEqual([]);
  });

  describe('applied inside a network namespace', () => {
    let lan: TestLan;
    let dir: string;
    beforeAll(async () => {
      lan = await createTestLan();
      dir = mkdtempSync(join(tmpdir(), 'bx-sysctl-'));
    }, 30_000);
    afterAll(async () => {
      await lan?.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };

    it('sysctl -p accepts the net.* keys and they read back as rendered', async () => {
      const netOnly = netEntries.map(([k, v]) => `${k} = ${v}`).join('\n') + '\n';
      await lan.exec(lan.ns.host, ['sysctl', '-q', '-p', file('net.conf', netOnly)]);
      const readBack = await lan.exec(lan.ns.host, ['sysctl', ...netEntries.map(([k]) => k)]);
      expect(parseSysctl(readBack)).toEqual(netEntries);
    });

    it('a misspelt key is refused by sysctl -p (the check can fail)', async () => {
      await expect(lan.exec(lan.ns.host, ['sysctl', '-p', file('typo.conf', 'net.ipv4.tcp_syncookie = 1\n')])).rejects.toThrow(/cannot stat|No such file/);
    });
  });
});

/** auditctl's verdict on one rule, in a user namespace the kernel refuses audit requests from. */
async function auditctl(args: readonly string[]): Promise<string> {
  const { stdout, stderr } = await run('unshare', ['--user', '--map-root-user', 'auditctl', ...args], { timeout: 10_000 });
  return (stdout + stderr).trim();
}

// What auditctl prints once a rule parsed and it reached the kernel, which refuses it here.
const REACHED_KERNEL = /^(The audit system is disabled|Error sending add rule data request \(Connection refused\))$/;

describe('audit rules', () => {
  const audit = renderAuditRules(host);

  it('watch the app data and config for writes and attribute changes', () => {
    expect(audit.text).toContain('-w /var/lib/docker/volumes/booxstream-data/_data -p wa -k booxstream-data');
    expect(audit.text).toContain('-w /etc/booxstream -p wa -k booxstream-config');
    expect(audit.text).not.toMatch(/^-D/m);
  });

  it.each(audit.rules.map((r) => [r.join(' '), r] as const))('auditctl parses %s', async (_line, rule) => {
    expect(await auditctl(rule)).toMatch(REACHED_KERNEL);
  });

  it.each([
    [['-w', '/etc/booxstream', '-p', 'wz', '-k', 'x'], /Permission z/],
    [['-a', 'always,exit', '-F', 'arch=b64', '-S', 'no_such_call', '-k', 'x'], /Syscall name unknown/],
  ])('auditctl rejects a broken rule (%j): the check can fail', async (rule, message) => {
    const verdict = await auditctl(rule);
    expect(verdict).toMatch(message);
  });

  it('the file lines are exactly the checked rules', () => {
    const lines = audit.text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(lines).toEqual(audit.rules.map((r) => r.join(' ')));
  });
});
