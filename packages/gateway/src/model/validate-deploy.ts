/**
 * Validation of an app's `deploy` section (model/deploy.ts). Called by `validateGateway` for
 * each app; returns the filled-in value and every problem with its full field path.
 */
import type { ConfigIssue } from '../errors.js';
import {
  DEPLOY_DEFAULTS,
  type AppContainerDecl,
  type AppDatabaseDecl,
  type AppDeploy,
  type ContainerHealthCheck,
  type GeneratedSecret,
  type HardeningRelaxation,
  type ImageSource,
  type VolumeMount,
} from './deploy.js';

type Obj = Record<string, unknown>;

/** `repo[:tag]@sha256:<64 hex>`: only a digest names exactly one image. */
export const PINNED_IMAGE = /^[a-z0-9]+([._/-][a-z0-9]+)*(:[A-Za-z0-9_.-]{1,128})?@sha256:[0-9a-f]{64}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_NAME = /^[a-z0-9_]{1,64}$/;
const VOLUME_NAME = /^[a-z0-9][a-z0-9-]{0,30}$/;
const DURATION = /^\d+(ms|s|m|h)$/;
const CAPABILITY = /^[A-Z_]{2,32}$/;
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const SIZE = /^\d+[KMG]$/;
/** Secret formats (model/deploy.ts GeneratedSecret). */
const DB_FORMATS = ['password', 'laravel-key'] as const;
/** Secret names the database part generates itself. */
const DATABASE_SECRETS = ['db_password', 'db_root_password', 'exporter_password'];

class Issues {
  readonly list: ConfigIssue[] = [];
  add(path: string, message: string): undefined {
    this.list.push({ path, message });
    return undefined;
  }
  object(value: unknown, path: string, allowed: readonly string[]): Obj | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return this.add(path, 'must be an object');
    for (const k of Object.keys(value)) if (!allowed.includes(k)) this.add(`${path}.${k}`, `is not a known field (known: ${allowed.join(', ')})`);
    return value as Obj;
  }
  string(obj: Obj, key: string, path: string, optional = false): string | undefined {
    const v = obj[key];
    if (v === undefined) return optional ? undefined : this.add(`${path}.${key}`, 'is required');
    if (typeof v !== 'string' || v.trim() === '' || /[\r\n]/.test(v)) return this.add(`${path}.${key}`, 'must be a non-empty single-line string');
    return v;
  }
  integer(obj: Obj, key: string, path: string, min: number, max: number): number | undefined {
    const v = obj[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) return this.add(`${path}.${key}`, `must be an integer between ${min} and ${max}`);
    return v;
  }
  list_(obj: Obj, key: string, path: string): unknown[] {
    const v = obj[key];
    if (v === undefined) return [];
    if (!Array.isArray(v)) return this.add(`${path}.${key}`, 'must be a list') ?? [];
    return v;
  }
}

/** Validates `apps[i].deploy`; `index` numbers the default database subnet. */
export function validateDeploy(input: unknown, path: string, appName: string | undefined, index: number): { value?: AppDeploy; issues: ConfigIssue[] } {
  const c = new Issues();
  const root = c.object(input, path, ['container', 'database']);
  if (!root) return { issues: c.list };
  const container = checkContainer(c, root['container'], `${path}.container`);
  const database = root['database'] === undefined ? undefined : checkDatabase(c, root['database'], `${path}.database`, appName, index);
  if (container && database) {
    const taken = new Set([...Object.keys(container.env), ...container.secrets.map((s) => s.env)]);
    for (const [k, v] of Object.entries(database.appEnv)) if (taken.has(v)) c.add(`${path}.database.appEnv.${k}`, `${v} is also set by the container; the program sets it from the database`);
    container.secrets.forEach((s, i) => {
      if (DATABASE_SECRETS.includes(s.name)) c.add(`${path}.container.secrets[${i}].name`, `${s.name} is reserved for the database`);
    });
  }
  if (c.list.length > 0 || !container) return { issues: c.list };
  return { value: { container, ...(database ? { database } : {}) }, issues: [] };
}

function checkImage(c: Issues, value: unknown, path: string): ImageSource | undefined {
  const o = c.object(value, path, ['pull', 'build']);
  if (!o) return undefined;
  if ((o['pull'] === undefined) === (o['build'] === undefined)) return c.add(path, 'must have exactly one of pull or build');
  if (o['pull'] !== undefined) {
    const ref = c.string(o, 'pull', path);
    if (ref !== undefined && !PINNED_IMAGE.test(ref)) return c.add(`${path}.pull`, `must be pinned by digest (repo[:tag]@sha256:<64 hex>), got ${JSON.stringify(ref)}`);
    return ref === undefined ? undefined : { pull: ref };
  }
  const b = c.object(o['build'], `${path}.build`, ['context', 'dockerfile']);
  const context = b && c.string(b, 'context', `${path}.build`);
  const dockerfile = b && c.string(b, 'dockerfile', `${path}.build`);
  return context !== undefined && dockerfile !== undefined ? { build: { context, dockerfile } } : undefined;
}

