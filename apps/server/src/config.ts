/**
 * Server configuration: one commented defaults object, one table (`FIELDS`) giving each
 * field's rule and the environment variable that sets it, and `parseConfig(env)` which
 * validates every variable once and returns a frozen config. Nothing here reads
 * `process.env`; `main.ts` passes it in.
 */
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type ConfigIssue, deepFreeze, describe, integer, nearestKey, validate, z } from '@booxstream/config-kit';
import { ConfigError } from './errors.js';
import { normalizeOrigin } from './http/same-origin.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type DeviceApproval = 'manual' | 'auto';
export type Reregistration = 'same-network' | 'any';
export const PATCH_METHODS = ['auto', 'sharp'] as const;
export type PatchMethod = (typeof PATCH_METHODS)[number];

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
  /**
   * After a device is closed for its message or invalid-message budget (4008), its token is
   * refused (4008 again, at auth) for this long, so a flooding device that reconnects at once
   * costs a handshake, not a burst of parsed messages, each time. 0 = off. The app is never
   * closed for these budgets (10 frames/s, no invalid messages). [deviceCoolDownMs=30000]
   */
  readonly deviceCoolDownMs: number;
  /** Unsent bytes a device socket may hold (replies); a device that does not read is cut (4012). [deviceMaxQueuedBytes=65536] */
  readonly deviceMaxQueuedBytes: number;
  /** Unsent bytes a viewer socket may hold (frames and events); a viewer that does not read is cut (4012). [viewerMaxQueuedBytes=8388608] */
  readonly viewerMaxQueuedBytes: number;
  /** Bytes a device socket may send before it has authenticated; more: close 1009. [preAuthMaxBytes=4096] */
  readonly preAuthMaxBytes: number;
  /** Device sockets not yet authenticated, per client address (IPv6: per /64); more get 429 at the upgrade. [maxUnauthenticatedPerAddress=8] */
  readonly maxUnauthenticatedPerAddress: number;
  /** Device sockets not yet authenticated, in total; more get 429 at the upgrade. [maxUnauthenticated=256] */
  readonly maxUnauthenticated: number;
  /** `same-network`: a known uuid registering from another /24 or /64 gets a token that waits for its owner's confirmation; `any`: every re-registration replaces the token. [reregistration='same-network'] */
  readonly reregistration: Reregistration;
  /** Pending devices (and unconfirmed re-registrations) older than this are deleted. [pendingDeviceTtlMs=259200000 (72 h)] */
  readonly pendingDeviceTtlMs: number;
  /** The URL browsers use (`https://booxstream.example.dev`); its origin is the only one state-changing requests and viewer sockets may come from. null = taken from each request. [publicUrl=null] */
  readonly publicUrl: string | null;
  /** How the relay finds a frame's changes for patch viewers: `auto` = jpeg-delta where it is built, else sharp; `sharp` = always decode (README: Patches). [patchMethod='auto'] */
  readonly patchMethod: PatchMethod;
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
  deviceCoolDownMs: 30_000,
  deviceMaxQueuedBytes: 64 * 1024,
  viewerMaxQueuedBytes: 8 * 1024 * 1024,
  preAuthMaxBytes: 4096,
  maxUnauthenticatedPerAddress: 8,
  maxUnauthenticated: 256,
  reregistration: 'same-network',
  pendingDeviceTtlMs: 72 * 3_600_000,
  publicUrl: null,
  patchMethod: 'auto',
  logLevel: 'info',
  logSink: null,
} satisfies ServerConfig);

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const satisfies readonly LogLevel[];

type Env = Record<string, string | undefined>;

/** How a variable's text becomes a value; the field's schema then judges the value. */
const text = (raw: string): string => raw.trim();
const list = (raw: string): string[] => raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
// Digits only; anything else stays text so the schema reports it as written.
const whole = (raw: string): number | string => (/^\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw);

