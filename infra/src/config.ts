/**
 * The stack config: read once at the start of the program, validated whole, every problem
 * reported with its full key (`booxstream:vm.sshUser`), frozen. Pure: it reads from a
 * `ConfigSource` (the Pulumi runtime in index.ts, a plain map in tests) and returns plain
 * values; index.ts wraps the secrets in `pulumi.secret`.
 *
 * Every key is listed in `CONFIG_KEYS` and documented in README.md and Pulumi.example.yaml.
 */
import { isIP } from 'node:net';
import { GatewayConfigError, validateGateway, type Gateway, type ProtectedApp } from '@booxstream/gateway';
import { deployedAppsIssues } from './deployed-apps-config.js';
import { adoptAt } from './adopt-config.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { parseObservability, type ObservabilityConfig } from './observability-config.js';

/** The Pulumi project name (Pulumi.yaml `name`), the namespace of every key below. */
export const PROJECT = 'booxstream';

/** Where config values come from. */
export interface ConfigSource {
  /** Raw value of a full key (`booxstream:vm`); structured values are JSON text. */
  get(fullKey: string): string | undefined;
  /** Whether the key was set with `--secret`; undefined when the runtime cannot tell. */
  isSecret(fullKey: string): boolean | undefined;
  /** Every full key set in the stack. */
  keys(): readonly string[];
}

interface KeySpec {
  readonly secret: boolean;
  readonly required: boolean;
  readonly structured: boolean;
  readonly doc: string;
}

