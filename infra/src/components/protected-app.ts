/**
 * One app behind the gateway, wired end to end from the gateway model: its Traefik file on the
 * gateway, its authentik proxy provider, application, embedded-outpost membership and group
 * bindings, and its public DNS name. BooxStream and Affine are two instances.
 *
 * Everything it declares is computed by the gateway package's pure renderers; this component
 * only turns rendered values into resources.
 */
import type * as command from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import {
  appResourceNames,
  authentikLookups,
  nameCollisions,
  renderAuthentikApplication,
  renderAuthentikProvider,
  renderPolicyBindings,
  renderTraefikDynamicConfig,
  type FlowPks,
  type Gateway,
  type ProtectedApp as GatewayApp,
  bypassKey,
} from '@booxstream/gateway';
import {
  AuthentikApplication,
  AuthentikOutpostMembership,
  AuthentikPolicyBinding,
  AuthentikProxyProvider,
} from '../authentik/resources.js';
import { ADOPT_KEY } from '../adopt-config.js';
import { CloudflareDnsRecord } from '../cloudflare/resources.js';
import { sha256 } from '../digest.js';
import { remoteFile } from './remote-file.js';

export interface ProtectedAppArgs {
  /** The validated gateway model (renderers read the shared Traefik and authentik settings). */
  gateway: Gateway;
  /** The app to wire; must be one of `gateway.apps`. */
  app: GatewayApp;
  /** Flow uuids, looked up once for all apps (`AuthentikFlow`). */
  flowPks: pulumi.Input<FlowPks>;
  /** Group name → uuid, for at least every `app.allowedGroups` entry (`AuthentikGroup`). */
  groupPks: pulumi.Input<Record<string, string>>;
  /** SSH connection to the gateway, where the Traefik file goes. */
  gatewayConnection: pulumi.Input<command.types.input.remote.ConnectionArgs>;
  /** Cloudflare zone holding `app.hostname`. */
  zoneId: string;
  /** [adoptDns=false] May take over a DNS record for the hostname that points elsewhere. */
  adoptDns?: boolean;
}

export class ProtectedApp extends pulumi.ComponentResource {
  /** `https://<hostname>/`. */
  readonly url: pulumi.Output<string>;
  /** The authentik application's slug. */
  readonly applicationSlug: pulumi.Output<string>;
  /** The proxy provider's pk. */
  readonly providerPk: pulumi.Output<number>;
  /** sha256 of the Traefik file written to the gateway. */
  readonly traefikFileHash: pulumi.Output<string>;
  /** Where that file is on the gateway. */
  readonly traefikFilePath: pulumi.Output<string>;
  /** Paths that skip single sign-on (for `pnpm verify`). */
  readonly bypassPaths: pulumi.Output<string[]>;

  constructor(name: string, args: ProtectedAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super('booxstream:gateway:ProtectedApp', name, {}, opts);
    const { gateway, app } = args;
    if (!gateway.apps.includes(app)) {
      throw new pulumi.ResourceError(`app '${app.name}' is not one of the gateway model's apps`, this);
    }
    const names = appResourceNames(app);
    const collisions = nameCollisions({ apps: [app] });
    if (collisions.length > 0) {
      const list = collisions.map((c) => `${c.kind} '${c.name}' (${c.claimedBy.join(', ')})`).join('; ');
      throw new pulumi.ResourceError(`app '${app.name}': names derived from it collide: ${list}`, this);
    }
    const lookups = authentikLookups(gateway, app);

    // Traefik: the app's dynamic config, hot-reloaded by the file provider.
    const traefik = renderTraefikDynamicConfig(gateway, app);
    const traefikFile = remoteFile(
      names.traefikFile,
      { connection: args.gatewayConnection, remotePath: traefik.remotePath, content: traefik.yaml, removeOnDelete: true },
      this,
    );

    // authentik: provider → application → outpost membership and group bindings.
    const provider = new AuthentikProxyProvider(
      names.provider,
      { request: pulumi.output(args.flowPks).apply((pks) => ({ ...renderAuthentikProvider(gateway, app, pks) })) },
      { parent: this },
    );
    const application = new AuthentikApplication(
      names.application,
      { request: provider.pk.apply((pk) => ({ ...renderAuthentikApplication(app, pk) })) },
      { parent: this },
    );
    const membership = new AuthentikOutpostMembership(
      names.outpostMembership,
      { outpost: lookups.embeddedOutpost, providerPk: provider.pk },
      { parent: this },
    );
    const bindings = app.allowedGroups.map(
      (group, i) =>
        new AuthentikPolicyBinding(
          names.policyBinding(group),
          {
            request: pulumi.all([pulumi.output(args.groupPks), application.pk]).apply(([groupPks, appPk]) => ({
              ...(renderPolicyBindings(app, groupPks, appPk)[i] as object),
            })),
          },
          { parent: this },
        ),
    );

    // DNS last: the name goes public only once its route and its protection exist.
    // Adopts a record already pointing at the tunnel (or one listed in booxstream:adopt) and
    // restores it on destroy; any other record holding the name stops the preview.
    new CloudflareDnsRecord(
      names.dnsRecord,
      {
        zoneId: args.zoneId,
        name: app.hostname,
        content: `${gateway.tunnel.id}.cfargotunnel.com`,
        comment: `booxstream Pulumi: ${app.name} through the tunnel`,
        adopt: args.adoptDns ?? false,
        adoptKey: ADOPT_KEY,
      },
      { parent: this, dependsOn: [traefikFile.check, membership, ...bindings] },
    );

    this.url = pulumi.output(`https://${app.hostname}/`);
    this.applicationSlug = application.slug;
    this.providerPk = provider.pk;
    this.traefikFileHash = pulumi.output(sha256(traefik.yaml));
    this.traefikFilePath = pulumi.output(traefik.remotePath);
    this.bypassPaths = pulumi.output(app.bypassPaths.map(bypassKey));
    this.registerOutputs({
      url: this.url,
      applicationSlug: this.applicationSlug,
      providerPk: this.providerPk,
      traefikFileHash: this.traefikFileHash,
      traefikFilePath: this.traefikFilePath,
      bypassPaths: this.bypassPaths,
    });
  }
}
