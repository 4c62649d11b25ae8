/**
 * The model's hostnames in a locally-managed tunnel's config.yml on the gateway, as a dynamic
 * resource (src/tunnel/provider-runtime.ts). The gateway's SSH key is read in `configure` from
 * the stack config, never captured in the state.
 */
import * as pulumi from '@pulumi/pulumi';
import type { OwnedRule } from '../cloudflare/ingress-merge.js';
import { runtimeDynamicProvider } from '../dynamic/runtime-provider.js';
import type { LocalTunnelCommands } from './local-apply.js';
import type { SshTarget } from './ssh-shell.js';

export const LOCAL_TUNNEL_RUNTIME_MODULE = './src/tunnel/provider-runtime.ts';

/**
 * cloudflared's own checks, as run on a gateway where cloudflared is the `cloudflared` Docker
 * container (the seed's layout). Its image has no shell, so the candidate is copied in with
 * `docker cp`; "Registered tunnel connection" is the line cloudflared logs once a connection
 * to Cloudflare's edge is up, looked for since the container's last start.
 */
export function defaultLocalTunnelCommands(restart: string, container = 'cloudflared'): LocalTunnelCommands {
  return {
    validate: `docker cp {file} ${container}:/tmp/booxstream-candidate.yml && docker exec ${container} cloudflared tunnel --config /tmp/booxstream-candidate.yml ingress validate`,
    restart,
    health: `docker logs --since "$(docker inspect -f '{{.State.StartedAt}}' ${container})" ${container} 2>&1 | grep -q 'Registered tunnel connection'`,
    healthAttempts: 20,
    healthIntervalMs: 3000,
  };
}

const providers = new Map<string, pulumi.dynamic.ResourceProvider>();

function provider(): pulumi.dynamic.ResourceProvider {
  const project = pulumi.getProject();
  let p = providers.get(project);
  if (!p) {
    p = runtimeDynamicProvider(LOCAL_TUNNEL_RUNTIME_MODULE, 'local-tunnel-ingress', { privateKey: `${project}:gatewaySshPrivateKey` });
    providers.set(project, p);
  }
  return p;
}

export interface LocalTunnelIngressRulesArgs {
  host: pulumi.Input<SshTarget>;
  /** config.yml on the gateway. */
  path: pulumi.Input<string>;
  rules: pulumi.Input<Record<string, OwnedRule>>;
  commands: pulumi.Input<LocalTunnelCommands>;
}

export class LocalTunnelIngressRules extends pulumi.dynamic.Resource {
  declare readonly adopted: pulumi.Output<Record<string, unknown>>;
  declare readonly observed: pulumi.Output<Record<string, unknown>>;

  constructor(name: string, args: LocalTunnelIngressRulesArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider(), name, { ...args, adopted: undefined, observed: undefined }, opts, 'cloudflared', 'LocalTunnelIngressRules');
  }
}