/** Every key of the `booxstream:` namespace. Anything else in that namespace is a typo. */
export const CONFIG_KEYS = {
  gateway: { secret: false, required: true, structured: true, doc: 'the gateway model (apps, tunnel, Traefik, authentik), as in packages/gateway/examples/home.gateway.yaml' },
  cloudflare: { secret: false, required: true, structured: true, doc: '{ accountId, zoneId, tunnelMode: remote|local }' },
  cloudflareApiToken: { secret: true, required: true, structured: false, doc: 'Cloudflare API token (Zone DNS edit, Account Cloudflare Tunnel edit)' },
  authentikUrl: { secret: false, required: true, structured: false, doc: 'authentik base URL as this machine reaches it, e.g. https://auth.kevinvdb.dev' },
  authentikToken: { secret: true, required: true, structured: false, doc: 'authentik API token (intent: API) of an admin user' },
  gatewayHost: { secret: false, required: true, structured: true, doc: '{ address, sshPort, sshUser, hostKey, cloudflaredConfigPath, cloudflaredRestartCommand }' },
  gatewaySshPrivateKey: { secret: true, required: true, structured: false, doc: 'private key (OpenSSH/PEM, no passphrase) of gatewayHost.sshUser' },
  vm: { secret: false, required: true, structured: true, doc: '{ address, sshPort, sshUser, hostKey, containerName, imageName, dataVolume, devicePort, memoryMb, buildContext, dockerfile, platform }' },
  vmSshPrivateKey: { secret: true, required: true, structured: false, doc: 'private key (OpenSSH/PEM, no passphrase) of vm.sshUser, who may run docker' },
  server: { secret: false, required: false, structured: true, doc: '{ app, adminGroups, deviceApproval, logLevel }' },
  serverSecrets: { secret: true, required: false, structured: true, doc: 'extra environment variables for the server container, e.g. {"SOME_TOKEN": "…"}' },
  monitoring: { secret: false, required: false, structured: true, doc: '{ enabled, prometheusListen, retention, traefikMetrics, cloudflaredMetrics, textfileDir, grafana: { on, provisioningDir, dashboardsDir, prometheusUrl } }' },
  backup: { secret: false, required: false, structured: true, doc: '{ repository, repositoryHostDir, onCalendar, keepLast, passwordFile, environmentFile }' },
  resticPassword: { secret: true, required: false, structured: false, doc: 'restic repository password (required with backup)' },
  adopt: { secret: false, required: false, structured: true, doc: 'app hostnames whose existing DNS record may be taken over (restored on destroy), e.g. [booxstream.kevinvdb.dev]' },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;

export interface SshHostConfig {
  /** IP address or DNS name the SSH connection goes to. */
  readonly address: string;
  /** [sshPort=22] */
  readonly sshPort: number;
  readonly sshUser: string;
  /** The host's public key, `ssh-ed25519 AAAA…` (`ssh-keyscan -t ed25519 <host>`), pinned. */
  readonly hostKey: string;
}

export interface GatewayHostConfig extends SshHostConfig {
  /** Where a locally-managed tunnel's config.yml goes. [cloudflaredConfigPath='/opt/cloudflare/config.yml'] */
  readonly cloudflaredConfigPath: string;
  /** Run after config.yml changes (locally-managed tunnel only). [cloudflaredRestartCommand='docker restart cloudflared'] */
  readonly cloudflaredRestartCommand: string;
}

export interface VmConfig extends SshHostConfig {
  /** [containerName='booxstream'] */
  readonly containerName: string;
  /** Local image name on the VM's daemon. [imageName='booxstream-server'] */
  readonly imageName: string;
  /** Named volume holding DATA_DIR (/data). [dataVolume='booxstream-data'] */
  readonly dataVolume: string;
  /** LAN port the tablets connect to; 0 turns the device port off. [devicePort=8080] */
  readonly devicePort: number;
  /** Memory limit of the container, in MB. [memoryMb=512] */
  readonly memoryMb: number;
  /** Docker build context, relative to the Pulumi project (infra/). [buildContext='..'] */
  readonly buildContext: string;
  /** Dockerfile, relative to the build context. [dockerfile='apps/server/Dockerfile'] */
  readonly dockerfile: string;
  /** The VM's platform, for the build. [platform='linux/amd64'] */
  readonly platform: string;
}

export type DeviceApproval = 'manual' | 'auto';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface ServerSettings {
  /** Name of the gateway app the server is (its upstream gives the HTTP port). [app='booxstream'] */
  readonly app: string;
  /** authentik groups whose members administer devices (ADMIN_GROUPS). [adminGroups=['authentik Admins']] */
  readonly adminGroups: readonly string[];
  /** DEVICE_APPROVAL. [deviceApproval='manual'] */
  readonly deviceApproval: DeviceApproval;
  /** LOG_LEVEL. [logLevel='info'] */
  readonly logLevel: LogLevel;
}

export interface CloudflareConfig {
  readonly accountId: string;
  readonly zoneId: string;
  /**
   * `remote`: the tunnel's ingress is set through the Cloudflare API (ZeroTrustTunnelCloudflaredConfig).
   * `local`: the rendered config.yml is copied to the gateway and cloudflared restarted. [tunnelMode='remote']
   */
  readonly tunnelMode: 'remote' | 'local';
}

/** Secret values, plain here; index.ts wraps each in `pulumi.secret` before any use. */
export interface StackSecrets {
  readonly cloudflareApiToken: string;
  readonly authentikToken: string;
  readonly gatewaySshPrivateKey: string;
  readonly vmSshPrivateKey: string;
  readonly serverSecrets: Readonly<Record<string, string>>;
}

export interface StackConfig {
  readonly gateway: Gateway;
  readonly cloudflare: CloudflareConfig;
  readonly authentikUrl: string;
  readonly gatewayHost: GatewayHostConfig;
  readonly vm: VmConfig;
  readonly server: ServerSettings;
  /** The gateway app the server container serves. */
  readonly serverApp: ProtectedApp;
  /** Port of the server's HTTP listener, from that app's upstream. */
  readonly serverHttpPort: number;
  /** Hostnames whose DNS record may be taken over though it points elsewhere (`adopt-config.ts`). */
  readonly adopt: readonly string[];
  readonly secrets: StackSecrets;
  /** Monitoring and backups on the VM (observability-config.ts). */
  readonly observability: ObservabilityConfig;
}

/** Environment variables the program sets itself; serverSecrets may not override them. */
export const MANAGED_SERVER_ENV = [
  'PORT',
  'HOST',
  'DATA_DIR',
  'DEVICE_PORT',
  'TRUSTED_PROXIES',
  'ADMIN_GROUPS',
  'DEVICE_APPROVAL',
  'LOG_LEVEL',
  'WEB_ROOT',
  'NODE_ENV',
] as const;

const SSH_KEY_TYPES = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const HEX32 = /^[0-9a-f]{32}$/;
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
const IMAGE_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;
const SAFE_ABS_PATH = /^\/[A-Za-z0-9._/-]+$/;
const UNIX_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/**
 * Reads and validates the whole stack config.
 * @throws ConfigError listing every problem, each with its full key.
 */
export function loadStackConfig(source: ConfigSource): StackConfig {
  const issues: ConfigIssue[] = [];
  const key = (k: string) => `${PROJECT}:${k}`;
  const issue = (k: string, message: string) => issues.push({ key: key(k), message });

  // Unknown keys in our namespace are typos that would otherwise leave a default in place.
  for (const full of source.keys()) {
    if (!full.startsWith(`${PROJECT}:`)) continue;
    const name = full.slice(PROJECT.length + 1);
    if (!Object.hasOwn(CONFIG_KEYS, name)) issues.push({ key: full, message: `unknown key (known: ${Object.keys(CONFIG_KEYS).join(', ')})` });
  }

  const raw = (name: ConfigKey): unknown => {
    const spec: KeySpec = CONFIG_KEYS[name];
    const value = source.get(key(name));
    if (value === undefined || value === '') {
      if (spec.required) {
        issue(name, `required: ${spec.doc}; set it with \`pulumi config set ${spec.secret ? '--secret ' : ''}${spec.structured ? '--path ' : ''}${name} …\``);
      }
      return undefined;
    }
    if (spec.secret && source.isSecret(key(name)) === false) {
      issue(name, `must be set as a secret: \`pulumi config set --secret ${name} …\` (it is stored in plain text now)`);
    }
    if (!spec.structured) return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      issue(name, 'must be structured (YAML mapping in the stack file, or JSON text)');
      return undefined;
    }
  };

  // --- gateway model -----------------------------------------------------------------------
  let gateway: Gateway | undefined;
  const gatewayInput = raw('gateway');
  if (gatewayInput !== undefined) {
    try {
      gateway = validateGateway(gatewayInput);
    } catch (error) {
      if (!(error instanceof GatewayConfigError)) throw error;
      for (const i of error.issues) issue(`gateway${i.path ? (i.path.startsWith('[') ? i.path : `.${i.path}`) : ''}`, i.message);
    }
  }

  // --- cloudflare --------------------------------------------------------------------------
  const cf = objectAt(raw('cloudflare'), 'cloudflare', ['accountId', 'zoneId', 'tunnelMode'], issue);
  const cloudflare: CloudflareConfig = {
    accountId: stringAt(cf, 'cloudflare.accountId', issue, { pattern: HEX32, hint: 'the 32-hex-digit account id (dashboard URL)' }),
    zoneId: stringAt(cf, 'cloudflare.zoneId', issue, { pattern: HEX32, hint: "the 32-hex-digit zone id (the zone's Overview page)" }),
    tunnelMode: enumAt(cf, 'cloudflare.tunnelMode', ['remote', 'local'] as const, 'remote', issue),
  };

  // --- authentik ---------------------------------------------------------------------------
  const authentikUrlRaw = raw('authentikUrl');
  let authentikUrl = '';
  if (typeof authentikUrlRaw === 'string') {
    authentikUrl = authentikUrlRaw.replace(/\/+$/, '');
    let parsed: URL | undefined;
    try {
      parsed = new URL(authentikUrl);
    } catch {
      issue('authentikUrl', `${JSON.stringify(authentikUrlRaw)} is not a URL`);
    }
    if (parsed && !['http:', 'https:'].includes(parsed.protocol)) issue('authentikUrl', 'must be http:// or https://');
    if (parsed && (parsed.search || parsed.hash)) issue('authentikUrl', 'must not have a query or fragment');
  }

  // --- gateway host (SSH) ------------------------------------------------------------------
  const gh = objectAt(
    raw('gatewayHost'),
    'gatewayHost',
    ['address', 'sshPort', 'sshUser', 'hostKey', 'cloudflaredConfigPath', 'cloudflaredRestartCommand'],
    issue,
  );
  const gatewayHost: GatewayHostConfig = {
    ...sshHost(gh, 'gatewayHost', issue),
    cloudflaredConfigPath: stringAt(gh, 'gatewayHost.cloudflaredConfigPath', issue, {
      fallback: '/opt/cloudflare/config.yml',
      pattern: SAFE_ABS_PATH,
      hint: 'an absolute path of letters, digits, . _ - /',
    }),
    cloudflaredRestartCommand: stringAt(gh, 'gatewayHost.cloudflaredRestartCommand', issue, { fallback: 'docker restart cloudflared' }),
  };
  // TRUSTED_PROXIES is the gateway's address: the server believes identity headers only from it.
  if (gatewayHost.address && isIP(gatewayHost.address) === 0) {
    issue('gatewayHost.address', 'must be an IP address: the server trusts identity headers from exactly this address (TRUSTED_PROXIES)');
  }

  // --- BooxStream VM -----------------------------------------------------------------------
  const v = objectAt(
    raw('vm'),
    'vm',
    ['address', 'sshPort', 'sshUser', 'hostKey', 'containerName', 'imageName', 'dataVolume', 'devicePort', 'memoryMb', 'buildContext', 'dockerfile', 'platform'],
    issue,
  );
  const vm: VmConfig = {
    ...sshHost(v, 'vm', issue),
    containerName: stringAt(v, 'vm.containerName', issue, { fallback: 'booxstream', pattern: DOCKER_NAME, hint: 'a Docker container name' }),
    imageName: stringAt(v, 'vm.imageName', issue, { fallback: 'booxstream-server', pattern: IMAGE_NAME, hint: 'a lowercase image name without tag' }),
    dataVolume: stringAt(v, 'vm.dataVolume', issue, { fallback: 'booxstream-data', pattern: DOCKER_NAME, hint: 'a Docker volume name' }),
    devicePort: intAt(v, 'vm.devicePort', 0, 65535, 8080, issue),
    memoryMb: intAt(v, 'vm.memoryMb', 64, 65536, 512, issue),
    buildContext: stringAt(v, 'vm.buildContext', issue, { fallback: '..' }),
    dockerfile: stringAt(v, 'vm.dockerfile', issue, { fallback: 'apps/server/Dockerfile' }),
    platform: stringAt(v, 'vm.platform', issue, { fallback: 'linux/amd64', pattern: /^linux\/(amd64|arm64|arm\/v7)$/, hint: 'linux/amd64, linux/arm64 or linux/arm/v7' }),
  };

  // --- server settings ---------------------------------------------------------------------
  const s = objectAt(raw('server') ?? {}, 'server', ['app', 'adminGroups', 'deviceApproval', 'logLevel'], issue);
  const server: ServerSettings = {
    app: stringAt(s, 'server.app', issue, { fallback: 'booxstream' }),
    adminGroups: groupsAt(s, 'server.adminGroups', ['authentik Admins'], issue),
    deviceApproval: enumAt(s, 'server.deviceApproval', ['manual', 'auto'] as const, 'manual', issue),
    logLevel: enumAt(s, 'server.logLevel', LOG_LEVELS, 'info', issue),
  };

  let serverApp: ProtectedApp | undefined;
  let serverHttpPort = 0;
  if (gateway) {
    serverApp = gateway.apps.find((a) => a.name === server.app);
    if (!serverApp) {
      issue('server.app', `no app named ${JSON.stringify(server.app)} in gateway.apps (have: ${gateway.apps.map((a) => a.name).join(', ')})`);
    } else {
      const upstream = new URL(serverApp.upstream);
      serverHttpPort = Number(upstream.port || (upstream.protocol === 'https:' ? 443 : 80));
      const upstreamHost = upstream.hostname.replace(/^\[|\]$/g, '');
      if (vm.address && isIP(vm.address) === 0) {
        issue('vm.address', `${vm.address} must be the VM's LAN IP address: the server's ports are published on it only`);
      } else if (isIP(upstreamHost) !== 0 && isIP(vm.address) !== 0 && upstreamHost !== vm.address) {
        issue('vm.address', `${vm.address} differs from the host of gateway app '${serverApp.name}' upstream (${serverApp.upstream}): Traefik would proxy elsewhere`);
      }
      if (vm.devicePort !== 0 && vm.devicePort === serverHttpPort) {
        issue('vm.devicePort', `${vm.devicePort} is also the HTTP port of ${serverApp.upstream}`);
      }
      const serverPorts = new Map([[serverHttpPort, 'the BooxStream server'], ...(vm.devicePort !== 0 ? [[vm.devicePort, 'the device port (vm.devicePort)'] as [number, string]] : [])]);
      for (const i of deployedAppsIssues(gateway.apps, vm.address, serverPorts)) issue(i.key, i.message);
    }
  }

  // --- secrets -----------------------------------------------------------------------------
  const cloudflareApiToken = tokenAt(raw('cloudflareApiToken'), 'cloudflareApiToken', issue);
  const authentikToken = tokenAt(raw('authentikToken'), 'authentikToken', issue);
  const gatewaySshPrivateKey = privateKeyAt(raw('gatewaySshPrivateKey'), 'gatewaySshPrivateKey', issue);
  const vmSshPrivateKey = privateKeyAt(raw('vmSshPrivateKey'), 'vmSshPrivateKey', issue);
  const serverSecrets = serverSecretsAt(raw('serverSecrets'), issue);
  const observability = parseObservability(raw('monitoring'), raw('backup'), raw('resticPassword'), issue);
  const adopt = adoptAt(raw('adopt'), gateway as Gateway | undefined, issue);

  if (issues.length > 0) throw new ConfigError(issues);
  return deepFreeze({
    gateway: gateway as Gateway,
    cloudflare,
    authentikUrl,
    gatewayHost,
    vm,
    server,
    serverApp: serverApp as ProtectedApp,
    serverHttpPort,
    adopt,
    secrets: { cloudflareApiToken, authentikToken, gatewaySshPrivateKey, vmSshPrivateKey, serverSecrets },
    observability,
  });
}

