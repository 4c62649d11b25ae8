/**
 * Server configuration: one commented defaults object, and `parseConfig(env)`
 * which validates every variable once and returns a frozen config. Nothing here
 * reads `process.env`; `main.ts` passes it in.
 */
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './errors.js';
import { normalizeOrigin } from './http/same-origin.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type DeviceApproval = 'manual' | 'auto';
export type Reregistration = 'same-network' | 'any';

export interface ServerConfig {
  /** HTTP port: API, viewer WebSocket, `/android-ws`, web app. `0` = ephemeral. [port=3001] */
  readonly port: number;
  /** Listen address. [host='0.0.0.0'] */
  readonly host: string;
  /** LAN device WebSocket port (root path); `null` = off, `0` = ephemeral (env `DEVICE_PORT=0` means off). [devicePort=8080] */
  readonly devicePort: number | null;
  /** Directory of `booxstream.db`. [dataDir='./data'] */
  readonly dataDir: string;
  /** Peers whose `X-authentik-*` and forwarding headers are believed (IPs or CIDRs). [trustedProxies=['127.0.0.1/32','::1/128']] */
  readonly trustedProxies: readonly string[];
  /** Members of any of these groups are admins. [adminGroups=['authentik Admins']] */
  readonly adminGroups: readonly string[];
  /** `manual`: new devices wait for an admin; `auto`: approved at once (trusted LAN only). [deviceApproval='manual'] */
  readonly deviceApproval: DeviceApproval;
  /** Local identity for requests without proxy headers; only with a loopback `host`. [devUser=null] */
  readonly devUser: string | null;
  /** Groups of `devUser`. [devGroups=[first admin group]] */
  readonly devGroups: readonly string[];
  /** Directory of the built web app. [webRoot=apps/web/dist] */
  readonly webRoot: string;
  /** Largest WebSocket message a device may send; bigger ones are refused from their header (1009). [maxMessageBytes=4194304] */
  readonly maxMessageBytes: number;
  /** Viewers per host; more get 429 at the upgrade. [maxViewersPerHost=50] */
  readonly maxViewersPerHost: number;
  /** Ping period; a peer that missed one pong by the next ping is terminated. [pingIntervalMs=30000] */
  readonly pingIntervalMs: number;
  /** Time a device has to send its `auth` message. [authTimeoutMs=10000] */
  readonly authTimeoutMs: number;
  /** Sustained register/update-ip requests per client address per minute. [registerRatePerMinute=10] */
  readonly registerRatePerMinute: number;
  /** Burst of register/update-ip requests per client address. [registerBurst=5] */
  readonly registerBurst: number;
  /** A viewer whose socket holds more than this many unsent bytes is skipped. [viewerMaxBufferedBytes=1048576] */
  readonly viewerMaxBufferedBytes: number;
  /**
   * Period of the relay's tick: a `stats` event when a host's audience changed,
   * refreshed counters every 5 ticks, and `last_seen` persistence. [statsIntervalMs=1000]
   */
  readonly statsIntervalMs: number;
  /** JPEG bytes of distinct frames kept per device on disk (history); 0 = no history. [historyMaxBytesPerHost=268435456] */
  readonly historyMaxBytesPerHost: number;
  /** Hours a distinct frame is kept in history. [historyMaxAgeHours=168] */
  readonly historyMaxAgeHours: number;
  /** Messages per second a device socket may send (bursts of twice that); over it, close 4008. [deviceMessageRate=2000] */
  readonly deviceMessageRate: number;
  /** Invalid messages per second a device socket may send (bursts of twice that); over it, close 4008. [deviceRejectRate=20] */
  readonly deviceRejectRate: number;
  /** Messages per second a viewer socket may send (bursts of twice that); over it, close 4008. [viewerMessageRate=1000] */
  readonly viewerMessageRate: number;
  /** Unsent bytes a device socket may hold (replies); a device that does not read is cut (4012). [deviceMaxQueuedBytes=65536] */
  readonly deviceMaxQueuedBytes: number;
  /** Unsent bytes a viewer socket may hold (frames and events); a viewer that does not read is cut (4012). [viewerMaxQueuedBytes=8388608] */
  readonly viewerMaxQueuedBytes: number;
  /** Bytes a device socket may send before it has authenticated; more: close 1009. [preAuthMaxBytes=4096] */
  readonly preAuthMaxBytes: number;
  /** Device sockets not yet authenticated, per client address; more get 429 at the upgrade. [maxUnauthenticatedPerAddress=8] */
  readonly maxUnauthenticatedPerAddress: number;
  /** Device sockets not yet authenticated, in total; more get 429 at the upgrade. [maxUnauthenticated=256] */
  readonly maxUnauthenticated: number;
  /** `same-network`: a known uuid registering from another /24 or /64 gets a token that waits for its owner's confirmation; `any`: every re-registration replaces the token. [reregistration='same-network'] */
  readonly reregistration: Reregistration;
  /** Pending devices (and unconfirmed re-registrations) older than this are deleted. [pendingDeviceTtlMs=259200000 (72 h)] */
  readonly pendingDeviceTtlMs: number;
  /** The URL browsers use (`https://booxstream.example.dev`); its origin is the only one state-changing requests and viewer sockets may come from. null = taken from each request. [publicUrl=null] */
  readonly publicUrl: string | null;
  /** pino level. [logLevel='info'] */
  readonly logLevel: LogLevel;
  /** Where log lines go (one JSON line per call); `null` = stdout. Not settable from the environment. [logSink=null] */
  readonly logSink: ((line: string) => void) | null;
}

