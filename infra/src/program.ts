/**
 * The whole deployment, from a validated stack config: the tunnel's ingress, every app of the
 * gateway model as a ProtectedApp, and the BooxStream server on its VM. index.ts calls this
 * once and exports what it returns as the stack outputs.
 */
import * as cloudflare from '@pulumi/cloudflare';
import * as pulumi from '@pulumi/pulumi';
import { appResourceNames, deploymentNames, assertUniqueNames, authentikLookups, databaseBackupHook, databaseScrapeTarget, GATEWAY_RESOURCE_NAMES as NAMES, planAppDeployment, bypassProbePaths, signInFlowSlug, type DatabaseBackupHook, type DatabaseScrapeTarget, type FlowPks } from '@booxstream/gateway';
import { AuthentikFlow, AuthentikGroup } from './authentik/resources.js';
import { AppDeployment } from './components/app-deployment.js';
import { BooxStreamVm } from './components/booxstream-vm.js';
import { Crowdsec } from './components/crowdsec.js';
import { HostHardening } from './components/host-hardening.js';
import { ProtectedApp } from './components/protected-app.js';
import { TunnelIngress } from './components/tunnel-ingress.js';
import { TwoFactorSignIn } from './components/two-factor.js';
import type { StackConfig } from './config.js';
import { declareObservability, type ObservabilityOutputs } from './observability.js';
import { commandConnection } from './ssh.js';
import { expectedTraefikRouters } from './verify/expected-routers.js';

/** What `pnpm verify` needs to test a deployment, and what an operator wants to see. */
export interface GatewayOutputs {
  /** App name → `https://<hostname>/`. */
  appUrls: pulumi.Output<Record<string, string>>;
  /** The BooxStream application's slug in authentik. */
  authentikApplicationSlug: pulumi.Output<string>;
  /** App name → authentik application slug. */
  authentikApplicationSlugs: pulumi.Output<Record<string, string>>;
  /** Rendered file → sha256 (`traefik/<app>.yml`, `cloudflared/ingress`). */
  renderedFileHashes: pulumi.Output<Record<string, string>>;
  /** The server image id running on the VM. */
  serverImage: pulumi.Output<string>;
  /** Deployed model app → its container names. */
  deployedContainers: pulumi.Output<Record<string, string[]>>;
  /** Prometheus targets of deployed apps (each database's mysqld exporter), for the monitoring config. */
  metricsTargets: DatabaseScrapeTarget[];
  /** What the nightly backup schedule runs first and includes, per deployed database (the dump). */
  backupHooks: DatabaseBackupHook[];
  /** Input of `pnpm verify`: everything its checks need, no secrets. */
  verify: pulumi.Output<VerifyTargets>;
  /** Prometheus URL on the VM and the backup timer (observability.ts). */
  observability: pulumi.Output<{ [K in keyof ObservabilityOutputs]: ObservabilityOutputs[K] extends pulumi.Output<infer T> ? T : never }>;
}

/** The shape `pnpm verify` reads (src/verify/targets.ts parses it). */
export interface VerifyTargets {
  /** authentik as browsers reach it: a redirect for a signed-out visitor must point here. */
  authentikExternalUrl: string;
  /** Each app with the authentik flow a signed-out visit must end at (`/if/flow/<signInFlowSlug>/`). */
  apps: { name: string; url: string; signInFlowSlug: string; bypassPaths: { path: string; methods: string[] }[] }[];
  /** The server's health endpoint as the gateway reaches it (the app's upstream). */
  healthzUrl: string;
  /** Every rendered Traefik router by name: what Traefik's API must report loaded (verify/traefik-api.ts). */
  traefikRouters: Record<string, { rule: string; priority: number; middlewares: string[] }>;
}