type Issue = (key: string, message: string) => void;
type Obj = Record<string, unknown>;

/**
 * The object at a key, or undefined when the key is missing (already reported) or not an
 * object: the field readers then return their fallbacks without piling up "required" issues.
 */
function objectAt(value: unknown, name: string, allowed: readonly string[], issue: Issue): Obj | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    issue(name, 'must be an object');
    return undefined;
  }
  for (const k of Object.keys(value)) {
    if (!allowed.includes(k)) issue(`${name}.${k}`, `unknown field (known: ${allowed.join(', ')})`);
  }
  return value as Obj;
}

function leaf(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1);
}

function stringAt(obj: Obj | undefined, path: string, issue: Issue, opts: { fallback?: string; pattern?: RegExp; hint?: string } = {}): string {
  if (!obj) return opts.fallback ?? '';
  const value = obj[leaf(path)];
  if (value === undefined) {
    if (opts.fallback === undefined) issue(path, 'required');
    return opts.fallback ?? '';
  }
  if (typeof value !== 'string' || value.trim() === '') {
    issue(path, 'must be a non-empty string');
    return opts.fallback ?? '';
  }
  if (opts.pattern && !opts.pattern.test(value)) issue(path, `${JSON.stringify(value)} is not valid${opts.hint ? `: ${opts.hint}` : ''}`);
  return value;
}