const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Defaults, as documented in README.md. Both `src/` and the bundled `dist/` sit two levels under `apps/`. */
export const DEFAULTS: ServerConfig = Object.freeze({
  port: 3001,
  host: '0.0.0.0',
  devicePort: 8080,
  dataDir: './data',
  trustedProxies: Object.freeze(['127.0.0.1/32', '::1/128']),
  adminGroups: Object.freeze(['authentik Admins']),
  deviceApproval: 'manual',
  devUser: null,
  devGroups: Object.freeze(['authentik Admins']),
  webRoot: DEFAULT_WEB_ROOT,
  maxMessageBytes: 4 * 1024 * 1024,
  maxViewersPerHost: 50,
  pingIntervalMs: 30_000,
  authTimeoutMs: 10_000,
  registerRatePerMinute: 10,
  registerBurst: 5,
  viewerMaxBufferedBytes: 1024 * 1024,
  statsIntervalMs: 1000,
  historyMaxBytesPerHost: 256 * 1024 * 1024,
  historyMaxAgeHours: 168,
  deviceMessageRate: 2000,
  deviceRejectRate: 20,
  viewerMessageRate: 1000,
  deviceMaxQueuedBytes: 64 * 1024,
  viewerMaxQueuedBytes: 8 * 1024 * 1024,
  preAuthMaxBytes: 4096,
  maxUnauthenticatedPerAddress: 8,
  maxUnauthenticated: 256,
  reregistration: 'same-network',
  pendingDeviceTtlMs: 72 * 3_600_000,
  publicUrl: null,
  logLevel: 'info',
  logSink: null,
} satisfies ServerConfig);

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Every environment variable the server reads, and the config field it sets. */
export const ENV_VARIABLES = {
  PORT: 'port',
  HOST: 'host',
  DEVICE_PORT: 'devicePort',
  DATA_DIR: 'dataDir',
  TRUSTED_PROXIES: 'trustedProxies',
  ADMIN_GROUPS: 'adminGroups',
  DEVICE_APPROVAL: 'deviceApproval',
  DEV_USER: 'devUser',
  DEV_GROUPS: 'devGroups',
  WEB_ROOT: 'webRoot',
  MAX_MESSAGE_BYTES: 'maxMessageBytes',
  MAX_VIEWERS_PER_HOST: 'maxViewersPerHost',
  PING_INTERVAL_MS: 'pingIntervalMs',
  AUTH_TIMEOUT_MS: 'authTimeoutMs',
  REGISTER_RATE_PER_MINUTE: 'registerRatePerMinute',
  REGISTER_BURST: 'registerBurst',
  VIEWER_MAX_BUFFERED_BYTES: 'viewerMaxBufferedBytes',
  HISTORY_MAX_BYTES_PER_HOST: 'historyMaxBytesPerHost',
  HISTORY_MAX_AGE_HOURS: 'historyMaxAgeHours',
  DEVICE_MESSAGE_RATE: 'deviceMessageRate',
  DEVICE_REJECT_RATE: 'deviceRejectRate',
  VIEWER_MESSAGE_RATE: 'viewerMessageRate',
  DEVICE_MAX_QUEUED_BYTES: 'deviceMaxQueuedBytes',
  VIEWER_MAX_QUEUED_BYTES: 'viewerMaxQueuedBytes',
  PREAUTH_MAX_BYTES: 'preAuthMaxBytes',
  MAX_UNAUTHENTICATED_PER_ADDRESS: 'maxUnauthenticatedPerAddress',
  MAX_UNAUTHENTICATED: 'maxUnauthenticated',
  REREGISTRATION: 'reregistration',
  PENDING_DEVICE_TTL_MS: 'pendingDeviceTtlMs',
  PUBLIC_URL: 'publicUrl',
  LOG_LEVEL: 'logLevel',
} as const satisfies Record<string, keyof ServerConfig>;