function checkContainer(c: Issues, value: unknown, path: string): AppContainerDecl | undefined {
  const o = c.object(value, path, ['image', 'port', 'env', 'secrets', 'volumes', 'healthCheck', 'memoryMb', 'relax']);
  if (!o) return undefined;
  const image = checkImage(c, o['image'], `${path}.image`);
  const port = o['port'] === undefined ? c.add(`${path}.port`, 'is required') : c.integer(o, 'port', path, 1, 65535);

  const env: Record<string, string> = {};
  if (o['env'] !== undefined) {
    const e = c.object(o['env'], `${path}.env`, Object.keys((o['env'] as Obj | null) ?? {}));
    for (const [k, v] of Object.entries(e ?? {})) {
      if (!ENV_NAME.test(k)) c.add(`${path}.env.${k}`, 'is not a valid environment variable name');
      else if (typeof v !== 'string') c.add(`${path}.env.${k}`, 'must be a string');
      else if (/PASSWORD|SECRET|TOKEN|KEY$/i.test(k) && !k.startsWith('FILE__') && !k.endsWith('_FILE')) c.add(`${path}.env.${k}`, 'looks like a credential: declare it under secrets (given as a file), never as a plain env value');
      else env[k] = v;
    }
  }

  const secrets: GeneratedSecret[] = [];
  c.list_(o, 'secrets', path).forEach((s, i) => {
    const at = `${path}.secrets[${i}]`;
    const so = c.object(s, at, ['name', 'env', 'format']);
    if (!so) return;
    const name = c.string(so, 'name', at);
    const envName = c.string(so, 'env', at);
    const format = so['format'] ?? 'password';
    if (name !== undefined && !SECRET_NAME.test(name)) c.add(`${at}.name`, 'must be lowercase letters, digits or _');
    if (name !== undefined && secrets.some((x) => x.name === name)) c.add(`${at}.name`, `duplicates ${JSON.stringify(name)}`);
    if (envName !== undefined && (!ENV_NAME.test(envName) || envName in env)) c.add(`${at}.env`, 'must be a valid env var name not already in env');
    if (!DB_FORMATS.includes(format as never)) c.add(`${at}.format`, `must be one of ${DB_FORMATS.join(', ')}`);
    if (name !== undefined && envName !== undefined) secrets.push({ name, env: envName, format: format as GeneratedSecret['format'] });
  });

  const volumes: VolumeMount[] = [];
  c.list_(o, 'volumes', path).forEach((v, i) => {
    const at = `${path}.volumes[${i}]`;
    const vo = c.object(v, at, ['name', 'path', 'backup']);
    if (!vo) return;
    const name = c.string(vo, 'name', at);
    const mount = c.string(vo, 'path', at);
    if (name !== undefined && !VOLUME_NAME.test(name)) c.add(`${at}.name`, 'must be lowercase letters, digits or inner hyphens');
    if (mount !== undefined && !mount.startsWith('/')) c.add(`${at}.path`, 'must be an absolute path');
    if (vo['backup'] !== undefined && typeof vo['backup'] !== 'boolean') c.add(`${at}.backup`, 'must be true or false');
    if (name !== undefined && mount !== undefined) volumes.push({ name, path: mount, backup: vo['backup'] !== false });
  });

  const healthCheck = checkHealth(c, o['healthCheck'], `${path}.healthCheck`);
  const memoryMb = c.integer(o, 'memoryMb', path, 64, 65536) ?? DEPLOY_DEFAULTS.memoryMb;
  const relax = o['relax'] === undefined ? undefined : checkRelax(c, o['relax'], `${path}.relax`);
  if (!image || port === undefined || !healthCheck) return undefined;
  return { image, port, env, secrets, volumes, healthCheck, memoryMb, ...(relax ? { relax } : {}) };
}

function checkHealth(c: Issues, value: unknown, path: string): ContainerHealthCheck | undefined {
  if (value === undefined) return c.add(path, 'is required: every deployed container declares how Docker knows it is healthy');
  const o = c.object(value, path, ['test', 'interval', 'timeout', 'startPeriod', 'retries']);
  if (!o) return undefined;
  const test = o['test'];
  if (!Array.isArray(test) || test.length < 2 || !test.every((t) => typeof t === 'string') || !['CMD', 'CMD-SHELL'].includes(test[0] as string)) {
    return c.add(`${path}.test`, 'must be an exec-form list starting with CMD or CMD-SHELL');
  }
  const d = DEPLOY_DEFAULTS.healthCheck;
  const dur = (k: 'interval' | 'timeout' | 'startPeriod'): string => {
    const v = c.string(o, k, path, true);
    if (v !== undefined && !DURATION.test(v)) return c.add(`${path}.${k}`, "must be a duration such as '30s'") ?? d[k];
    return v ?? d[k];
  };
  return { test: test as string[], interval: dur('interval'), timeout: dur('timeout'), startPeriod: dur('startPeriod'), retries: c.integer(o, 'retries', path, 1, 20) ?? d.retries };
}

