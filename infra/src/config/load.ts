/**
 * The stack config: read once at the start of the program, validated whole, every problem
 * reported with its full key (`booxstream:vm.sshUser`), frozen. Pure: it reads from a
 * `ConfigSource` (the Pulumi runtime in index.ts, a plain map in tests) and `ProjectFiles`, and
 * returns plain values; index.ts wraps the secrets in `pulumi.secret`.
 */
import { type ConfigIssue, deepFreeze, prefixIssues, validate, type z } from '@booxstream/config-kit';
import { planAppDeployment, type Gateway, type ProtectedApp } from '@booxstream/gateway';
import { parseHardening, type HardeningConfig } from '../hardening-config.js';
import { parseObservability, type ObservabilityConfig } from '../observability-config.js';
import { adoptAt } from '../adopt-config.js';
import { ConfigError } from '../errors.js';
import { AUTHENTIK_URL_SCHEMA, CLOUDFLARE_SCHEMA, type CloudflareConfig } from './apis.js';
import { readGatewayFile } from './gateway-file.js';
import { gatewayAddressProblem, GATEWAY_HOST_SCHEMA, type GatewayHostConfig, VM_SCHEMA, type VmConfig } from './hosts.js';
import { type ConfigKey, type ConfigSource, fullKey, type ProjectFiles, readKey, unknownKeys } from './keys.js';
import { API_TOKEN_SCHEMA, privateKeySchema, SERVER_SECRETS_SCHEMA, type StackSecrets } from './secrets.js';
import { placeServer, SERVER_SCHEMA, type ServerSettings } from './server.js';

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
  readonly secrets: StackSecrets;
  /** Hostnames whose DNS record may be taken over though it points elsewhere (`adopt-config.ts`). */
  readonly adopt: readonly string[];
  /** Monitoring and backups on the VM (observability-config.ts). */
  readonly observability: ObservabilityConfig;
  /** The hardened-host layer, when `hardening` is set (see hardening-config.ts). */
  readonly hardening?: HardeningConfig;
}

/**
 * Reads and validates the whole stack config.
 * @throws ConfigError listing every problem, each with its full key.
 */
export function loadStackConfig(source: ConfigSource, files: ProjectFiles): StackConfig {
  const issues: ConfigIssue[] = unknownKeys(source);

  /** The key's value checked against its schema; undefined when unset or invalid (reported). */
  const read = <S extends z.ZodType>(name: ConfigKey, schema: S, whenUnset?: unknown): z.output<S> | undefined => {
    const raw = readKey(source, name, issues) ?? whenUnset;
    if (raw === undefined) return undefined;
    const result = validate(schema, raw);
    if (result.ok) return result.value;
    issues.push(...prefixIssues(fullKey(name), result.issues));
    return undefined;
  };

  const gatewayFile = readKey(source, 'gatewayFile', issues);
  const gateway = typeof gatewayFile === 'string' ? readGatewayFile(files, gatewayFile, issues) : undefined;
  const cloudflare = read('cloudflare', CLOUDFLARE_SCHEMA);
  const authentikUrl = read('authentikUrl', AUTHENTIK_URL_SCHEMA);
  const gatewayHost = read('gatewayHost', GATEWAY_HOST_SCHEMA);
  // Checked on the value as written, even when another gatewayHost field is wrong.
  const address = rawField(source, 'gatewayHost', 'address');
  const addressProblem = typeof address === 'string' && address.trim() !== '' ? gatewayAddressProblem(address) : undefined;
  if (addressProblem) issues.push({ path: fullKey('gatewayHost.address'), message: addressProblem });
  const vm = read('vm', VM_SCHEMA);
  const server = read('server', SERVER_SCHEMA, {});
  const placement = gateway && server ? placeServer(gateway, server, vm, issues) : undefined;

  const secrets = {
    cloudflareApiToken: read('cloudflareApiToken', API_TOKEN_SCHEMA),
    authentikToken: read('authentikToken', API_TOKEN_SCHEMA),
    gatewaySshPrivateKey: read('gatewaySshPrivateKey', privateKeySchema('gatewaySshPrivateKey')),
    vmSshPrivateKey: read('vmSshPrivateKey', privateKeySchema('vmSshPrivateKey')),
    serverSecrets: read('serverSecrets', SERVER_SECRETS_SCHEMA, {}),
    crowdsecBouncerKey: read('crowdsecBouncerKey', API_TOKEN_SCHEMA),
  };

  // The layers that read their keys themselves report with the same issue shape.
  const issue = (key: string, message: string): void => {
    issues.push({ path: fullKey(key), message });
  };
  const adopt = adoptAt(readKey(source, 'adopt', issues), gateway, issue);
  const observability = parseObservability(readKey(source, 'monitoring', issues), readKey(source, 'backup', issues), readKey(source, 'resticPassword', issues), issue);
  if (gateway?.ids !== undefined && secrets.crowdsecBouncerKey === undefined) {
    issue('crowdsecBouncerKey', 'required because the gateway model declares ids: `pulumi config set --secret crowdsecBouncerKey "$(openssl rand -hex 32)"`');
  }
  const factsValid = issues.length === 0;
  const hardening = parseHardening(
    readKey(source, 'hardening', issues),
    {
      gatewayAddress: gatewayHost?.address ?? '',
      gatewaySshPort: gatewayHost?.sshPort ?? 22,
      vmSshPort: vm?.sshPort ?? 22,
      serverHttpPort: placement?.serverHttpPort ?? 0,
      devicePort: vm?.devicePort ?? 0,
      dataVolume: vm?.dataVolume ?? '',
      traefikConfigDir: gateway?.traefik.configDir ?? '/opt/traefik/config',
      deployedPorts: factsValid && gateway && vm ? deployedPorts(gateway, vm.address) : [],
    },
    factsValid,
    issue,
  );

  const [first, ...rest] = issues;
  if (first) throw new ConfigError([first, ...rest]);
  // No issue means every required value above was read and valid.
  return deepFreeze({
    gateway: gateway!,
    cloudflare: cloudflare!,
    authentikUrl: authentikUrl!,
    gatewayHost: gatewayHost!,
    vm: vm!,
    server: server!,
    serverApp: placement!.serverApp,
    serverHttpPort: placement!.serverHttpPort,
    secrets: withoutUnset(secrets) as unknown as StackSecrets,
    adopt,
    observability,
    ...(hardening !== undefined ? { hardening } : {}),
  });
}

/** The secrets without the optional ones left unset (no `key: undefined` in the frozen config). */
function withoutUnset(secrets: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(secrets).filter(([, v]) => v !== undefined));
}

/** Every host port the model's deployed apps publish on the VM, named `<container>-<port>`. */
function deployedPorts(gateway: Gateway, vmAddress: string): { name: string; port: number }[] {
  return gateway.apps.flatMap((app) =>
    app.deploy
      ? planAppDeployment(app, app.deploy, vmAddress).containers.flatMap((c) =>
        c.ports.map((p) => ({ name: `${c.name}-${p.external}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 31), port: p.external })))
      : [],
  );
}

/** A field of a structured key as written, when the key failed validation as a whole. */
function rawField(source: ConfigSource, name: ConfigKey, field: string): unknown {
  try {
    const value = JSON.parse(source.get(fullKey(name)) ?? 'null') as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[field] : undefined;
  } catch {
    return undefined;
  }
}