function intAt(obj: Obj | undefined, path: string, min: number, max: number, fallback: number, issue: Issue): number {
  const value = obj?.[leaf(path)];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    issue(path, `must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return fallback;
  }
  return value;
}

function enumAt<T extends string>(obj: Obj | undefined, path: string, allowed: readonly T[], fallback: T, issue: Issue): T {
  const value = obj?.[leaf(path)];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    issue(path, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
    return fallback;
  }
  return value as T;
}

function groupsAt(obj: Obj | undefined, path: string, fallback: string[], issue: Issue): string[] {
  const value = obj?.[leaf(path)];
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || value.length === 0) {
    issue(path, 'must be a non-empty list of authentik group names');
    return fallback;
  }
  value.forEach((g, i) => {
    // ADMIN_GROUPS is comma-separated: a comma inside a name would split it.
    if (typeof g !== 'string' || g.trim() === '' || g.includes(',')) issue(`${path}[${i}]`, 'must be a group name without commas');
  });
  return value as string[];
}

function sshHost(obj: Obj | undefined, name: string, issue: Issue): SshHostConfig {
  const address = stringAt(obj, `${name}.address`, issue);
  if (address && isIP(address) === 0 && !/^(?=.{1,253}$)([a-zA-Z0-9-]{1,63}\.)*[a-zA-Z0-9-]{1,63}$/.test(address)) {
    issue(`${name}.address`, `${JSON.stringify(address)} is neither an IP address nor a host name`);
  }
  const sshUser = stringAt(obj, `${name}.sshUser`, issue, { pattern: UNIX_USER, hint: 'a Unix user name' });
  const hostKey = stringAt(obj, `${name}.hostKey`, issue);
  if (hostKey) {
    const problem = hostKeyProblem(hostKey);
    if (problem) issue(`${name}.hostKey`, problem);
  }
  return { address, sshPort: intAt(obj, `${name}.sshPort`, 1, 65535, 22, issue), sshUser, hostKey };
}

/**
 * Checks an OpenSSH public key line (`type base64 [comment]`): known type, and the type
 * encoded inside the blob matches (catches a key pasted from the wrong line of ssh-keyscan).
 */
export function hostKeyProblem(line: string): string | undefined {
  const [type, blob] = line.trim().split(/\s+/);
  if (!type || !blob) return 'must be an OpenSSH public key line, `ssh-ed25519 AAAA…` (from `ssh-keyscan -t ed25519 <host>`, without the host name)';
  if (!SSH_KEY_TYPES.has(type)) return `key type ${JSON.stringify(type)} is not an SSH host key type (${[...SSH_KEY_TYPES].join(', ')})`;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return 'the key data is not base64';
  const bytes = Buffer.from(blob, 'base64');
  const length = bytes.length >= 4 ? bytes.readUInt32BE(0) : -1;
  const inner = length > 0 && length + 4 <= bytes.length ? bytes.subarray(4, 4 + length).toString('latin1') : '';
  if (inner !== type) return `the key data is not a ${type} key${inner ? ` (it encodes ${inner})` : ''}`;
  return undefined;
}

function tokenAt(value: unknown, name: string, issue: Issue): string {
  if (value === undefined) return '';
  if (typeof value !== 'string' || /\s/.test(value.trim()) || value.trim().length < 8) {
    issue(name, 'must be a single API token (no spaces, at least 8 characters)');
    return '';
  }
  return value.trim();
}

function privateKeyAt(value: unknown, name: string, issue: Issue): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? value.trim() : '';
  const pem = /^-----BEGIN ((?:OPENSSH|RSA|EC|DSA) )?PRIVATE KEY-----\n[\s\S]+\n-----END \1?PRIVATE KEY-----$/;
  if (!pem.test(text.replace(/\r\n/g, '\n'))) {
    const looksPublic = /^(ssh-|ecdsa-|sk-)/.test(text);
    issue(
      name,
      looksPublic
        ? 'this is a public key; set the private key: `pulumi config set --secret ' + name + ' < ~/.ssh/id_ed25519`'
        : 'must be a private key in OpenSSH or PEM format: `pulumi config set --secret ' + name + ' < ~/.ssh/id_ed25519`',
    );
    return '';
  }
  if (/ENCRYPTED|Proc-Type: 4,ENCRYPTED/.test(text) || isEncryptedOpenSsh(text)) {
    issue(name, 'is passphrase-protected; Docker over ssh:// cannot prompt for it: use a dedicated key without a passphrase');
    return '';
  }
  return `${text.replace(/\r\n/g, '\n')}\n`;
}

/** OpenSSH keys name their cipher after the magic: `none` means no passphrase. */
function isEncryptedOpenSsh(text: string): boolean {
  if (!text.includes('BEGIN OPENSSH PRIVATE KEY')) return false;
  const body = text.split('\n').filter((l) => !l.startsWith('-----')).join('');
  const bytes = Buffer.from(body, 'base64');
  const magic = 'openssh-key-v1\0';
  if (bytes.subarray(0, magic.length).toString('latin1') !== magic) return false;
  const len = bytes.readUInt32BE(magic.length);
  return bytes.subarray(magic.length + 4, magic.length + 4 + len).toString('latin1') !== 'none';
}

function serverSecretsAt(value: unknown, issue: Issue): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    issue('serverSecrets', 'must be a mapping of environment variable names to values');
    return {};
  }
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (!ENV_NAME.test(name)) issue(`serverSecrets.${name}`, 'is not an environment variable name (A-Z, 0-9, _)');
    else if ((MANAGED_SERVER_ENV as readonly string[]).includes(name)) issue(`serverSecrets.${name}`, 'is set by the program itself; configure it through vm / server instead');
    else if (typeof v !== 'string') issue(`serverSecrets.${name}`, 'must be a string');
    else out[name] = v;
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