function checkRelax(c: Issues, value: unknown, path: string): HardeningRelaxation | undefined {
  const o = c.object(value, path, ['reason', 'user', 'capabilities', 'tmpfs']);
  if (!o) return undefined;
  const reason = c.string(o, 'reason', path);
  const user = c.string(o, 'user', path, true);
  const caps = c.list_(o, 'capabilities', path);
  caps.forEach((cap, i) => {
    if (typeof cap !== 'string' || !CAPABILITY.test(cap) || cap === 'ALL' || cap === 'SYS_ADMIN') c.add(`${path}.capabilities[${i}]`, 'must be one capability name (not ALL or SYS_ADMIN)');
  });
  const tmpfs: Record<string, string> = {};
  if (o['tmpfs'] !== undefined) {
    for (const [k, v] of Object.entries(c.object(o['tmpfs'], `${path}.tmpfs`, Object.keys((o['tmpfs'] as Obj | null) ?? {})) ?? {})) {
      if (!k.startsWith('/') || typeof v !== 'string') c.add(`${path}.tmpfs.${k}`, 'must map an absolute path to mount options');
      else tmpfs[k] = v;
    }
  }
  if (reason === undefined) return undefined;
  return { reason, ...(user !== undefined ? { user } : {}), ...(caps.length > 0 ? { capabilities: caps as string[] } : {}), ...(Object.keys(tmpfs).length > 0 ? { tmpfs } : {}) };
}

function checkDatabase(c: Issues, value: unknown, path: string, appName: string | undefined, index: number): AppDatabaseDecl | undefined {
  const o = c.object(value, path, ['engine', 'image', 'name', 'subnet', 'bufferPool', 'longQuerySeconds', 'exporter', 'appEnv', 'memoryMb']);
  if (!o) return undefined;
  if (o['engine'] !== 'mariadb') c.add(`${path}.engine`, "must be 'mariadb'");
  const image = c.string(o, 'image', path);
  if (image !== undefined && !PINNED_IMAGE.test(image)) c.add(`${path}.image`, 'must be pinned by digest (repo[:tag]@sha256:<64 hex>)');
  const name = c.string(o, 'name', path, true) ?? appName?.replace(/-/g, '_');
  if (name !== undefined && !/^[a-z][a-z0-9_]{0,31}$/.test(name)) c.add(`${path}.name`, 'must be a lowercase identifier (letters, digits, _), at most 32 characters');
  const subnet = c.string(o, 'subnet', path, true) ?? DEPLOY_DEFAULTS.database.subnet(10 + index);
  const m = IPV4_CIDR.exec(subnet);
  if (!m || m.slice(1, 5).some((x) => Number(x) > 255) || Number(m[5]) > 29 || Number(m[5]) < 16 || Number(m[4]) % 2 !== 0) c.add(`${path}.subnet`, 'must be an IPv4 network between /16 and /29, e.g. 172.30.10.0/29');
  const bufferPool = c.string(o, 'bufferPool', path, true) ?? DEPLOY_DEFAULTS.database.bufferPool;
  if (!SIZE.test(bufferPool)) c.add(`${path}.bufferPool`, "must be a size such as '256M'");
  const longQuerySeconds = c.integer(o, 'longQuerySeconds', path, 1, 3600) ?? DEPLOY_DEFAULTS.database.longQuerySeconds;
  const eo = c.object(o['exporter'] ?? {}, `${path}.exporter`, ['image', 'port']);
  const exporterImage = eo && c.string(eo, 'image', `${path}.exporter`);
  if (exporterImage !== undefined && !PINNED_IMAGE.test(exporterImage)) c.add(`${path}.exporter.image`, 'must be pinned by digest');
  const exporterPort = (eo && c.integer(eo, 'port', `${path}.exporter`, 1, 65535)) ?? 9104;
  const ao = c.object(o['appEnv'] ?? {}, `${path}.appEnv`, ['host', 'port', 'database', 'user', 'passwordFile']);
  const appEnv: Record<string, string> = {};
  for (const k of ['host', 'port', 'database', 'user', 'passwordFile']) {
    const v = ao && c.string(ao, k, `${path}.appEnv`);
    if (v !== undefined && !ENV_NAME.test(v)) c.add(`${path}.appEnv.${k}`, 'must be an env var name');
    if (v !== undefined) appEnv[k] = v;
  }
  const memoryMb = c.integer(o, 'memoryMb', path, 128, 65536) ?? DEPLOY_DEFAULTS.database.memoryMb;
  if (image === undefined || name === undefined || exporterImage === undefined || Object.keys(appEnv).length !== 5) return undefined;
  return {
    engine: 'mariadb',
    image,
    name,
    subnet,
    bufferPool,
    longQuerySeconds,
    exporter: { image: exporterImage, port: exporterPort },
    appEnv: appEnv as unknown as AppDatabaseDecl['appEnv'],
    memoryMb,
  };
}
