/**
 * Cloudflare objects the program shares with whatever else is on the account, as dynamic
 * resources over the official `cloudflare` SDK (src/cloudflare/provider-runtime.ts):
 * `@pulumi/cloudflare`'s tunnel configuration PUTs the whole ingress list and its DnsRecord
 * cannot adopt, so neither can join a live gateway without breaking it.
 *
 * The API token is read in `configure` from the stack config (`booxstream:cloudflareApiToken`),
 * never captured in the state.
 */
import * as pulumi from '@pulumi/pulumi';
import { runtimeDynamicProvider } from '../dynamic/runtime-provider.js';
import type { OwnedRule } from './ingress-merge.js';

/** Path of the runtime module, relative to the Pulumi project directory (the plugin's cwd). */
export const CLOUDFLARE_RUNTIME_MODULE = './src/cloudflare/provider-runtime.ts';
export const CLOUDFLARE_TOKEN_KEY = 'cloudflareApiToken';

const providers = new Map<string, pulumi.dynamic.ResourceProvider>();

/** One provider object per kind and project: Pulumi caches the serialized text per object. */
export function cloudflareProvider(kind: 'tunnel-ingress' | 'dns-record', project = pulumi.getProject()): pulumi.dynamic.ResourceProvider {
  const key = `${project}/${kind}`;
  let provider = providers.get(key);
  if (!provider) {
    provider = runtimeDynamicProvider(CLOUDFLARE_RUNTIME_MODULE, kind, { token: `${project}:${CLOUDFLARE_TOKEN_KEY}` });
    providers.set(key, provider);
  }
  return provider;
}

export interface CloudflareTunnelIngressRulesArgs {
  accountId: pulumi.Input<string>;
  tunnelId: pulumi.Input<string>;
  /** The model's rules keyed by hostname (`hostname path` for a path rule). */
  rules: pulumi.Input<Record<string, OwnedRule>>;
}

/**
 * The model's hostnames on a remotely-managed tunnel, and nothing else: every other rule of
 * the tunnel is written back as it was read. Keyed by hostname, so `pulumi preview` shows
 * each hostname added, changed or removed.
 */
export class CloudflareTunnelIngressRules extends pulumi.dynamic.Resource {
  /** Live rules taken over, as they were: put back on destroy. */
  declare readonly adopted: pulumi.Output<Record<string, unknown>>;
  declare readonly observed: pulumi.Output<Record<string, unknown>>;
  declare readonly version: pulumi.Output<number | null>;

  constructor(name: string, args: CloudflareTunnelIngressRulesArgs, opts?: pulumi.CustomResourceOptions) {
    super(cloudflareProvider('tunnel-ingress'), name, { ...args, adopted: undefined, observed: undefined, version: undefined }, opts, 'cloudflare', 'TunnelIngressRules');
  }
}

export interface CloudflareDnsRecordArgs {
  zoneId: pulumi.Input<string>;
  name: pulumi.Input<string>;
  /** `<tunnel-id>.cfargotunnel.com`. */
  content: pulumi.Input<string>;
  comment: pulumi.Input<string>;
  /** May take over a record that points elsewhere (`booxstream:adopt`). */
  adopt: pulumi.Input<boolean>;
  /** The setting's key, named in the collision error. */
  adoptKey: pulumi.Input<string>;
}

/** An app's proxied CNAME; adopts the record already there (restored on destroy) or creates it. */
export class CloudflareDnsRecord extends pulumi.dynamic.Resource {
  /** The record as it was before adoption; null when the program created it. */
  declare readonly previous: pulumi.Output<Record<string, unknown> | null>;
  declare readonly observed: pulumi.Output<Record<string, unknown> | null>;

  constructor(name: string, args: CloudflareDnsRecordArgs, opts?: pulumi.CustomResourceOptions) {
    super(cloudflareProvider('dns-record'), name, { ...args, previous: undefined, observed: undefined }, opts, 'cloudflare', 'DnsRecord');
  }
}
