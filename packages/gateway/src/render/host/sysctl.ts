/**
 * Kernel network hardening (seed 002: "Kernel hardening (sysctl)"), the usual keys from the
 * CIS and KSPP baselines that do not get in the way of Docker: IP forwarding stays as Docker
 * sets it, and reverse-path filtering is "loose" (2) because Docker bridges are asymmetric.
 */

/** key → value; `net.*` keys are per network namespace, `kernel.*` and `fs.*` machine-wide. */
export const HARDENING_SYSCTLS: Readonly<Record<string, string>> = Object.freeze({
  // SYN floods: answer with cookies once the backlog fills.
  'net.ipv4.tcp_syncookies': '1',
  // Loose reverse-path filtering: drops spoofed sources that have no route back at all.
  'net.ipv4.conf.all.rp_filter': '2',
  'net.ipv4.conf.default.rp_filter': '2',
  // No ICMP redirects accepted or sent: a LAN host must not rewrite our routes.
  'net.ipv4.conf.all.accept_redirects': '0',
  'net.ipv4.conf.default.accept_redirects': '0',
  'net.ipv4.conf.all.secure_redirects': '0',
  'net.ipv4.conf.all.send_redirects': '0',
  'net.ipv4.conf.default.send_redirects': '0',
  'net.ipv6.conf.all.accept_redirects': '0',
  'net.ipv6.conf.default.accept_redirects': '0',
  // No source-routed packets.
  'net.ipv4.conf.all.accept_source_route': '0',
  'net.ipv4.conf.default.accept_source_route': '0',
  'net.ipv6.conf.all.accept_source_route': '0',
  // Log packets with impossible source addresses.
  'net.ipv4.conf.all.log_martians': '1',
  // Smurf amplification and bogus ICMP errors.
  'net.ipv4.icmp_echo_ignore_broadcasts': '1',
  'net.ipv4.icmp_ignore_bogus_error_responses': '1',
  // RFC 1337: TIME-WAIT assassination.
  'net.ipv4.tcp_rfc1337': '1',
  // Machine-wide: hide kernel pointers and the kernel log from unprivileged users, full ASLR,
  // no unprivileged eBPF. (Yama's ptrace_scope is left out: kernels without Yama lack the key and `sysctl -p` would fail.)
  'kernel.kptr_restrict': '2',
  'kernel.dmesg_restrict': '1',
  'kernel.randomize_va_space': '2',
  'kernel.unprivileged_bpf_disabled': '1',
  'fs.protected_hardlinks': '1',
  'fs.protected_symlinks': '1',
  'fs.suid_dumpable': '0',
});

export interface RenderedSysctl {
  /** File name under `/etc/sysctl.d/`. */
  readonly fileName: string;
  readonly text: string;
}

export function renderSysctl(hostName: string): RenderedSysctl {
  const lines = [
    `# ${hostName}: rendered by @booxstream/gateway. Applied with \`sysctl -p <file>\`.`,
    ...Object.entries(HARDENING_SYSCTLS).map(([key, value]) => `${key} = ${value}`),
    '',
  ];
  return { fileName: `90-${hostName}-hardening.conf`, text: lines.join('\n') };
}

/** Parses a sysctl file (`key = value` lines, `#`/`;` comments) into entries, for checks. */
export function parseSysctl(text: string): [string, string][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith(';'))
    .map((l) => {
      const eq = l.indexOf('=');
      if (eq < 0) throw new Error(`sysctl line without '=': ${l}`);
      return [l.slice(0, eq).trim(), l.slice(eq + 1).trim()] as [string, string];
    });
}
