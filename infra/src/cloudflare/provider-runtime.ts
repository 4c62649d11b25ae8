/**
 * What the Cloudflare dynamic providers run (loaded by path, see src/dynamic/runtime-provider.ts):
 * plain functions over the official SDK, which tests call directly.
 *
 * - `tunnel-ingress`: the model's rules on one tunnel, per hostname (tunnel-ingress.ts).
 * - `dns-record`: one app's CNAME, adopted or created (dns-record.ts).
 */
import { sameValue } from '../authentik/drift.js';
import { containsUnknown } from '../dynamic/unknown.js';
import { cloudflareClient } from './client.js';
import { assertNoCollision, createDnsRecord, deleteDnsRecord, readDnsRecord, updateDnsRecord, type DnsRecordInputs, type DnsRecordState } from './dns-record.js';
import { CloudflareNotConfiguredError } from './errors.js';
import { ruleKey, ruleSatisfies, type OwnedRule } from './ingress-merge.js';
import {
  createTunnelIngress,
  deleteTunnelIngress,
  readTunnelIngress,
  updateTunnelIngress,
  type TunnelIngressInputs,
  type TunnelIngressState,
} from './tunnel-ingress.js';

export type CloudflareKind = 'tunnel-ingress' | 'dns-record';

/** The connection as `configure` read it from the stack config (tests set `baseUrl`). */
export interface CloudflareRuntimeConnection {
  token?: string | undefined;
  tokenKey?: string | undefined;
  baseUrl?: string | undefined;
}

type Props = Record<string, unknown>;

export async function check(kind: CloudflareKind, news: Props, connection: CloudflareRuntimeConnection, olds: Props = {}) {
  const failures: { property: string; reason: string }[] = [];
  const str = (p: string) => {
    if (news[p] !== undefined && containsUnknown(news[p])) return;
    if (typeof news[p] !== 'string' || (news[p] as string) === '') failures.push({ property: p, reason: `${p} must be a non-empty string` });
  };
  if (kind === 'tunnel-ingress') {
    str('accountId');
    str('tunnelId');
    const rules = news['rules'];
    if (rules === null || typeof rules !== 'object' || Array.isArray(rules)) failures.push({ property: 'rules', reason: 'rules must be an object keyed by hostname' });
    else if (!containsUnknown(rules)) {
      for (const [key, rule] of Object.entries(rules as Record<string, OwnedRule>)) {
        if (typeof rule?.service !== 'string') failures.push({ property: `rules.${key}`, reason: 'service must be a string' });
        else if (ruleKey(rule) !== key) failures.push({ property: `rules.${key}`, reason: `key must be the rule's hostname (and path): ${ruleKey(rule)}` });
      }
    }
  } else {
    for (const p of ['zoneId', 'name', 'content', 'adoptKey']) str(p);
    if (typeof news['adopt'] !== 'boolean' && !containsUnknown(news['adopt'])) failures.push({ property: 'adopt', reason: 'adopt must be a boolean' });
    // First creation only: a name held by a record that does not point at this tunnel stops
    // the preview that `pulumi up` runs first, before any resource changes anywhere.
    if (failures.length === 0 && Object.keys(olds).length === 0 && !containsUnknown(news)) {
      try {
        await assertNoCollision(connect(connection), news as unknown as DnsRecordInputs);
      } catch (error) {
        failures.push({ property: 'name', reason: (error as Error).message });
      }
    }
  }
  return { inputs: news, failures };
}

export function diff(kind: CloudflareKind, olds: Props, news: Props) {
  if (kind === 'tunnel-ingress') {
    const replaces = ['accountId', 'tunnelId'].filter((k) => !sameValue(olds[k], news[k]));
    const oldRules = (olds['rules'] ?? {}) as Record<string, OwnedRule>;
    const newRules = (news['rules'] ?? {}) as Record<string, OwnedRule>;
    const observed = (olds['observed'] ?? {}) as TunnelIngressState['observed'];
    // Drift: one of our rules no longer says what the model says (refresh observed it).
    const drifted = Object.entries(newRules).some(([key, rule]) => key in observed && !ruleSatisfies(observed[key], rule));
    const changes = replaces.length > 0 || !sameValue(oldRules, newRules) || drifted;
    return { changes, replaces, deleteBeforeReplace: false };
  }
  const replaces = ['zoneId', 'name'].filter((k) => !sameValue(olds[k], news[k]));
  const observed = olds['observed'] as DnsRecordState['observed'] | undefined;
  const drifted = observed !== undefined && (observed === null || observed.type !== 'CNAME' || observed.content !== news['content'] || !observed.proxied);
  const changes = replaces.length > 0 || !sameValue(olds['content'], news['content']) || drifted;
  return { changes, replaces, deleteBeforeReplace: false };
}

export async function create(kind: CloudflareKind, connection: CloudflareRuntimeConnection, inputs: Props) {
  const client = connect(connection);
  if (kind === 'tunnel-ingress') {
    const s = await createTunnelIngress(client, inputs as unknown as TunnelIngressInputs);
    return { id: `${s.accountId}/${s.tunnelId}`, outs: s as unknown as Props };
  }
  const s = await createDnsRecord(client, inputs as unknown as DnsRecordInputs);
  return { id: s.id, outs: s as unknown as Props };
}

export async function read(kind: CloudflareKind, connection: CloudflareRuntimeConnection, id: string, props: Props) {
  const client = connect(connection);
  if (kind === 'tunnel-ingress') return { id, props: (await readTunnelIngress(client, props as unknown as TunnelIngressState)) as unknown as Props };
  const s = await readDnsRecord(client, { ...(props as unknown as DnsRecordState), id });
  return s ? { id, props: s as unknown as Props } : { id: '', props: {} };
}

export async function update(kind: CloudflareKind, connection: CloudflareRuntimeConnection, id: string, olds: Props, news: Props) {
  const client = connect(connection);
  if (kind === 'tunnel-ingress') {
    return { outs: (await updateTunnelIngress(client, olds as unknown as TunnelIngressState, news as unknown as TunnelIngressInputs)) as unknown as Props };
  }
  const s = await updateDnsRecord(client, { ...(olds as unknown as DnsRecordState), id }, news as unknown as DnsRecordInputs);
  return { outs: s as unknown as Props };
}

export async function remove(kind: CloudflareKind, connection: CloudflareRuntimeConnection, id: string, props: Props): Promise<void> {
  const client = connect(connection);
  if (kind === 'tunnel-ingress') return deleteTunnelIngress(client, props as unknown as TunnelIngressState);
  return deleteDnsRecord(client, { ...(props as unknown as DnsRecordState), id });
}

function connect(connection: CloudflareRuntimeConnection) {
  if (!connection.token) {
    throw new CloudflareNotConfiguredError(`set ${connection.tokenKey ?? 'the Cloudflare API token'} in the stack config (with --secret)`);
  }
  return cloudflareClient({ token: connection.token, baseUrl: connection.baseUrl });
}
