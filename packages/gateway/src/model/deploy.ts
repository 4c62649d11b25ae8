/**
 * The `deploy` section of a gateway app: what the Pulumi program runs on the apps' VM for it
 * (containers, networks, volumes, generated secrets, an optional database). An app without
 * `deploy` is only routed (Affine today); an app with it is routed *and* deployed.
 *
 * Part of the model's one zod schema (`schema.ts` puts it under each app): each field's rule,
 * default and description are written here once; its types are inferred (`types.ts`) and the
 * editors' JSON schema is generated from it. The two defaults that depend on the app (the
 * database name from its name, the subnet from its place in the list) are filled by
 * `withAppDefaults`, which the apps list runs once every app is valid.
 *
 * Hardening is the default and cannot be forgotten: every container runs with
 * no-new-privileges, a read-only root with tmpfs `/tmp` and `/var/tmp`, every capability
 * dropped and a non-root uid (`CONTAINER_HARDENING`). An image that cannot live with one of
 * these says so in `relax`, field by field, with a reason that the preview prints.
 */
import { describe, integer, z } from '@booxstream/config-kit';
import { checked, line } from './fields.js';

/** The hardening every deployed container gets unless its `relax` says otherwise. */
export const CONTAINER_HARDENING = Object.freeze({
  user: '1000:1000',
  readOnly: true as const,
  tmpfs: Object.freeze({ '/tmp': 'rw,noexec,nosuid,nodev,size=64m', '/var/tmp': 'rw,noexec,nosuid,nodev,size=64m' }),
  dropCapabilities: Object.freeze(['ALL']),
  securityOpts: Object.freeze(['no-new-privileges:true']),
});

/** Defaults of the `deploy` section (the schema below fills them in). */
export const DEPLOY_DEFAULTS = Object.freeze({
  healthCheck: Object.freeze({ interval: '30s', timeout: '5s', startPeriod: '30s', retries: 3 }),
  memoryMb: 512,
  secretFormat: 'password' as const,
  volumeBackup: true,
  database: Object.freeze({
    /** MariaDB's names allow no `-`. */
    name: (appName: string): string => appName.replace(/-/g, '_'),
    /** One /29 per app, numbered by the app's place in `apps` (from 172.30.10.0/29). */
    subnet: (appIndex: number): string => `172.30.${10 + appIndex}.0/29`,
    bufferPool: '256M',
    longQuerySeconds: 2,
    exporterPort: 9104,
    memoryMb: 512,
  }),
});

/** `repo[:tag]@sha256:<64 hex>`: only a digest names exactly one image. */
export const PINNED_IMAGE = /^[a-z0-9]+([._/-][a-z0-9]+)*(:[A-Za-z0-9_.-]{1,128})?@sha256:[0-9a-f]{64}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DATABASE_NAME = /^[a-z][a-z0-9_]{0,31}$/;
const DATABASE_NAME_RULE = 'must be a lowercase identifier (letters, digits, _), at most 32 characters';
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
/** Secret names the database part generates itself. */
const DATABASE_SECRETS: readonly string[] = ['db_password', 'db_root_password', 'exporter_password'];

/** Names that say "credential": such a value belongs in a generated secret file, never in plain env. */
function looksLikeCredential(name: string): boolean {
  return /PASSWORD|SECRET|TOKEN|KEY$/i.test(name) && !name.startsWith('FILE__') && !name.endsWith('_FILE');
}

/** Why `subnet` cannot hold the database's internal network, or undefined. */
function subnetProblem(subnet: string): string | undefined {
  const m = IPV4_CIDR.exec(subnet);
  const ok = m !== null && m.slice(1, 5).every((x) => Number(x) <= 255) && Number(m[5]) >= 16 && Number(m[5]) <= 29 && Number(m[4]) % 2 === 0;
  return ok ? undefined : 'must be an IPv4 network between /16 and /29, e.g. 172.30.10.0/29';
}

const pinnedImage = line().regex(PINNED_IMAGE, { error: (iss) => `must be pinned by digest (repo[:tag]@sha256:<64 hex>), got ${describe(iss.input)}` });
const envName = z.string().regex(ENV_NAME, { error: 'must be a valid environment variable name' });
const dockerDuration = z.string().regex(/^\d+(ms|s|m|h)$/, { error: "must be a duration such as '30s'" });
const EXEC_FORM = 'must be an exec-form list starting with CMD or CMD-SHELL';
const CAPABILITY = 'must be one capability name (not ALL or SYS_ADMIN)';
const TMPFS = 'must map an absolute path to mount options';

const dockerBuild = z.strictObject({ context: line(), dockerfile: line() });
/** One or the other, so `'pull' in image` tells them apart (an inferred union would make both optional). */
type ImageSource = { pull: string } | { build: z.output<typeof dockerBuild> };