export function declareGateway(cfg: StackConfig, options: { projectDir: string; stack: string }): GatewayOutputs {
  // Every name below comes from the gateway model: refuse before declaring anything if two meet.
  assertUniqueNames(cfg.gateway);
  const s = cfg.secrets;
  const cloudflareProvider = new cloudflare.Provider(NAMES.cloudflareProvider, { apiToken: pulumi.secret(s.cloudflareApiToken) });
  const gatewayConnection = commandConnection(cfg.gatewayHost, pulumi.secret(s.gatewaySshPrivateKey));

  // Lookups shared by every app: flows by slug, groups by name (authentik takes uuids).
  const flowSlugs = { ...cfg.gateway.authentik.flows };
  const flowPk = (role: string, slug: string) => new AuthentikFlow(NAMES.flowLookup(role), { slug }).pk;
  const authentication = flowSlugs.authentication !== undefined ? flowPk('authentication', flowSlugs.authentication) : undefined;
  const flowPks: pulumi.Output<FlowPks> = pulumi
    .all([flowPk('authorization', flowSlugs.authorization), flowPk('invalidation', flowSlugs.invalidation), authentication])
    .apply(([a, i, n]) => ({ authorization: a, invalidation: i, ...(n !== undefined ? { authentication: n } : {}) }));
  const groupNames = [...new Set(cfg.gateway.apps.flatMap((app) => authentikLookups(cfg.gateway, app).groupNames))];
  const groupPks = pulumi.all(
    Object.fromEntries(groupNames.map((g) => [g, new AuthentikGroup(NAMES.groupLookup(g), { name: g }).pk])),
  );

  const tunnel = new TunnelIngress(
    NAMES.tunnel,
    {
      gateway: cfg.gateway,
      accountId: cfg.cloudflare.accountId,
      mode: cfg.cloudflare.tunnelMode,
      gatewayConnection,
      cloudflaredConfigPath: cfg.gatewayHost.cloudflaredConfigPath,
      cloudflaredRestartCommand: cfg.gatewayHost.cloudflaredRestartCommand,
      gatewayHost: { address: cfg.gatewayHost.address, port: cfg.gatewayHost.sshPort, user: cfg.gatewayHost.sshUser, hostKey: cfg.gatewayHost.hostKey },
    },
    { providers: { cloudflare: cloudflareProvider } },
  );

  // Two-factor sign-in (the model's mfa:), before the apps: per app, their providers name its flow.
  const mfa = cfg.gateway.mfa !== undefined ? new TwoFactorSignIn(NAMES.mfa, { mfa: cfg.gateway.mfa }) : undefined;
  const mfaFlowPk = mfa?.flowPk;
  const appFlowPks = (name: string): pulumi.Input<FlowPks> =>
    mfaFlowPk !== undefined && cfg.gateway.mfa?.apps.includes(name) ? pulumi.all([flowPks, mfaFlowPk]).apply(([f, authentication]) => ({ ...f, authentication })) : flowPks;

  const apps = cfg.gateway.apps.map(
    (app) =>
      new ProtectedApp(
        appResourceNames(app).component,
        { gateway: cfg.gateway, app, flowPks: appFlowPks(app.name), groupPks, gatewayConnection, zoneId: cfg.cloudflare.zoneId, adoptDns: cfg.adopt.includes(app.hostname) },
        { providers: { cloudflare: cloudflareProvider } },
      ),
  );

  const vm = new BooxStreamVm(NAMES.serverVm, {
    config: cfg,
    sshPrivateKey: pulumi.secret(s.vmSshPrivateKey),
    secretEnv: Object.keys(s.serverSecrets).length > 0 ? pulumi.secret({ ...s.serverSecrets }) : {},
    projectDir: options.projectDir,
    stack: options.stack,
  });

  // Every app of the model with a `deploy` section runs on the VM too (BookStack and its database).
  const deployed = cfg.gateway.apps.flatMap((app) =>
    app.deploy
      ? [new AppDeployment(deploymentNames(app).component, { plan: planAppDeployment(app, app.deploy, cfg.vm.address), provider: vm.dockerProvider, projectDir: options.projectDir, platform: cfg.vm.platform })]
      : [],
  );
  const observability = declareObservability(cfg, {
    dockerProvider: vm.dockerProvider,
    vmConnection: commandConnection(cfg.vm, pulumi.secret(s.vmSshPrivateKey)),
    gatewayConnection,
  });

  // Intrusion detection: CrowdSec next to Traefik, when the gateway model declares ids:.
  if (cfg.gateway.ids !== undefined) {
    new Crowdsec('crowdsec', {
      ids: cfg.gateway.ids,
      gatewayHost: cfg.gatewayHost,
      connection: gatewayConnection,
      sshPrivateKey: pulumi.secret(s.gatewaySshPrivateKey),
      bouncerKey: pulumi.secret(s.crowdsecBouncerKey!),
      stack: options.stack,
    });
  }

  // The hardened-host layer (opt-in): each machine over its own SSH connection.
  if (cfg.hardening !== undefined) {
    const h = cfg.hardening;
    new HostHardening('vm-hardening', { connection: commandConnection(cfg.vm, pulumi.secret(s.vmSshPrivateKey)), plan: h.vm, rollbackSeconds: h.rollbackSeconds });
    new HostHardening('gateway-hardening', { connection: gatewayConnection, plan: h.gatewayHost, rollbackSeconds: h.rollbackSeconds });
  }

  const byName = <T>(pick: (app: ProtectedApp) => pulumi.Output<T>) =>
    pulumi.all(Object.fromEntries(apps.map((a, i) => [cfg.gateway.apps[i]!.name, pick(a)]))) as pulumi.Output<Record<string, T>>;
  const serverApp = apps[cfg.gateway.apps.indexOf(cfg.serverApp)]!;

  return {
    appUrls: byName((a) => a.url),
    authentikApplicationSlug: serverApp.applicationSlug,
    authentikApplicationSlugs: byName((a) => a.applicationSlug),
    renderedFileHashes: pulumi
      .all([byName((a) => a.traefikFileHash), tunnel.configHash])
      .apply(([traefik, ingress]) => ({
        ...Object.fromEntries(Object.entries(traefik).map(([name, hash]) => [`traefik/${name}.yml`, hash])),
        [cfg.cloudflare.tunnelMode === 'remote' ? 'cloudflared/tunnel-config.json' : 'cloudflared/config.yml']: ingress,
      })),
    serverImage: vm.imageDigest,
    deployedContainers: pulumi.all(Object.fromEntries(deployed.map((d, i) => [cfg.gateway.apps.filter((a) => a.deploy)[i]!.name, d.containerNames]))),
    metricsTargets: cfg.gateway.apps.flatMap((app) => (app.deploy?.database ? [databaseScrapeTarget(app, app.deploy.database, cfg.vm.address)] : [])),
    backupHooks: cfg.gateway.apps.flatMap((app) => (app.deploy?.database ? [databaseBackupHook(app, app.deploy.database)] : [])),
    observability: pulumi.all([observability.prometheusUrl, observability.backupTimer]).apply(([prometheusUrl, backupTimer]) => ({ prometheusUrl, backupTimer })),
    verify: pulumi.all([byName((a) => a.url), vm.healthzUrl]).apply(([urls, healthzUrl]) => ({
      authentikExternalUrl: cfg.gateway.authentik.externalUrl,
      apps: cfg.gateway.apps.map((app) => ({ name: app.name, url: urls[app.name] as string, signInFlowSlug: signInFlowSlug(cfg.gateway, app), bypassPaths: app.bypassPaths.flatMap((r) => bypassProbePaths(r).map((path) => ({ path, methods: [...r.methods] }))) })),
      healthzUrl,
      traefikRouters: expectedTraefikRouters(cfg.gateway),
    })),
  };
}
