/**
 * The Fail2Ban SSH jail (seed 002: "Fail2Ban (SSH: 3 essais)"). Bans go into Fail2Ban's own
 * nftables table (`nftables-allports` creates `inet f2b-table`), so they never touch the
 * host ruleset `nftables.ts` renders, and reloading either one keeps the other.
 */
import type { HostHardening } from '../../model/host.js';

/** Where sshd's failures are read from. Debian 12 logs to the journal only. */
export type SshLogSource = { readonly backend: 'systemd' } | { readonly backend: 'polling'; readonly logPath: string };

export interface RenderedFail2banJail {
  /** File name under `/etc/fail2ban/jail.d/`. */
  readonly fileName: string;
  readonly text: string;
}

export interface Fail2banJailOptions {
  /** [logSource={backend: 'systemd'}] */
  readonly logSource?: SshLogSource;
  /** Addresses never banned (the owner's admin machine); loopback always. [ignoreIp=[]] */
  readonly ignoreIp?: readonly string[];
}

export function renderFail2banJail(host: HostHardening, options: Fail2banJailOptions = {}): RenderedFail2banJail {
  const source = options.logSource ?? { backend: 'systemd' };
  const lines = [
    `# ${host.name}: rendered by @booxstream/gateway. ${host.sshMaxRetry} failed SSH logins within ${host.sshFindTime} ban the address for ${host.sshBanTime}.`,
    '[sshd]',
    'enabled = true',
    'filter = sshd',
    `port = ${host.sshPort}`,
    `maxretry = ${host.sshMaxRetry}`,
    `findtime = ${host.sshFindTime}`,
    `bantime = ${host.sshBanTime}`,
    `backend = ${source.backend}`,
    ...(source.backend === 'polling' ? [`logpath = ${source.logPath}`] : []),
    // All ports, not only SSH: an address guessing passwords has no business on any other port.
    'banaction = nftables-allports',
    `ignoreip = ${['127.0.0.1/8', '::1', ...(options.ignoreIp ?? [])].join(' ')}`,
    '',
  ];
  return { fileName: `${host.name}-sshd.local`, text: lines.join('\n') };
}
