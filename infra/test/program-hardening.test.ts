/**
 * The program with `booxstream:hardening` set, under Pulumi mocks: each machine gets its
 * firewall (apply + confirm over a second connection), SSH jail, sysctl and audit commands,
 * carrying exactly the files the gateway package renders for the plan derived from the stack.
 */
import { describe, expect, it } from 'vitest';
import { renderAuditRules, renderFail2banJail, renderNftables, renderSysctl } from '@booxstream/gateway';
import { loadStackConfig } from '../src/config.js';
import { nftApplyScript } from '../src/host/apply-scripts.js';
import { exampleStack, mapSource, projectFiles } from './example-stack.js';
import { isSecretInput, plain } from './pulumi-mocks.js';
import { useProgramRun } from './program-run.js';

const CMD = 'command:remote:Command';
const stack = exampleStack();
stack.config['booxstream:hardening'] = JSON.stringify({ lan: ['192.168.1.0/24'], rollbackSeconds: 45 });
const cfg = loadStackConfig(mapSource(stack.config, stack.secretKeys), projectFiles());

const program = useProgramRun(stack.config, stack.secretKeys);

describe('hardening: the plans derived from the stack', () => {
  it('the VM: SSH and the device port from the LAN, the HTTP port from the gateway only', () => {
    const vm = cfg.hardening!.vm;
    expect(vm.ports.slice(0, 3).map((p) => [p.name, p.port, p.from])).toEqual([
      ['ssh', cfg.vm.sshPort, ['192.168.1.0/24']],
      ['server-http', cfg.serverHttpPort, [cfg.gatewayHost.address]],
      ['device', cfg.vm.devicePort, ['192.168.1.0/24']],
    ]);
    // The deployed apps (BookStack and its database's exporter) publish on the VM too: gateway only.
    const bookstack = cfg.gateway.apps.find((a) => a.name === 'bookstack')!;
    const extra = vm.ports.slice(3);
    expect(extra.map((p) => p.port)).toContain(Number(new URL(bookstack.upstream).port));
    for (const p of extra) expect([p.from, p.dockerPublished], p.name).toEqual([[cfg.gatewayHost.address], true]);
    expect(vm.auditWatches.map((w) => w.path)).toContain(`/var/lib/docker/volumes/${cfg.vm.dataVolume}/_data`);
  });

  it('a bad hardening key is named', () => {
    const bad = { ...stack.config, 'booxstream:hardening': JSON.stringify({ lan: ['192.168.1.0/33'], rollbackSeconds: 5, extra: 1 }) };
    expect(() => loadStackConfig(mapSource(bad, stack.secretKeys), projectFiles())).toThrow(/booxstream:hardening\.lan\[0\].*booxstream:hardening\.rollbackSeconds|booxstream:hardening\.extra/s);
  });
});

describe.each([
  ['vm-hardening', () => cfg.hardening!.vm, () => cfg.vm.address],
  ['gateway-hardening', () => cfg.hardening!.gatewayHost, () => cfg.gatewayHost.address],
] as const)('%s', (name, plan, address) => {
  it('applies the rendered ruleset with an armed rollback, then confirms it over a second connection', () => {
    const apply = program().get(CMD, `${name}-nftables`);
    const nft = renderNftables(plan());
    expect(apply.inputs['stdin']).toBe(nft.text);
    expect(apply.inputs['create']).toBe(nftApplyScript({ name: plan().name, table: nft.table, rollbackSeconds: 45 }));
    expect(apply.inputs['update']).toBe(apply.inputs['create']);
    expect(String(apply.inputs['delete'])).toContain('nft delete table');
    const confirm = program().get(CMD, `${name}-nftables-confirm`);
    expect(String(confirm.inputs['create'])).toContain('mv "$d/$n.nft.new" "$d/$n.nft"');
    expect(confirm.opts.dependsOn).toBeDefined();
    expect((plain(apply.inputs['connection']) as { host: string }).host).toBe(address());
    expect(isSecretInput(apply.inputs['connection'])).toBe(true);
  });

  it('installs the jail, the sysctl file and the audit rules, each restoring on delete', () => {
    const files = {
      fail2ban: renderFail2banJail(plan()).text,
      sysctl: renderSysctl(plan().name).text,
      audit: renderAuditRules(plan()).text,
    };
    for (const [suffix, text] of Object.entries(files)) {
      const c = program().get(CMD, `${name}-${suffix}`);
      expect(c.inputs['stdin'], suffix).toBe(text);
      expect(String(c.inputs['delete']), suffix).toContain('"$d/$k.original"');
    }
  });
});
