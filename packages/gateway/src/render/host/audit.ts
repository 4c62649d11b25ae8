/**
 * Audit rules (seed 002, "Couche 7: Auditd"): a file watch on the app's data and config, keyed
 * so `ausearch -k <key>` finds every write and attribute change, plus the identity files and
 * the firewall tool, whose changes matter on any hardened host. The file is an addition under
 * `/etc/audit/rules.d/`, loaded by `augenrules --load`; it never deletes other rules (`-D`).
 */
import type { HostHardening } from '../../model/host.js';

export interface RenderedAuditRules {
  /** File name under `/etc/audit/rules.d/`. */
  readonly fileName: string;
  readonly text: string;
  /** Each rule as auditctl arguments, for checks. */
  readonly rules: readonly (readonly string[])[];
}

export function renderAuditRules(host: HostHardening): RenderedAuditRules {
  const rules: string[][] = [
    ...host.auditWatches.map((w) => ['-w', w.path, '-p', w.permissions, '-k', w.key]),
    ['-w', '/etc/passwd', '-p', 'wa', '-k', 'identity'],
    ['-w', '/etc/shadow', '-p', 'wa', '-k', 'identity'],
    ['-w', '/etc/sudoers', '-p', 'wa', '-k', 'identity'],
    ['-w', '/etc/ssh/sshd_config', '-p', 'wa', '-k', 'sshd-config'],
    ['-w', '/usr/sbin/nft', '-p', 'x', '-k', 'firewall'],
    ['-a', 'always,exit', '-F', 'arch=b64', '-S', 'init_module,finit_module,delete_module', '-k', 'kernel-modules'],
  ];
  const text = [`# ${host.name}: rendered by @booxstream/gateway.`, ...rules.map((r) => r.join(' ')), ''].join('\n');
  return { fileName: `60-${host.name}.rules`, text, rules };
}