interface FieldSpec<T> {
  /** The rule, for the environment and for `startServer` overrides alike. */
  readonly schema: z.ZodType<T, unknown>;
  /** The environment variable that sets the field; none for programmatic-only fields. */
  readonly env?: string;
  readonly read?: (raw: string) => unknown;
  /** An empty variable is a value (an empty list), not "unset". */
  readonly emptyIsValue?: boolean;
}

const cidr = z.string().transform((entry, ctx) => {
  const normal = normaliseCidr(entry);
  if (normal.ok) return normal.value;
  ctx.addIssue({ code: 'custom', message: normal.problem, input: entry });
  return z.NEVER;
});
const host = z.string().refine((h) => h === 'localhost' || isIP(h) !== 0, { error: (i) => `${describe(i.input)} is not an IP address or "localhost"` });
const groups = z.array(z.string().min(1)).min(1, { error: 'expected at least one group name' });
const userName = z
  .string()
  .regex(/^[^\u0000-\u001f\u007f]{1,128}$/, { error: 'expected a user name of 1 to 128 printable characters' })
  .nullable();

/** An http(s) origin with no path; kept as its normalised origin (scheme, host, port). */
const publicUrl = z
  .string()
  .transform((raw, ctx) => {
    const origin = normalizeOrigin(raw);
    let path = '/';
    try {
      path = new URL(raw).pathname;
    } catch {
      // normalizeOrigin already said no.
    }
    if (origin !== null && path.length <= 1) return origin;
    ctx.addIssue({ code: 'custom', message: `expected an http(s) URL with no path, like https://booxstream.example.dev, got ${JSON.stringify(raw)}`, input: raw });
    return z.NEVER;
  })
  .nullable();