const imageSource = z
  .strictObject({
    pull: pinnedImage.optional().describe('`repository[:tag]@sha256:<64 hex>`: the digest is what runs, the tag is for people.'),
    build: dockerBuild.optional().describe("Built by the VM's Docker daemon; paths relative to the Pulumi project directory."),
  })
  .transform(({ pull, build }, ctx): ImageSource => {
    if (pull !== undefined && build === undefined) return { pull };
    if (build !== undefined && pull === undefined) return { build };
    ctx.issues.push({ code: 'custom', message: 'must have exactly one of pull or build', input: { pull, build } });
    return z.NEVER;
  })
  .describe('Where the image comes from: a registry reference pinned by digest (`pull`), or a local Dockerfile (`build`).');

const containerHealthCheck = z
  .strictObject(
    {
      test: z
        .array(z.string({ error: EXEC_FORM }), { error: EXEC_FORM })
        .min(2, { error: EXEC_FORM })
        .refine((t) => t[0] === 'CMD' || t[0] === 'CMD-SHELL', { error: EXEC_FORM })
        .describe('Exec form, e.g. `[CMD, curl, -fsS, http://127.0.0.1/status]`.'),
      interval: dockerDuration.default(DEPLOY_DEFAULTS.healthCheck.interval),
      timeout: dockerDuration.default(DEPLOY_DEFAULTS.healthCheck.timeout),
      startPeriod: dockerDuration.default(DEPLOY_DEFAULTS.healthCheck.startPeriod),
      retries: integer(1, 20).default(DEPLOY_DEFAULTS.healthCheck.retries),
    },
    { error: (iss) => (iss.input === undefined ? 'is required: every deployed container declares how Docker knows it is healthy' : undefined) },
  )
  .describe("Docker's own health check, run inside the container.");

