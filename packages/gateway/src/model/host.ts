/**
 * The hardened host layer (seed 002, "Couche 1" and "Couche 7"): who may reach which port of a
 * machine, the SSH jail, kernel settings and what the audit log watches. One `HostHardening`
 * per machine (the app VM, the gateway); the renderers in `render/host/` turn it into an
 * nftables ruleset, a Fail2Ban jail, a sysctl file and audit rules.
 *
 * `appVmHardening` and `gatewayHostHardening` derive a machine's plan from the facts the
 * deployment already has (ports, the gateway's address, the LAN), so they are stated once.
 */
import { isIP } from 'node:net';
import { BadInputError } from '../errors.js';

/** One TCP port the host accepts, and from where. */
export interface HostPortRule {
  /** Short name, used in the ruleset's comments and counters, e.g. `ssh`, `server-http`. */
  readonly name: string;
  readonly port: number;
  /** Addresses or CIDRs (IPv4 or IPv6) allowed to connect. Anything else is dropped. */
  readonly from: readonly string[];
  /**
   * The port is published by Docker: its traffic is DNAT-ed in prerouting and crosses the
   * forward hook, not input, so the same source filter is applied there too (matched on the
   * connection's original destination port).
   */
  readonly dockerPublished: boolean;
}

/** One path the audit log watches. */
export interface AuditWatch {
  /** Absolute path of a file or directory (a directory is watched recursively). */
  readonly path: string;
  /** auditctl permission letters: r, w, x, a (attribute change). */
  readonly permissions: string;
  /** Search key (`ausearch -k <key>`), at most 31 characters. */
  readonly key: string;
}

export interface HostHardening {
  /** Machine name, e.g. `booxstream-vm`; names the nftables table (`<name>` with `_` for `-`) and files. */
  readonly name: string;
  /** TCP ports the host accepts, SSH first. Everything else arriving at the host is dropped. */
  readonly ports: readonly HostPortRule[];
  /** The SSH port, jailed by Fail2Ban and probed before a new ruleset is kept. */
  readonly sshPort: number;
  /** Failed logins from one address within `findTime` before Fail2Ban bans it. [maxRetry=3] */
  readonly sshMaxRetry: number;
  /** Fail2Ban window and ban duration (Fail2Ban time strings). [findTime='10m'] [banTime='1h'] */
  readonly sshFindTime: string;
  readonly sshBanTime: string;
  readonly auditWatches: readonly AuditWatch[];
}

/** Defaults of the host layer, in one place. */
export const HOST_DEFAULTS = Object.freeze({
  sshPort: 22,
  // Seed 002: "Fail2Ban (SSH: 3 essais)".
  sshMaxRetry: 3,
  sshFindTime: '10m',
  sshBanTime: '1h',
});

const SSH_JAIL_DEFAULTS = {
  sshMaxRetry: HOST_DEFAULTS.sshMaxRetry,
  sshFindTime: HOST_DEFAULTS.sshFindTime,
  sshBanTime: HOST_DEFAULTS.sshBanTime,
};

/** Facts about the app VM the plan is derived from. */
export interface AppVmFacts {
  /** The LAN's CIDRs: SSH and the tablets come from here. */
  readonly lan: readonly string[];
  /** The gateway's address as the VM sees it: the only source allowed on the server's HTTP port. */
  readonly gatewayAddress: string;
  readonly sshPort?: number;
  /** The server's HTTP port (the gateway app's upstream port). */
  readonly serverPort: number;
  /** The LAN device port; 0 when off. */
  readonly devicePort: number;
  /** Where the server's data lives on the VM (the Docker volume's directory). */
  readonly dataDir: string;
  /** Where its configuration lives (e.g. `/etc/booxstream`). */
  readonly configDir: string;
  /** Other Docker-published ports only the gateway may reach (deployed apps, their exporters). [otherGatewayPorts=[]] */
  readonly otherGatewayPorts?: readonly { readonly name: string; readonly port: number }[];
}

/** The app VM: SSH and the device port from the LAN, the HTTP port only from the gateway. */
export function appVmHardening(facts: AppVmFacts): HostHardening {
  const sshPort = facts.sshPort ?? HOST_DEFAULTS.sshPort;
  const ports: HostPortRule[] = [
    { name: 'ssh', port: sshPort, from: [...facts.lan], dockerPublished: false },
    { name: 'server-http', port: facts.serverPort, from: [facts.gatewayAddress], dockerPublished: true },
  ];
  if (facts.devicePort > 0) ports.push({ name: 'device', port: facts.devicePort, from: [...facts.lan], dockerPublished: true });
  for (const p of facts.otherGatewayPorts ?? []) ports.push({ name: p.name, port: p.port, from: [facts.gatewayAddress], dockerPublished: true });
  return checkedHost({
    name: 'booxstream-vm',
    ports,
    sshPort,
    ...SSH_JAIL_DEFAULTS,
    auditWatches: [
      { path: facts.dataDir, permissions: 'wa', key: 'booxstream-data' },
      { path: facts.configDir, permissions: 'wa', key: 'booxstream-config' },
    ],
  });
}

