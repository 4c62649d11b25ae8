/**
 * The tunnel's whole ingress list, applied the way the tunnel is managed:
 * - remote: `CloudflareTunnelIngressRules`, the model's hostnames only (read, merge per
 *   hostname, write back; every other rule of the tunnel is kept byte for byte);
 * - local: `LocalTunnelIngressRules`, the same per-hostname merge in the gateway's config.yml,
 *   validated by cloudflared, restarted, rolled back if the tunnel does not come back.
 */
import * as cloudflare from '@pulumi/cloudflare';
import type * as command from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import { GATEWAY_RESOURCE_NAMES, renderTunnelIngress, type Gateway } from '@booxstream/gateway';
import { ownedRules } from '../cloudflare/owned-rules.js';
import { configYmlRules } from '../tunnel/config-yml.js';
import { defaultLocalTunnelCommands, LocalTunnelIngressRules } from '../tunnel/resource.js';
import type { SshTarget } from '../tunnel/ssh-shell.js';
import { CloudflareTunnelIngressRules } from '../cloudflare/resources.js';
import { sha256 } from '../digest.js';

export interface TunnelIngressArgs {
  /** The validated gateway model: every app and `tunnelRoutes`. */
  gateway: Gateway;
  /** Cloudflare account of the tunnel. */
  accountId: string;
  /** How the tunnel is managed (see `cloudflare.tunnelMode`). */
  mode: 'remote' | 'local';
  /** SSH connection to the gateway (local mode). */
  gatewayConnection: pulumi.Input<command.types.input.remote.ConnectionArgs>;
  /** The gateway over SSH, host key pinned (local mode: config.yml is edited there). */
  gatewayHost: SshTarget;
  /** Where config.yml goes on the gateway (local mode). */
  cloudflaredConfigPath: string;
  /** Restarts cloudflared after config.yml changed (local mode). */
  cloudflaredRestartCommand: string;
}

/**
 * Why remote ingress cannot be applied to this tunnel, if it cannot: cloudflared ignores the
 * API configuration of a tunnel it runs from a local config.yml (`config_src: local`).
 */
export function remoteConfigProblem(tunnelId: string, configSrc: string): string | undefined {
  if (configSrc === 'cloudflare') return undefined;
  return `tunnel ${tunnelId} is managed locally (config_src=${configSrc}): routes set through the API would never be read; set booxstream:cloudflare.tunnelMode to "local" or migrate the tunnel to remote management`;
}

export class TunnelIngress extends pulumi.ComponentResource {
  /** sha256 of what was applied (the API config as JSON, or config.yml). */
  readonly configHash: pulumi.Output<string>;
  /** Hostnames routed, in rule order (catch-all excluded). */
  readonly hostnames: pulumi.Output<string[]>;

  constructor(name: string, args: TunnelIngressArgs, opts?: pulumi.ComponentResourceOptions) {
    super('booxstream:gateway:TunnelIngress', name, {}, opts);
    const rendered = renderTunnelIngress(args.gateway);
    const tunnelId = args.gateway.tunnel.id;

    if (args.mode === 'remote') {
      // The API's config is ignored by a tunnel run from a local config.yml: refuse to
      // "succeed" with routes cloudflared will never read.
      const tunnel = cloudflare.getZeroTrustTunnelCloudflaredOutput({ accountId: args.accountId, tunnelId }, { parent: this });
      const checkedTunnelId = tunnel.apply((t) => {
        const problem = remoteConfigProblem(tunnelId, t.configSrc);
        if (problem) throw new pulumi.ResourceError(problem, this);
        return tunnelId;
      });
      // Only the model's hostnames: every other rule of the live tunnel stays as it is.
      const rules = ownedRules(rendered.apiBody.config.ingress);
      new CloudflareTunnelIngressRules(GATEWAY_RESOURCE_NAMES.tunnelConfig, { accountId: args.accountId, tunnelId: checkedTunnelId, rules }, { parent: this });
      this.configHash = pulumi.output(sha256(JSON.stringify(rules)));
    } else {
      // config.yml on the gateway, edited in place: only the model's hostnames change, every
      // other key and rule stays; cloudflared validates it before the restart, and a tunnel
      // that does not come back gets the previous file again (src/tunnel/local-apply.ts).
      const rules = ownedRules(configYmlRules(rendered.configYml));
      new LocalTunnelIngressRules(
        GATEWAY_RESOURCE_NAMES.cloudflaredConfigFile,
        { host: args.gatewayHost, path: args.cloudflaredConfigPath, rules, commands: defaultLocalTunnelCommands(args.cloudflaredRestartCommand) },
        { parent: this },
      );
      const hash = sha256(JSON.stringify(rules));
      this.configHash = pulumi.output(hash);
    }
    this.hostnames = pulumi.output(rendered.rules.flatMap((r) => (r.hostname ? [r.hostname] : [])));
    this.registerOutputs({ configHash: this.configHash, hostnames: this.hostnames });
  }
}
