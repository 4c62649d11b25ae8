/**
 * Every name derived from the gateway model, in one place: Traefik's routers, middlewares,
 * services and file names, and the keys of what the Pulumi program and the authentik
 * blueprint declare for each app. Nothing else builds names: renderers, the preview, the
 * program and the checklist coverage all call this module.
 *
 * Traefik names are prefixed with the app's name: the file provider merges every file of the
 * directory into one namespace and *skips* a duplicate name with only a warning
 * (VENDOR-NOTES.md#file-provider), so unprefixed names would silently shadow another app's.
 * Deriving names can still make two different inputs meet (`Admins` and `admins` give the
 * same slug); {@link nameCollisions} finds those before anything is declared, as
 * pulumi-awsx checks the subnet names it derives.
 */
import { GatewayError } from '../errors.js';
import type { Gateway, ProtectedApp } from './types.js';
import { bypassKey, bypassRouterKey } from './bypass.js';

/** The path prefix the Authentik embedded outpost serves on every protected host. */
export const OUTPOST_PATH_PREFIX = '/outpost.goauthentik.io/';

/**
 * `Admins Group` → `admins-group`, `/api/hosts/register` → `api-hosts-register`: lower case,
 * every run of other characters one dash, no dash at either end. Different inputs can give the
 * same slug; {@link nameCollisions} reports it.
 */
export function nameSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** `/api/hosts/register` → `api-hosts-register` (a bypass router's suffix; a regexp's key is slugged the same way). */
export function pathSlug(path: string): string {
  return nameSlug(path);
}

/** Traefik object names of one app. */
export function traefikNames(app: Pick<ProtectedApp, 'name'>) {
  const n = app.name;
  return {
    fileName: `${n}.yml`,
    routers: {
      main: n,
      outpost: `${n}-outpost`,
      bypass: (path: string) => `${n}-bypass-${pathSlug(path)}`,
      denyMetrics: `${n}-deny-metrics`,
    },
    middlewares: {
      forwardAuth: `${n}-forward-auth`,
      stripIdentity: `${n}-strip-identity`,
      bypassRateLimit: `${n}-bypass-ratelimit`,
      securityHeaders: `${n}-security-headers`,
      crowdsec: `${n}-crowdsec`,
    },
    services: {
      backend: `${n}-backend`,
      outpost: `${n}-outpost`,
    },
  };
}

/** Every router name an app declares (for uniqueness checks across apps). */
export function routerNames(app: Pick<ProtectedApp, 'name' | 'bypassPaths'>): string[] {
  const names = traefikNames(app).routers;
  return [names.main, names.outpost, ...app.bypassPaths.map((r) => names.bypass(bypassRouterKey(r))), names.denyMetrics];
}

/**
 * The keys of what one app declares: Pulumi logical names of the children of its component
 * (itself named `component`) and the ids of its authentik blueprint entries.
 */
export function appResourceNames(app: Pick<ProtectedApp, 'name'>) {
  const n = app.name;
  return {
    component: n,
    /** The Traefik file on the gateway (a remote file; its companion is `<name>-check`). */
    traefikFile: `traefik-file-${n}`,
    provider: `${n}-provider`,
    application: `${n}-application`,
    outpostMembership: `${n}-outpost-membership`,
    /** The policy binding of one allowed group. */
    policyBinding: (group: string) => `${n}-binding-${nameSlug(group)}`,
    dnsRecord: `${n}-cname`,
  };
}