/** Every field: its rule and, when the environment sets it, the variable. One line each. */
const FIELDS = {
  port: { env: 'PORT', read: whole, schema: integer(0, 65535) },
  host: { env: 'HOST', read: text, schema: host },
  devicePort: { env: 'DEVICE_PORT', read: (raw) => (whole(raw) === 0 ? null : whole(raw)), schema: integer(0, 65535).nullable() },
  dataDir: { env: 'DATA_DIR', read: text, schema: z.string().min(1) },
  trustedProxies: { env: 'TRUSTED_PROXIES', read: list, emptyIsValue: true, schema: z.array(cidr) },
  adminGroups: { env: 'ADMIN_GROUPS', read: list, schema: groups },
  deviceApproval: { env: 'DEVICE_APPROVAL', read: text, schema: z.enum(['manual', 'auto']) },
  devUser: { env: 'DEV_USER', read: text, schema: userName },
  devGroups: { env: 'DEV_GROUPS', read: list, schema: z.array(z.string().min(1)) },
  webRoot: { env: 'WEB_ROOT', read: text, schema: z.string().min(1) },
  maxMessageBytes: { env: 'MAX_MESSAGE_BYTES', read: whole, schema: integer(1024, 64 * 1024 * 1024) },
  maxViewersPerHost: { env: 'MAX_VIEWERS_PER_HOST', read: whole, schema: integer(1, 10_000) },
  pingIntervalMs: { env: 'PING_INTERVAL_MS', read: whole, schema: integer(100, 3_600_000) },
  authTimeoutMs: { env: 'AUTH_TIMEOUT_MS', read: whole, schema: integer(100, 600_000) },
  registerRatePerMinute: { env: 'REGISTER_RATE_PER_MINUTE', read: whole, schema: integer(1, 1_000_000) },
  registerBurst: { env: 'REGISTER_BURST', read: whole, schema: integer(1, 1_000_000) },
  viewerMaxBufferedBytes: { env: 'VIEWER_MAX_BUFFERED_BYTES', read: whole, schema: integer(0, 1024 * 1024 * 1024) },
  statsIntervalMs: { schema: integer(10, 60_000) },
  historyMaxBytesPerHost: { env: 'HISTORY_MAX_BYTES_PER_HOST', read: whole, schema: integer(0, 1024 ** 4) },
  historyMaxAgeHours: { env: 'HISTORY_MAX_AGE_HOURS', read: whole, schema: integer(1, 24 * 3650) },
  // The relay's per-socket budgets and socket caps (README: "Budgets").
  deviceMessageRate: { env: 'DEVICE_MESSAGE_RATE', read: whole, schema: integer(1, 1_000_000) },
  deviceRejectRate: { env: 'DEVICE_REJECT_RATE', read: whole, schema: integer(1, 1_000_000) },
  viewerMessageRate: { env: 'VIEWER_MESSAGE_RATE', read: whole, schema: integer(1, 1_000_000) },
  deviceCoolDownMs: { env: 'DEVICE_COOL_DOWN_MS', read: whole, schema: integer(0, 86_400_000) },
  deviceMaxQueuedBytes: { env: 'DEVICE_MAX_QUEUED_BYTES', read: whole, schema: integer(1024, 1024 * 1024 * 1024) },
  viewerMaxQueuedBytes: { env: 'VIEWER_MAX_QUEUED_BYTES', read: whole, schema: integer(1024, 1024 * 1024 * 1024) },
  preAuthMaxBytes: { env: 'PREAUTH_MAX_BYTES', read: whole, schema: integer(256, 64 * 1024 * 1024) },
  maxUnauthenticatedPerAddress: { env: 'MAX_UNAUTHENTICATED_PER_ADDRESS', read: whole, schema: integer(1, 1_000_000) },
  maxUnauthenticated: { env: 'MAX_UNAUTHENTICATED', read: whole, schema: integer(1, 1_000_000) },
  reregistration: { env: 'REREGISTRATION', read: text, schema: z.enum(['same-network', 'any']) },
  pendingDeviceTtlMs: { env: 'PENDING_DEVICE_TTL_MS', read: whole, schema: integer(1000, 365 * 86_400_000) },
  publicUrl: { env: 'PUBLIC_URL', read: text, schema: publicUrl },
  patchMethod: { env: 'PATCH_METHOD', read: text, schema: z.enum(PATCH_METHODS) },
  logLevel: { env: 'LOG_LEVEL', read: text, schema: z.enum(LOG_LEVELS) },
  logSink: { schema: z.custom<(line: string) => void>((v) => typeof v === 'function', { error: 'expected a function' }).nullable() },
} as const satisfies { [K in keyof ServerConfig]: FieldSpec<ServerConfig[K]> };

type Field = keyof typeof FIELDS;
const ENTRIES = Object.entries(FIELDS) as [Field, FieldSpec<unknown>][];

const CONFIG_SCHEMA = z.object(Object.fromEntries(ENTRIES.map(([field, spec]) => [field, spec.schema])));

/** Every environment variable the server reads, and the config field it sets. */
export const ENV_VARIABLES: Readonly<Record<string, keyof ServerConfig>> = Object.freeze(
  Object.fromEntries(ENTRIES.flatMap(([field, spec]) => (spec.env === undefined ? [] : [[spec.env, field]]))),
);

const ENV_NAMES: Partial<Record<keyof ServerConfig, string>> = Object.fromEntries(
  Object.entries(ENV_VARIABLES).map(([env, field]) => [field, env]),
);
const FIELD_NAMES: Partial<Record<keyof ServerConfig, string>> = {};

/** Why `entry` is not `IP` or `IP/prefix`, or the entry with an explicit prefix. */
function normaliseCidr(entry: string): { ok: true; value: string } | { ok: false; problem: string } {
  const slash = entry.indexOf('/');
  const ip = slash < 0 ? entry : entry.slice(0, slash);
  const family = isIP(ip);
  if (family === 0) return { ok: false, problem: `${JSON.stringify(entry)} is not an IP address or CIDR` };
  const maxPrefix = family === 4 ? 32 : 128;
  if (slash < 0) return { ok: true, value: `${ip}/${maxPrefix}` };
  const prefixText = entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > maxPrefix) {
    return { ok: false, problem: `${JSON.stringify(entry)} has an invalid prefix length (0-${maxPrefix})` };
  }
  return { ok: true, value: `${ip}/${Number(prefixText)}` };
}

