/**
 * The stack's keys: which exist, which are secret, required or structured, and reading one raw
 * value from the Pulumi runtime (or a map in tests) with the problems reading can find. Every
 * key is documented in README.md and Pulumi.example.yaml.
 */
import { type ConfigIssue, nearestKey } from '@booxstream/config-kit';

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

/** The files the config names (the gateway model file), read relative to the Pulumi project directory. */
export interface ProjectFiles {
  readFile(relativePath: string): string;
}

interface KeySpec {
  readonly secret: boolean;
  readonly required: boolean;
  readonly structured: boolean;
  readonly doc: string;
}

/** Every key of the `booxstream:` namespace. Anything else in that namespace is a typo. */
export const CONFIG_KEYS = {
  gatewayFile: {
    secret: false,
    required: true,
    structured: false,
    doc: 'path of the gateway model file (apps, tunnel, Traefik, authentik), relative to infra/: packages/gateway/examples/home.gateway.yaml or your copy',
  },
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
  crowdsecBouncerKey: { secret: true, required: false, structured: false, doc: "the CrowdSec bouncer's API key (e.g. `openssl rand -hex 32`); required when the gateway model declares ids" },
  adopt: { secret: false, required: false, structured: true, doc: 'app hostnames whose existing DNS record may be taken over (restored on destroy), e.g. [booxstream.kevinvdb.dev]' },
  hardening: { secret: false, required: false, structured: true, doc: '{ lan: [CIDR…], rollbackSeconds }: firewall, SSH jail, sysctl and audit rules on the VM and the gateway (opt-in)' },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;

/** `vm` → `booxstream:vm`. */
export const fullKey = (name: string): string => `${PROJECT}:${name}`;

/** Keys set in our namespace that we do not read: typos that would otherwise leave a default in place. */
export function unknownKeys(source: ConfigSource): ConfigIssue[] {
  const known = Object.keys(CONFIG_KEYS);
  return source
    .keys()
    .filter((full) => full.startsWith(`${PROJECT}:`) && !Object.hasOwn(CONFIG_KEYS, full.slice(PROJECT.length + 1)))
    .map((full) => {
      const suggestion = nearestKey(full.slice(PROJECT.length + 1), known);
      return { path: full, message: `unknown key (known: ${known.join(', ')})`, ...(suggestion !== undefined ? { suggestion } : {}) };
    });
}

/**
 * One key's value: undefined when unset (reported if required, with the command that sets it),
 * JSON-parsed when structured; a secret set in plain text is reported.
 */
export function readKey(source: ConfigSource, name: ConfigKey, issues: ConfigIssue[]): unknown {
  const spec: KeySpec = CONFIG_KEYS[name];
  const value = source.get(fullKey(name));
  if (value === undefined || value === '') {
    if (spec.required) {
      const flags = `${spec.secret ? '--secret ' : ''}${spec.structured ? '--path ' : ''}`;
      issues.push({ path: fullKey(name), message: `required: ${spec.doc}; set it with \`pulumi config set ${flags}${name} …\`` });
    }
    return undefined;
  }
  if (spec.secret && source.isSecret(fullKey(name)) === false) {
    issues.push({ path: fullKey(name), message: `must be set as a secret: \`pulumi config set --secret ${name} …\` (it is stored in plain text now)` });
  }
  if (!spec.structured) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    issues.push({ path: fullKey(name), message: 'must be structured (YAML mapping in the stack file, or JSON text)' });
    return undefined;
  }
}