/** Names of everything the database part of an app creates. */
export function databaseNames(app: Pick<ProtectedApp, 'name'>) {
  const n = app.name;
  return {
    container: `${n}-db`,
    exporter: `${n}-db-exporter`,
    /** `internal: true`: no route out, shared only by the app and its database (and the exporter). */
    internalNetwork: `${n}-db`,
    dataVolume: `${n}-db-data`,
    /** Volumes the program writes the database's and the exporter's files into (uploads need a volume). */
    secretsVolume: `${n}-db-secrets`,
    confVolume: `${n}-db-conf`,
    initdbVolume: `${n}-db-initdb`,
    exporterSecretsVolume: `${n}-db-exporter-secrets`,
    configFile: `${n}-db.cnf`,
    initScript: `50-${n}-exporter-user.sh`,
    dumpFile: `${n}.sql`,
    dumpScript: `dump-${n}-db.sh`,
    restoreScript: `restore-${n}-db.sh`,
  };
}

/** Docker and Pulumi names of a deployed app (one with `deploy`): its component, networks, volumes. */
export function deploymentNames(app: Pick<ProtectedApp, 'name'>) {
  const n = app.name;
  return {
    component: `${n}-deploy`,
    container: n,
    backendNetwork: `${n}-backend`,
    secretsVolume: `${n}-secrets`,
    volume: (name: string) => `${n}-${name}`,
  };
}

/** Companion command of a remote file named `fileResource` (checks it landed, removes it on delete). */
export function remoteFileCheckName(fileResource: string): string {
  return `${fileResource}-check`;
}

/** Keys of what the program declares once for the whole gateway. */
export const GATEWAY_RESOURCE_NAMES = Object.freeze({
  cloudflareProvider: 'cloudflare',
  /** The TunnelIngress component and its children. */
  tunnel: 'tunnel',
  tunnelConfig: 'tunnel-ingress',
  cloudflaredConfigFile: 'cloudflared-config',
  cloudflaredRestart: 'cloudflared-restart',
  /** The BooxStream server's VM component. */
  serverVm: 'booxstream-vm',
  /** Lookup of one flow by its role (`authorization`, `invalidation`, `authentication`). */
  flowLookup: (role: string) => `flow-${role}`,
  /** Lookup of one authentik group by name. */
  groupLookup: (group: string) => `group-${nameSlug(group)}`,
  /** The two-factor sign-in component (the model's `mfa:` section). */
  mfa: 'two-factor',
  /** One object of it, by the renderer's step key (`validate`, `binding-deny`, …). */
  mfaObject: (key: string) => `mfa-${key}`,
  /** Lookup of an authentik default it refers to without changing (`default-identification`). */
  mfaLookup: (key: string) => `mfa-lookup-${key}`,
});

/** Names of an authentik blueprint, for one app or for the whole gateway (`all`). */
export function blueprintNames(scope: string) {
  const name = `booxstream-gateway-${scope}`;
  return { name, fileName: `${name}.yaml` };
}

/** Two different things of the model that would get the same name. */
export interface NameCollision {
  /** What kind of object the name is for; names of different kinds never clash. */
  readonly kind: string;
  readonly name: string;
  /** Where each claimant comes from in the model, e.g. `apps[0] (booxstream) allowedGroups[1] 'Admins'`. */
  readonly claimedBy: readonly string[];
}

/**
 * Every name the model derives, by kind, with where it comes from. Kinds follow how the names
 * are scoped where they end up: Traefik's routers, middlewares and services each share one
 * namespace across files; a Pulumi logical name must be unique per resource type.
 */