/** Validates one `IP` or `IP/prefix` entry; returns it normalised with an explicit prefix. */
export function parseCidr(name: string, entry: string): string {
  const normal = normaliseCidr(entry);
  if (!normal.ok) throw new ConfigError([{ path: name, message: normal.problem }]);
  return normal.value;
}

/** True for 127.0.0.0/8, ::1, `localhost` and IPv4-mapped loopback. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '[::1]') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * A misspelt variable (`DEVICE_APROVAL`, `TRUSTED_PROXY`) would silently leave a default in
 * place, so an unknown name that shares its first word with a known multi-word name and is
 * near it (`nearestKey`: two edits, three for 12+ characters) stops startup. Single-word names
 * (PORT, HOST) are not checked: HOME is two edits from HOST.
 */
function misspeltVariables(env: Env): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const name of Object.keys(env)) {
    if (Object.hasOwn(ENV_VARIABLES, name) || !name.includes('_')) continue;
    const head = name.slice(0, name.indexOf('_') + 1);
    const suggestion = nearestKey(
      name,
      Object.keys(ENV_VARIABLES).filter((k) => k.includes('_') && k.startsWith(head)),
      (k) => (k.length >= 12 ? 3 : 2),
    );
    if (suggestion !== undefined) issues.push({ path: name, message: 'unknown variable', suggestion });
  }
  return issues;
}

/**
 * Builds the config from environment variables. Unset or empty variables take the defaults.
 * Throws {@link ConfigError} naming every variable at fault.
 */
export function parseConfig(env: Env): ServerConfig {
  const misspelt = misspeltVariables(env);
  const out: Record<string, unknown> = {};
  for (const [field, spec] of ENTRIES) {
    const raw = spec.env === undefined ? undefined : env[spec.env];
    if (raw === undefined || (raw.trim() === '' && !spec.emptyIsValue)) continue;
    out[field] = spec.read ? spec.read(raw) : raw;
  }
  return resolveConfig(out as Partial<ServerConfig>, ENV_NAMES, misspelt);
}

/**
 * Merges overrides over {@link DEFAULTS}, checks every field and the cross-field rules, and
 * freezes the result. `startServer` calls it on its overrides; problems name the field.
 */
export function resolveConfig(
  overrides: Partial<ServerConfig> = {},
  names: Partial<Record<keyof ServerConfig, string>> = FIELD_NAMES,
  earlier: readonly ConfigIssue[] = [],
): ServerConfig {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<ServerConfig>;
  const name = (k: string): string => names[k as keyof ServerConfig] ?? k;
  const issues: ConfigIssue[] = [...earlier];
  const result = validate(CONFIG_SCHEMA, { ...DEFAULTS, ...defined });
  // A variable is one value: a problem inside a list is reported on the variable, quoting the entry.
  if (!result.ok) for (const i of result.issues) issues.push({ ...i, path: name(i.path.split(/[.[]/)[0]!) });
  const c = (result.ok ? result.value : DEFAULTS) as ServerConfig;
  if (result.ok && c.devUser !== null && !isLoopbackHost(c.host)) {
    issues.push({
      path: name('devUser'),
      message: `a development identity is only allowed when the server listens on a loopback address (set HOST=127.0.0.1); HOST is ${c.host}`,
    });
  }
  const [first, ...rest] = issues;
  if (first) throw new ConfigError([first, ...rest]);
  // DEV_GROUPS defaults to the first admin group, whichever ADMIN_GROUPS is.
  return deepFreeze({ ...c, devGroups: defined.devGroups ? [...c.devGroups] : [c.adminGroups[0]!] });
}