type Env = Record<string, string | undefined>;

/** The relay's per-socket budgets and socket caps (README: "Budgets"), with their allowed ranges. */
const SOCKET_BUDGET_RANGES = {
  DEVICE_MESSAGE_RATE: [1, 1_000_000],
  DEVICE_REJECT_RATE: [1, 1_000_000],
  VIEWER_MESSAGE_RATE: [1, 1_000_000],
  DEVICE_MAX_QUEUED_BYTES: [1024, 1024 * 1024 * 1024],
  VIEWER_MAX_QUEUED_BYTES: [1024, 1024 * 1024 * 1024],
  PREAUTH_MAX_BYTES: [256, 64 * 1024 * 1024],
  MAX_UNAUTHENTICATED_PER_ADDRESS: [1, 1_000_000],
  MAX_UNAUTHENTICATED: [1, 1_000_000],
} as const satisfies Partial<Record<keyof typeof ENV_VARIABLES, readonly [number, number]>>;

function int(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  const n = Number(raw.trim());
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

function list(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Validates one `IP` or `IP/prefix` entry; returns it normalised with an explicit prefix. */
export function parseCidr(name: string, entry: string): string {
  const slash = entry.indexOf('/');
  const ip = slash < 0 ? entry : entry.slice(0, slash);
  const family = isIP(ip);
  if (family === 0) throw new ConfigError(name, `${JSON.stringify(entry)} is not an IP address or CIDR`);
  const maxPrefix = family === 4 ? 32 : 128;
  if (slash < 0) return `${ip}/${maxPrefix}`;
  const prefixText = entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > maxPrefix) {
    throw new ConfigError(name, `${JSON.stringify(entry)} has an invalid prefix length (0-${maxPrefix})`);
  }
  return `${ip}/${Number(prefixText)}`;
}

/** True for 127.0.0.0/8, ::1, `localhost` and IPv4-mapped loopback. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '[::1]') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/**
 * A misspelt variable (`DEVICE_APROVAL`, `TRUSTED_PROXY`) would silently
 * leave a default in place, so an unknown name that shares its first word with
 * a known multi-word name and is within two edits of it (three for names of 12+
 * characters) stops startup. Single-word names (PORT, HOST) are not checked:
 * HOME is two edits from HOST.
 */
function checkTypos(env: Env): void {
  const known = Object.keys(ENV_VARIABLES);
  for (const name of Object.keys(env)) {
    if (name in ENV_VARIABLES || !name.includes('_')) continue;
    const head = name.slice(0, name.indexOf('_') + 1);
    for (const k of known) {
      if (k.includes('_') && k.startsWith(head) && levenshtein(name, k) <= (k.length >= 12 ? 3 : 2)) {
        throw new ConfigError(name, `unknown variable; did you mean ${k}?`);
      }
    }
  }
}

/**
 * Builds the config from environment variables. Unset or empty variables take
 * the defaults. Throws {@link ConfigError} naming the first variable at fault.
 */
export function parseConfig(env: Env): ServerConfig {
  checkTypos(env);
  const get = (name: keyof typeof ENV_VARIABLES): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v;
  };
  const out: { -readonly [K in keyof ServerConfig]?: ServerConfig[K] } = {};
  let v: string | undefined;

  if ((v = get('PORT')) !== undefined) out.port = int('PORT', v, 0, 65535);
  if ((v = get('HOST')) !== undefined) {
    const host = v.trim();
    if (host !== 'localhost' && isIP(host) === 0) throw new ConfigError('HOST', `${JSON.stringify(v)} is not an IP address or "localhost"`);
    out.host = host;
  }
  if ((v = get('DEVICE_PORT')) !== undefined) {
    const p = int('DEVICE_PORT', v, 0, 65535);
    out.devicePort = p === 0 ? null : p;
  }
  if ((v = get('DATA_DIR')) !== undefined) out.dataDir = v.trim();
  if (env.TRUSTED_PROXIES !== undefined) {
    out.trustedProxies = list(env.TRUSTED_PROXIES).map((e) => parseCidr('TRUSTED_PROXIES', e));
  }
  if ((v = get('ADMIN_GROUPS')) !== undefined) {
    const groups = list(v);
    if (groups.length === 0) throw new ConfigError('ADMIN_GROUPS', 'expected at least one group name');
    out.adminGroups = groups;
  }
  if ((v = get('DEVICE_APPROVAL')) !== undefined) {
    const a = v.trim();
    if (a !== 'manual' && a !== 'auto') throw new ConfigError('DEVICE_APPROVAL', `expected "manual" or "auto", got ${JSON.stringify(v)}`);
    out.deviceApproval = a;
  }
  if ((v = get('DEV_USER')) !== undefined) {
    const u = v.trim();
    if (u.length > 128 || /[\u0000-\u001f\u007f]/.test(u)) throw new ConfigError('DEV_USER', 'expected a user name of at most 128 printable characters');
    out.devUser = u;
  }
  if ((v = get('DEV_GROUPS')) !== undefined) out.devGroups = list(v);
  if ((v = get('WEB_ROOT')) !== undefined) out.webRoot = v.trim();
  if ((v = get('MAX_MESSAGE_BYTES')) !== undefined) out.maxMessageBytes = int('MAX_MESSAGE_BYTES', v, 1024, 64 * 1024 * 1024);
  if ((v = get('MAX_VIEWERS_PER_HOST')) !== undefined) out.maxViewersPerHost = int('MAX_VIEWERS_PER_HOST', v, 1, 10_000);
  if ((v = get('PING_INTERVAL_MS')) !== undefined) out.pingIntervalMs = int('PING_INTERVAL_MS', v, 100, 3_600_000);
  if ((v = get('AUTH_TIMEOUT_MS')) !== undefined) out.authTimeoutMs = int('AUTH_TIMEOUT_MS', v, 100, 600_000);
  if ((v = get('REGISTER_RATE_PER_MINUTE')) !== undefined) out.registerRatePerMinute = int('REGISTER_RATE_PER_MINUTE', v, 1, 1_000_000);
  if ((v = get('REGISTER_BURST')) !== undefined) out.registerBurst = int('REGISTER_BURST', v, 1, 1_000_000);
  if ((v = get('VIEWER_MAX_BUFFERED_BYTES')) !== undefined) out.viewerMaxBufferedBytes = int('VIEWER_MAX_BUFFERED_BYTES', v, 0, 1024 * 1024 * 1024);
  if ((v = get('HISTORY_MAX_BYTES_PER_HOST')) !== undefined) out.historyMaxBytesPerHost = int('HISTORY_MAX_BYTES_PER_HOST', v, 0, 1024 ** 4);
  if ((v = get('HISTORY_MAX_AGE_HOURS')) !== undefined) out.historyMaxAgeHours = int('HISTORY_MAX_AGE_HOURS', v, 1, 24 * 3650);
  for (const [variable, [min, max]] of Object.entries(SOCKET_BUDGET_RANGES)) {
    if ((v = get(variable as keyof typeof ENV_VARIABLES)) !== undefined) {
      (out as Record<string, number>)[ENV_VARIABLES[variable as keyof typeof SOCKET_BUDGET_RANGES]] = int(variable, v, min, max);
    }
  }
  if ((v = get('REREGISTRATION')) !== undefined) out.reregistration = v.trim() as Reregistration;
  if ((v = get('PENDING_DEVICE_TTL_MS')) !== undefined) out.pendingDeviceTtlMs = int('PENDING_DEVICE_TTL_MS', v, 1000, 365 * 86_400_000);
  if ((v = get('PUBLIC_URL')) !== undefined) out.publicUrl = v.trim();
  if ((v = get('LOG_LEVEL')) !== undefined) {
    const l = v.trim() as LogLevel;
    if (!LOG_LEVELS.includes(l)) throw new ConfigError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(v)}`);
    out.logLevel = l;
  }
  return resolveConfig(out, ENV_NAMES);
}

const ENV_NAMES: Partial<Record<keyof ServerConfig, string>> = Object.fromEntries(
  Object.entries(ENV_VARIABLES).map(([env, field]) => [field, env]),
);
const FIELD_NAMES: Partial<Record<keyof ServerConfig, string>> = {};

/**
 * Merges overrides over {@link DEFAULTS}, checks the cross-field rules and
 * freezes the result. `startServer` calls it on its overrides.
 */
export function resolveConfig(
  overrides: Partial<ServerConfig> = {},
  names: Partial<Record<keyof ServerConfig, string>> = FIELD_NAMES,
): ServerConfig {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<ServerConfig>;
  const c: ServerConfig = { ...DEFAULTS, ...defined };
  const name = (k: keyof ServerConfig): string => names[k] ?? k;
  const checkInt = (k: keyof ServerConfig, min: number, max: number): void => {
    const n = c[k];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(name(k), `expected an integer from ${min} to ${max}, got ${String(n)}`);
    }
  };
  checkInt('port', 0, 65535);
  if (c.devicePort !== null) checkInt('devicePort', 0, 65535);
  checkInt('maxMessageBytes', 1024, 64 * 1024 * 1024);
  checkInt('maxViewersPerHost', 1, 10_000);
  checkInt('pingIntervalMs', 100, 3_600_000);
  checkInt('authTimeoutMs', 100, 600_000);
  checkInt('registerRatePerMinute', 1, 1_000_000);
  checkInt('registerBurst', 1, 1_000_000);
  checkInt('viewerMaxBufferedBytes', 0, 1024 * 1024 * 1024);
  checkInt('statsIntervalMs', 10, 60_000);
  checkInt('historyMaxBytesPerHost', 0, 1024 ** 4);
  checkInt('historyMaxAgeHours', 1, 24 * 3650);
  for (const [variable, [min, max]] of Object.entries(SOCKET_BUDGET_RANGES)) {
    checkInt(ENV_VARIABLES[variable as keyof typeof SOCKET_BUDGET_RANGES], min, max);
  }
  if (c.deviceApproval !== 'manual' && c.deviceApproval !== 'auto') {
    throw new ConfigError(name('deviceApproval'), `expected "manual" or "auto", got ${String(c.deviceApproval)}`);
  }
  if (c.reregistration !== 'same-network' && c.reregistration !== 'any') {
    throw new ConfigError(name('reregistration'), `expected "same-network" or "any", got ${JSON.stringify(c.reregistration)}`);
  }
  checkInt('pendingDeviceTtlMs', 1000, 365 * 86_400_000);
  const publicUrl = c.publicUrl === null ? null : normalizeOrigin(c.publicUrl);
  if (c.publicUrl !== null && (publicUrl === null || new URL(c.publicUrl).pathname.length > 1)) {
    throw new ConfigError(name('publicUrl'), `expected an http(s) URL with no path, like https://booxstream.example.dev, got ${JSON.stringify(c.publicUrl)}`);
  }
  if (!LOG_LEVELS.includes(c.logLevel)) throw new ConfigError(name('logLevel'), `unknown level ${String(c.logLevel)}`);
  const trustedProxies = c.trustedProxies.map((e) => parseCidr(name('trustedProxies'), e));
  if (c.adminGroups.length === 0) throw new ConfigError(name('adminGroups'), 'expected at least one group name');
  if (c.devUser !== null && c.devUser.length === 0) throw new ConfigError(name('devUser'), 'must not be empty');
  if (c.devUser !== null && !isLoopbackHost(c.host)) {
    throw new ConfigError(
      name('devUser'),
      `a development identity is only allowed when the server listens on a loopback address (set HOST=127.0.0.1); HOST is ${c.host}`,
    );
  }
  // DEV_GROUPS defaults to the first admin group, whichever ADMIN_GROUPS is.
  const devGroups = defined.devGroups ?? [c.adminGroups[0]!];
  return Object.freeze({
    ...c,
    publicUrl,
    trustedProxies: Object.freeze(trustedProxies),
    adminGroups: Object.freeze([...c.adminGroups]),
    devGroups: Object.freeze([...devGroups]),
  });
}
