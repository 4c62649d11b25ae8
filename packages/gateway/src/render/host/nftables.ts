/**
 * The host firewall as one nftables table of our own (`inet <name>`), never the whole
 * ruleset: Docker, Fail2Ban and whatever the owner already runs keep their tables.
 *
 * The file is one transaction (`nft -f` applies it whole or not at all): it declares the table
 * (a no-op when it exists), deletes it, and declares it again with its chains. So applying it
 * twice gives the same ruleset, and a syntax error changes nothing.
 *
 *   input    policy drop: established/related, loopback, ICMP (rate-limited), then each open
 *            port from its allowed sources only.
 *   forward  policy accept (containers keep their own traffic), but a Docker-published port
 *            (DNAT-ed before input, so input never sees it) is dropped unless the connection's
 *            source is allowed: matched on DNAT-ed connections (`ct status dnat`) by their original
 *            destination port, in the original direction only (replies come back from the
 *            container), so container-to-container traffic on the same port (cloudflared →
 *            Traefik :80 on a bridge) is left alone.
 */
import { isIP } from 'node:net';
import type { HostHardening, HostPortRule } from '../../model/host.js';

export interface RenderedNftables {
  /** `nft` table family and name, e.g. `inet booxstream_vm`. */
  readonly table: string;
  /** File name on the host, e.g. `booxstream-vm.nft`. */
  readonly fileName: string;
  readonly text: string;
}

/** nftables identifiers: letters, digits, underscore. */
export function nftTableName(host: HostHardening): string {
  return host.name.replace(/-/g, '_');
}

export function renderNftables(host: HostHardening): RenderedNftables {
  const table = `inet ${nftTableName(host)}`;
  const input = host.ports.flatMap((rule) => acceptLines(rule, `tcp dport ${rule.port}`));
  const forward = host.ports
    .filter((r) => r.dockerPublished)
    .flatMap((rule) => [...acceptLines(rule, `meta l4proto tcp ct direction original ct status dnat ct original proto-dst ${rule.port}`), `meta l4proto tcp ct direction original ct status dnat ct original proto-dst ${rule.port} counter drop comment "${rule.name}: other sources"`]);
  const lines = [
    '#!/usr/sbin/nft -f',
    `# ${host.name}: rendered by @booxstream/gateway. Applied with \`nft -f\` as one transaction;`,
    '# only this table is replaced, other tables (Docker, Fail2Ban) are left alone.',
    `table ${table} {}`,
    `delete table ${table}`,
    `table ${table} {`,
    '\tchain input {',
    '\t\ttype filter hook input priority filter; policy drop;',
    '\t\tct state invalid drop',
    '\t\tct state { established, related } accept',
    '\t\tiif "lo" accept',
    // Path-MTU discovery and neighbour discovery need ICMP; the limit keeps floods cheap.
    '\t\tmeta l4proto icmp icmp type { echo-request, destination-unreachable, time-exceeded, parameter-problem } limit rate 10/second accept',
    '\t\tmeta l4proto ipv6-icmp accept',
    ...input.map((l) => `\t\t${l}`),
    '\t\tcounter comment "dropped by policy"',
    '\t}',
    '\tchain forward {',
    '\t\ttype filter hook forward priority filter - 1; policy accept;',
    ...forward.map((l) => `\t\t${l}`),
    '\t}',
    '}',
    '',
  ];
  return { table, fileName: `${host.name}.nft`, text: lines.join('\n') };
}

/** One accept line per address family the rule's sources use. */
function acceptLines(rule: HostPortRule, match: string): string[] {
  const v4 = rule.from.filter((f) => isIP(f.split('/')[0]!) === 4);
  const v6 = rule.from.filter((f) => isIP(f.split('/')[0]!) === 6);
  const lines: string[] = [];
  if (v4.length > 0) lines.push(`ip saddr { ${v4.join(', ')} } ${match} counter accept comment "${rule.name}"`);
  if (v6.length > 0) lines.push(`ip6 saddr { ${v6.join(', ')} } ${match} counter accept comment "${rule.name}"`);
  return lines;
}