const relax = z
  .strictObject({
    reason: line().describe('Why the image needs this (printed in the preview).'),
    user: line().optional().describe('Run as this user instead of `1000:1000`, e.g. `root` for images whose init drops privileges itself.'),
    capabilities: z
      .array(
        z
          .string({ error: CAPABILITY })
          .regex(/^[A-Z_]{2,32}$/, { error: CAPABILITY })
          .refine((cap) => cap !== 'ALL' && cap !== 'SYS_ADMIN', { error: CAPABILITY }),
      )
      .optional()
      .describe('Capabilities kept (all others stay dropped), e.g. `[CHOWN, SETUID, SETGID]`.'),
    tmpfs: z
      .record(z.string().regex(/^\//, { error: TMPFS }), z.string({ error: TMPFS }))
      .optional()
      .describe('Extra writable tmpfs mounts (path → mount options); `/tmp` and `/var/tmp` are always there.'),
  })
  // An empty list or mapping relaxes nothing: left out, so the preview lists only real exceptions.
  .transform(({ capabilities, tmpfs, ...rest }) => ({
    ...rest,
    ...(capabilities !== undefined && capabilities.length > 0 ? { capabilities } : {}),
    ...(tmpfs !== undefined && Object.keys(tmpfs).length > 0 ? { tmpfs } : {}),
  }))
  .describe('Explicit exceptions to the hardening defaults. Each one weakens the container; `reason` is required so it is reviewed where it is declared.');

const container = z
  .strictObject({
    image: imageSource,
    port: integer(1, 65535).describe('Port the app listens on inside the container; published on the VM at the upstream\'s port.'),
    env: z
      .record(
        envName.refine((k) => !looksLikeCredential(k), { error: 'looks like a credential: declare it under secrets (given as a file), never as a plain env value' }),
        z.string(),
      )
      .default(() => ({}))
      .describe('Plain settings (never credentials: those are `secrets`).'),
    secrets: z
      .array(
        z
          .strictObject({
            name: z.string().regex(/^[a-z0-9_]{1,64}$/, { error: 'must be lowercase letters, digits or _' }).describe('File name under /run/secrets.'),
            env: envName.describe("Env var that carries the file's *path* (e.g. linuxserver's `FILE__APP_KEY`)."),
            format: z
              .enum(['password', 'laravel-key'])
              .default(DEPLOY_DEFAULTS.secretFormat)
              .describe("`password`: 32 random alphanumerics; `laravel-key`: `base64:` + 32 random bytes (Laravel's APP_KEY)."),
          })
          .describe('A secret generated by Pulumi (`@pulumi/random`), mounted read-only at `/run/secrets/<name>`.'),
      )
      .check((ctx) => {
        ctx.value.forEach((s, i) => {
          if (ctx.value.findIndex((x) => x.name === s.name) !== i) ctx.issues.push({ code: 'custom', message: `duplicates ${JSON.stringify(s.name)}`, path: [i, 'name'], input: s.name });
        });
      })
      .default(() => [])
      .describe('Secrets Pulumi generates and gives to the container as files, never as env values.'),
    volumes: z
      .array(
        z
          .strictObject({
            name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, { error: 'must be lowercase letters, digits or inner hyphens' }).describe('Volume name suffix: the Docker volume is `<app>-<name>`.'),
            path: checked(line(), (p) => (p.startsWith('/') ? undefined : 'must be an absolute path')).describe('Absolute path inside the container.'),
            backup: z.boolean().default(DEPLOY_DEFAULTS.volumeBackup).describe('Part of the nightly backup (restic).'),
          })
          .describe('A named volume (persistent data).'),
      )
      .default(() => []),
    healthCheck: containerHealthCheck,
    memoryMb: integer(64, 65536).default(DEPLOY_DEFAULTS.memoryMb).describe('Memory limit, MB.'),
    relax: relax.optional(),
  })
  .check((ctx) => {
    ctx.value.secrets.forEach((s, i) => {
      if (Object.hasOwn(ctx.value.env, s.env)) {
        ctx.issues.push({ code: 'custom', message: `must not already be in env (${s.env} carries the secret file's path)`, path: ['secrets', i, 'env'], input: s.env });
      }
    });
  })
  .describe("The app's own container.");

const appEnvName = (what: string) => envName.describe(`Env var the app reads ${what} from.`);

const database = z
  .strictObject({
    engine: z.literal('mariadb', { error: "must be 'mariadb'" }).describe("Only `mariadb` (Debian's MySQL-compatible server, what the tests run for real)."),
    image: pinnedImage.describe('The MariaDB server image, pinned by digest.'),
    name: z.string().regex(DATABASE_NAME, { error: DATABASE_NAME_RULE }).optional().describe('Database and user name. Default: the app name with `-` as `_`.'),
    subnet: checked(line(), subnetProblem)
      .optional()
      .describe('Subnet of the internal network, a /29 or larger; the database takes its second address. Default: `172.30.<10 + app index>.0/29`.'),
    bufferPool: z.string().regex(/^\d+[KMG]$/, { error: "must be a size such as '256M'" }).default(DEPLOY_DEFAULTS.database.bufferPool).describe('innodb_buffer_pool_size.'),
    longQuerySeconds: integer(1, 3600).default(DEPLOY_DEFAULTS.database.longQuerySeconds).describe('Queries slower than this many seconds go to the slow query log.'),
    exporter: z
      .strictObject({
        image: pinnedImage,
        port: integer(1, 65535).default(DEPLOY_DEFAULTS.database.exporterPort),
      })
      .describe('The Prometheus mysqld exporter, image pinned by digest; its metrics port is published on the VM.'),
    appEnv: z
      .strictObject({
        host: appEnvName('the host'),
        port: appEnvName('the port'),
        database: appEnvName('the database name'),
        user: appEnvName('the user'),
        passwordFile: appEnvName("the password file's path"),
      })
      .describe('Env vars the *app* reads for the connection; the program sets them from the database.'),
    memoryMb: integer(128, 65536).default(DEPLOY_DEFAULTS.database.memoryMb).describe('Memory limit, MB.'),
  })
  .describe('The app\'s database: MariaDB on an `internal` network that only the app shares.');

/** An app's `deploy` section as declared (before the defaults that depend on the app). */
export const appDeploy = z
  .strictObject({ container, database: database.optional() })
  .check((ctx) => {
    const { container: c, database: db } = ctx.value;
    if (db === undefined) return;
    const taken = new Set([...Object.keys(c.env), ...c.secrets.map((s) => s.env)]);
    for (const [k, v] of Object.entries(db.appEnv)) {
      if (taken.has(v)) ctx.issues.push({ code: 'custom', message: `${v} is also set by the container; the program sets it from the database`, path: ['database', 'appEnv', k], input: v });
    }
    c.secrets.forEach((s, i) => {
      if (DATABASE_SECRETS.includes(s.name)) ctx.issues.push({ code: 'custom', message: `${s.name} is reserved for the database`, path: ['container', 'secrets', i, 'name'], input: s.name });
    });
  })
  .describe('Containers the program runs for this app on the apps VM; absent: routed only.');

type DeclaredDeploy = z.output<typeof appDeploy>;
type DeclaredDatabase = NonNullable<DeclaredDeploy['database']>;
/** The section once placed in its app: the database's name and subnet are known. */
type PlacedDeploy = Omit<DeclaredDeploy, 'database'> & { database?: DeclaredDatabase & { name: string; subnet: string } };

/** A problem with a default `withAppDefaults` derived, located within the `deploy` section. */
export interface DerivedProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * Fills the defaults that depend on the app: the database name (from the app's name) and its
 * subnet (from the app's index in `apps`). A derived value is held to the rule a written one
 * is, so an app name that makes no database name is refused there, not by MariaDB later.
 */
export function withAppDefaults(deploy: DeclaredDeploy, appName: string, appIndex: number, problems: DerivedProblem[]): PlacedDeploy {
  const { database: db, ...rest } = deploy;
  if (db === undefined) return rest;
  const name = db.name ?? DEPLOY_DEFAULTS.database.name(appName);
  const subnet = db.subnet ?? DEPLOY_DEFAULTS.database.subnet(appIndex);
  if (!DATABASE_NAME.test(name)) problems.push({ path: ['database', 'name'], message: `must be set: the default from the app's name (${JSON.stringify(name)}) ${DATABASE_NAME_RULE.replace(/^must/, 'would have to')}` });
  const subnetIssue = subnetProblem(subnet);
  if (subnetIssue !== undefined) problems.push({ path: ['database', 'subnet'], message: `must be set: the default for this app (${JSON.stringify(subnet)}) ${subnetIssue.replace(/^must/, 'would have to')}` });
  return { ...rest, database: { ...db, name, subnet } };
}