export function derivedNames(gateway: Pick<Gateway, 'apps'>): { kind: string; name: string; from: string }[] {
  const out: { kind: string; name: string; from: string }[] = [];
  const add = (kind: string, name: string, from: string): void => {
    out.push({ kind, name, from });
  };
  const groups = new Set<string>();
  gateway.apps.forEach((app, i) => {
    const at = `apps[${i}] (${app.name})`;
    const t = traefikNames(app);
    const r = appResourceNames(app);
    add('Traefik file', t.fileName, at);
    add('Traefik router', t.routers.main, at);
    add('Traefik router', t.routers.outpost, at);
    add('Traefik router', t.routers.denyMetrics, at);
    app.bypassPaths.forEach((route, j) => add('Traefik router', t.routers.bypass(bypassRouterKey(route)), `${at} bypassPaths[${j}] '${bypassKey(route)}'`));
    for (const m of Object.values(t.middlewares)) add('Traefik middleware', m, at);
    for (const s of Object.values(t.services)) add('Traefik service', s, at);
    add('Pulumi ProtectedApp', r.component, at);
    add('Pulumi remote file', r.traefikFile, at);
    add('Pulumi remote command', remoteFileCheckName(r.traefikFile), at);
    add('Pulumi authentik provider', r.provider, at);
    add('Pulumi authentik application', r.application, at);
    add('Pulumi outpost membership', r.outpostMembership, at);
    app.allowedGroups.forEach((g, j) => {
      add('Pulumi policy binding', r.policyBinding(g), `${at} allowedGroups[${j}] '${g}'`);
      groups.add(g);
    });
    add('Pulumi DNS record', r.dnsRecord, at);
    add('blueprint file', blueprintNames(app.name).fileName, at);
    if (app.deploy) {
      // Docker names share one namespace per kind on the VM, whichever app they come from.
      const d = deploymentNames(app);
      const containers = [d.container];
      const networks = [d.backendNetwork];
      const volumes = [d.secretsVolume, ...app.deploy.container.volumes.map((v) => d.volume(v.name))];
      if (app.deploy.database) {
        const db = databaseNames(app);
        containers.push(db.container, db.exporter);
        networks.push(db.internalNetwork);
        volumes.push(db.dataVolume, db.secretsVolume, db.confVolume, db.initdbVolume, db.exporterSecretsVolume);
      }
      add('Pulumi AppDeployment', d.component, at);
      for (const c of containers) add('Docker container', c, at);
      for (const net of networks) add('Docker network', net, at);
      for (const v of volumes) add('Docker volume', v, at);
    }
  });
  for (const g of groups) add('Pulumi authentik group lookup', GATEWAY_RESOURCE_NAMES.groupLookup(g), `group '${g}'`);
  const n = GATEWAY_RESOURCE_NAMES;
  add('Pulumi remote file', n.cloudflaredConfigFile, 'the tunnel (local mode)');
  add('Pulumi remote command', remoteFileCheckName(n.cloudflaredConfigFile), 'the tunnel (local mode)');
  add('Pulumi remote command', n.cloudflaredRestart, 'the tunnel (local mode)');
  add('blueprint file', blueprintNames('all').fileName, 'the whole gateway');
  return out;
}

/** Names that two different claimants would share; `[]` when every derived name is unique. */
export function nameCollisions(gateway: Pick<Gateway, 'apps'>): NameCollision[] {
  const byKey = new Map<string, { kind: string; name: string; claimedBy: string[] }>();
  for (const { kind, name, from } of derivedNames(gateway)) {
    const key = `${kind}\0${name}`;
    const entry = byKey.get(key) ?? { kind, name, claimedBy: [] };
    entry.claimedBy.push(from);
    byKey.set(key, entry);
  }
  return [...byKey.values()].filter((e) => e.claimedBy.length > 1);
}

/** Two things of the model would get the same derived name. */
export class NameCollisionError extends GatewayError {
  readonly collisions: readonly NameCollision[];

  constructor(collisions: readonly NameCollision[]) {
    super(
      'GATEWAY_ERR_CONFIG_INVALID',
      `names derived from the gateway model collide (${collisions.length}); rename one side of each:\n` +
        collisions.map((c) => `  - ${c.kind} '${c.name}': ${c.claimedBy.join(' and ')}`).join('\n'),
    );
    this.collisions = Object.freeze([...collisions]);
  }
}

/** @throws NameCollisionError listing every collision, when there is one. */
export function assertUniqueNames(gateway: Pick<Gateway, 'apps'>): void {
  const collisions = nameCollisions(gateway);
  if (collisions.length > 0) throw new NameCollisionError(collisions);
}
