/** The BooxStream server's settings, and how they must agree with the gateway model and the VM. */
import { isIP } from 'node:net';
import { type ConfigIssue, z } from '@booxstream/config-kit';
import type { Gateway, ProtectedApp } from '@booxstream/gateway';
import { deployedAppsIssues } from '../deployed-apps-config.js';
import { groupNames, text } from './fields.js';
import { fullKey } from './keys.js';
import type { VmConfig } from './hosts.js';

export type DeviceApproval = 'manual' | 'auto';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const satisfies readonly LogLevel[];

export const SERVER_SCHEMA = z.strictObject({
  /** Name of the gateway app the server is (its upstream gives the HTTP port). */
  app: text().default('booxstream'),
  /** authentik groups whose members administer devices (ADMIN_GROUPS). */
  adminGroups: groupNames.default(() => ['authentik Admins']),
  /** DEVICE_APPROVAL. */
  deviceApproval: z.enum(['manual', 'auto']).default('manual'),
  /** LOG_LEVEL. */
  logLevel: z.enum(LOG_LEVELS).default('info'),
});
export type ServerSettings = Readonly<z.output<typeof SERVER_SCHEMA>>;

export interface ServerPlacement {
  /** The gateway app the server container serves. */
  readonly serverApp: ProtectedApp;
  /** Port of the server's HTTP listener, from that app's upstream. */
  readonly serverHttpPort: number;
}

/**
 * The gateway app the server is, its HTTP port, and the problems when the VM disagrees with
 * that app's upstream (Traefik would proxy elsewhere) or the device port takes the HTTP port.
 */
export function placeServer(gateway: Gateway, server: ServerSettings, vm: VmConfig | undefined, issues: ConfigIssue[]): ServerPlacement | undefined {
  const serverApp = gateway.apps.find((a) => a.name === server.app);
  if (!serverApp) {
    issues.push({
      path: fullKey('server.app'),
      message: `no app named ${JSON.stringify(server.app)} in gateway.apps (have: ${gateway.apps.map((a) => a.name).join(', ')})`,
    });
    return undefined;
  }
  const upstream = new URL(serverApp.upstream);
  const serverHttpPort = Number(upstream.port || (upstream.protocol === 'https:' ? 443 : 80));
  const upstreamHost = upstream.hostname.replace(/^\[|\]$/g, '');
  if (vm && vm.address && isIP(vm.address) === 0) {
    issues.push({ path: fullKey('vm.address'), message: `${vm.address} must be the VM's LAN IP address: the server's ports are published on it only` });
  } else if (vm && isIP(upstreamHost) !== 0 && isIP(vm.address) !== 0 && upstreamHost !== vm.address) {
    issues.push({
      path: fullKey('vm.address'),
      message: `${vm.address} differs from the host of gateway app '${serverApp.name}' upstream (${serverApp.upstream}): Traefik would proxy elsewhere`,
    });
  }
  if (vm && vm.devicePort !== 0 && vm.devicePort === serverHttpPort) {
    issues.push({ path: fullKey('vm.devicePort'), message: `${vm.devicePort} is also the HTTP port of ${serverApp.upstream}` });
  }
  if (vm) {
    const taken = new Map<number, string>([[serverHttpPort, 'the BooxStream server']]);
    if (vm.devicePort !== 0) taken.set(vm.devicePort, 'the device port (vm.devicePort)');
    for (const i of deployedAppsIssues(gateway.apps, vm.address, taken)) issues.push({ ...i, path: fullKey(i.path) });
  }
  return { serverApp, serverHttpPort };
}