/** Facts about the gateway machine (Traefik, cloudflared, authentik, CrowdSec). */
export interface GatewayHostFacts {
  readonly lan: readonly string[];
  readonly sshPort?: number;
  /** Where Traefik's file provider and CrowdSec's files live: audited. */
  readonly traefikConfigDir: string;
  readonly crowdsecConfigDir: string;
}

/**
 * The gateway: SSH, HTTP and HTTPS from the LAN (seed 002 opens 22/80/443). cloudflared dials
 * out to Cloudflare, so nothing from the internet needs an open port here.
 */
export function gatewayHostHardening(facts: GatewayHostFacts): HostHardening {
  const sshPort = facts.sshPort ?? HOST_DEFAULTS.sshPort;
  return checkedHost({
    name: 'gateway',
    ports: [
      { name: 'ssh', port: sshPort, from: [...facts.lan], dockerPublished: false },
      { name: 'http', port: 80, from: [...facts.lan], dockerPublished: true },
      { name: 'https', port: 443, from: [...facts.lan], dockerPublished: true },
    ],
    sshPort,
    ...SSH_JAIL_DEFAULTS,
    auditWatches: [
      { path: facts.traefikConfigDir, permissions: 'wa', key: 'gateway-traefik' },
      { path: facts.crowdsecConfigDir, permissions: 'wa', key: 'gateway-crowdsec' },
    ],
  });
}

const NAME = /^[a-z][a-z0-9-]{0,30}$/;
const SAFE_PATH = /^\/[A-Za-z0-9._/-]*$/;
const AUDIT_KEY = /^[A-Za-z0-9_-]{1,31}$/;

/** Is `value` an address or a CIDR with a prefix length that fits its family? */
export function isAddressOrCidr(value: string): boolean {
  const [address, prefix, ...rest] = value.split('/');
  if (rest.length > 0 || address === undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Freezes a plan after checking what the renderers put into files; throws `BadInputError` naming the field. */
export function checkedHost(host: HostHardening): HostHardening {
  const problems: string[] = [];
  if (!NAME.test(host.name)) problems.push(`name: must be lowercase letters, digits and '-', got ${JSON.stringify(host.name)}`);
  const seen = new Set<number>();
  host.ports.forEach((rule, i) => {
    const at = `ports[${i}]`;
    if (!NAME.test(rule.name)) problems.push(`${at}.name: must be lowercase letters, digits and '-', got ${JSON.stringify(rule.name)}`);
    if (!Number.isInteger(rule.port) || rule.port < 1 || rule.port > 65535) problems.push(`${at}.port: must be 1-65535, got ${rule.port}`);
    if (seen.has(rule.port)) problems.push(`${at}.port: ${rule.port} is listed twice`);
    seen.add(rule.port);
    if (rule.from.length === 0) problems.push(`${at}.from: must list at least one address or CIDR`);
    rule.from.forEach((f, j) => {
      if (!isAddressOrCidr(f)) problems.push(`${at}.from[${j}]: must be an IP address or CIDR, got ${JSON.stringify(f)}`);
    });
  });
  if (!host.ports.some((r) => r.port === host.sshPort)) problems.push(`sshPort: ${host.sshPort} must be one of the open ports, or SSH would lock itself out`);
  if (!Number.isInteger(host.sshMaxRetry) || host.sshMaxRetry < 1) problems.push(`sshMaxRetry: must be a positive integer, got ${host.sshMaxRetry}`);
  for (const key of ['sshFindTime', 'sshBanTime'] as const) {
    if (!/^\d+[smhdw]?$/.test(host[key])) problems.push(`${key}: must be a Fail2Ban time such as 10m or 1h, got ${JSON.stringify(host[key])}`);
  }
  host.auditWatches.forEach((w, i) => {
    const at = `auditWatches[${i}]`;
    if (!SAFE_PATH.test(w.path) || w.path.includes('..')) problems.push(`${at}.path: must be absolute with letters, digits and ._/- only, got ${JSON.stringify(w.path)}`);
    if (!/^[rwxa]{1,4}$/.test(w.permissions) || new Set(w.permissions).size !== w.permissions.length) {
      problems.push(`${at}.permissions: must be distinct letters of rwxa, got ${JSON.stringify(w.permissions)}`);
    }
    if (!AUDIT_KEY.test(w.key)) problems.push(`${at}.key: must be 1-31 letters, digits, '_' or '-', got ${JSON.stringify(w.key)}`);
  });
  if (problems.length > 0) throw new BadInputError(`invalid host hardening for ${JSON.stringify(host.name)}:\n  - ${problems.join('\n  - ')}`);
  return deepFreeze(structuredClone(host) as HostHardening);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
