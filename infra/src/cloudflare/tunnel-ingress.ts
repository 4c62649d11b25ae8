/**
 * A remotely-managed tunnel's ingress, owned per hostname through the official SDK:
 * read the live configuration, merge (ingress-merge.ts), write the whole configuration back
 * only when it changed. The configuration's other keys (top-level `originRequest`,
 * `warp-routing`, …) are written back as they were read.
 */
import type Cloudflare from 'cloudflare';
import type { ConfigurationUpdateParams } from 'cloudflare/resources/zero-trust/tunnels/cloudflared/configurations';
import { callCloudflare } from './client.js';
import { mergeIngress, observedRules, type IngressRule, type OwnedRule } from './ingress-merge.js';

export interface TunnelIngressInputs {
  accountId: string;
  tunnelId: string;
  /** The model's rules by key (`ruleKey`): keyed so a preview's diff names each hostname. */
  rules: Record<string, OwnedRule>;
}

export interface TunnelIngressState extends TunnelIngressInputs {
  /** Live rules we took over, as they were before: put back on release. */
  adopted: Record<string, IngressRule>;
  /** Our rules as the live list holds them (refresh updates this; drift shows in the diff). */
  observed: Record<string, IngressRule | null>;
  /** Configuration version after our last write (or read). */
  version: number | null;
}

interface LiveConfig {
  config: Record<string, unknown>;
  ingress: IngressRule[];
  version: number | null;
}

export async function readLiveConfig(client: Cloudflare, accountId: string, tunnelId: string): Promise<LiveConfig> {
  const got = await callCloudflare('tunnel configurations get', () =>
    client.zeroTrust.tunnels.cloudflared.configurations.get(tunnelId, { account_id: accountId }),
  );
  const config = (got.config ?? {}) as Record<string, unknown>;
  return { config, ingress: (config['ingress'] ?? []) as IngressRule[], version: got.version ?? null };
}

async function apply(
  client: Cloudflare,
  target: { accountId: string; tunnelId: string },
  desired: Record<string, OwnedRule>,
  owned: string[],
  adopted: Record<string, IngressRule>,
): Promise<{ adopted: Record<string, IngressRule>; live: IngressRule[]; version: number | null }> {
  const live = await readLiveConfig(client, target.accountId, target.tunnelId);
  const merged = mergeIngress({ live: live.ingress, desired, owned, adopted });
  if (!merged.changed) return { adopted: merged.adopted, live: live.ingress, version: live.version };
  // Every key of the live config but `ingress` goes back as read; the SDK's type is the
  // contract for what we send (the fake checks the wire body against it).
  const config = { ...live.config, ingress: merged.rules } as unknown as ConfigurationUpdateParams.Config;
  const put = await callCloudflare('tunnel configurations update', () =>
    client.zeroTrust.tunnels.cloudflared.configurations.update(target.tunnelId, { account_id: target.accountId, config }),
  );
  return { adopted: merged.adopted, live: merged.rules, version: put.version ?? null };
}

export async function createTunnelIngress(client: Cloudflare, inputs: TunnelIngressInputs): Promise<TunnelIngressState> {
  const r = await apply(client, inputs, inputs.rules, [], {});
  return { ...inputs, adopted: r.adopted, observed: observedRules(r.live, Object.keys(inputs.rules)), version: r.version };
}

export async function updateTunnelIngress(client: Cloudflare, olds: TunnelIngressState, news: TunnelIngressInputs): Promise<TunnelIngressState> {
  if (olds.accountId !== news.accountId || olds.tunnelId !== news.tunnelId) {
    throw new Error('tunnel-ingress: a new tunnel is a replacement, not an update');
  }
  const r = await apply(client, news, news.rules, Object.keys(olds.rules), olds.adopted ?? {});
  return { ...news, adopted: r.adopted, observed: observedRules(r.live, Object.keys(news.rules)), version: r.version };
}

/** Releases every rule we own: adopted ones go back as they were, created ones are removed. */
export async function deleteTunnelIngress(client: Cloudflare, olds: TunnelIngressState): Promise<void> {
  await apply(client, olds, {}, Object.keys(olds.rules), olds.adopted ?? {});
}

/** Refresh: what the live list holds for our keys now. */
export async function readTunnelIngress(client: Cloudflare, props: TunnelIngressState): Promise<TunnelIngressState> {
  const live = await readLiveConfig(client, props.accountId, props.tunnelId);
  return { ...props, observed: observedRules(live.ingress, Object.keys(props.rules)), version: live.version };
}
