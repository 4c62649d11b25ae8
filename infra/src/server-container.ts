/**
 * The BooxStream server container, as plain values: its environment and every Docker setting
 * (ports, volume, health check, hardening from seed 002's "Container hardening" layer). Pure;
 * the BooxStreamVm component only hands this to `docker.Container`.
 */
import { CONTAINER_HARDENING } from '@booxstream/gateway';
import { CROWDSEC_PROGRAMS, RELAY_SYSLOG_PORT } from '@booxstream/gateway';
import type { StackConfig } from './config.js';

/** Where the image keeps the built web app (apps/server/Dockerfile). */
export const IMAGE_WEB_ROOT = '/app/web';
/** DATA_DIR inside the container; the named volume is mounted here. */
export const CONTAINER_DATA_DIR = '/data';
/** `node` in the official Node images: the Dockerfile's USER. */
export const CONTAINER_USER = CONTAINER_HARDENING.user;

/** The server's environment (apps/server/src/config.ts reads these names), without secrets. */
export function serverEnvironment(cfg: StackConfig): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '0.0.0.0',
    PORT: String(cfg.serverHttpPort),
    // DEVICE_PORT=0 is the server's "off".
    DEVICE_PORT: String(cfg.vm.devicePort),
    DATA_DIR: CONTAINER_DATA_DIR,
    WEB_ROOT: IMAGE_WEB_ROOT,
    // Identity headers are believed from the gateway (Traefik) only. Docker's published ports
    // keep the client address (iptables DNAT), so the gateway's LAN address is what the
    // server sees.
    TRUSTED_PROXIES: `${cfg.gatewayHost.address}/${cfg.gatewayHost.address.includes(':') ? 128 : 32}`,
    ADMIN_GROUPS: cfg.server.adminGroups.join(','),
    DEVICE_APPROVAL: cfg.server.deviceApproval,
    LOG_LEVEL: cfg.server.logLevel,
  };
}

/** `["K=V", …]` in a stable order (Docker compares envs as a list: order churn would replace). */
export function envList(env: Record<string, string>): string[] {
  return Object.keys(env)
    .sort()
    .map((k) => `${k}=${env[k]}`);
}

/**
 * The health check Docker runs inside the container. The slim image has no curl: Node's own
 * fetch, with a timeout, exit 0 only on a 2xx.
 */
export function healthcheckCommand(port: number): string[] {
  const script =
    `fetch('http://127.0.0.1:${port}/healthz',{signal:AbortSignal.timeout(4000)})` +
    `.then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`;
  return ['CMD', 'node', '-e', script];
}

/** Everything of `docker.ContainerArgs` except `image` and the volume name (resource outputs). */
export interface ServerContainerSpec {
  name: string;
  user: string;
  restart: 'unless-stopped';
  readOnly: true;
  tmpfs: Record<string, string>;
  capabilities: { drops: string[] };
  securityOpts: string[];
  init: true;
  memory: number;
  /** Published on the VM's LAN address only (`ip`), never on every interface. */
  ports: { internal: number; external: number; ip: string; protocol: 'tcp' }[];
  volumeContainerPath: string;
  healthcheck: { tests: string[]; interval: string; timeout: string; startPeriod: string; retries: number };
  logDriver: 'json-file' | 'syslog';
  logOpts: Record<string, string>;
  /** Pulumi waits for "healthy" before the update counts as done. */
  wait: true;
  waitTimeout: number;
  /** Seconds Docker waits after SIGTERM: the server closes sockets with 1001 and SQLite cleanly. */
  stopTimeout: number;
  destroyGraceSeconds: number;
}

/**
 * Bounded local logs; with the IDS layer, the relay's log also goes to the gateway's CrowdSec
 * over syslog (Docker keeps a local copy for `docker logs`, its "dual logging").
 */
function serverLogging(cfg: StackConfig): Pick<ServerContainerSpec, 'logDriver' | 'logOpts'> {
  if (cfg.gateway.ids === undefined) return { logDriver: 'json-file', logOpts: { 'max-size': '10m', 'max-file': '3' } };
  const host = cfg.gatewayHost.address.includes(':') ? `[${cfg.gatewayHost.address}]` : cfg.gatewayHost.address;
  return {
    logDriver: 'syslog',
    logOpts: { 'syslog-address': `udp://${host}:${RELAY_SYSLOG_PORT}`, 'syslog-format': 'rfc5424', tag: CROWDSEC_PROGRAMS.relay },
  };
}

export function serverContainerSpec(cfg: StackConfig): ServerContainerSpec {
  // Docker publishes on 0.0.0.0 unless told otherwise: a VM with another interface (a VPN, a
  // second LAN) would expose the server there too.
  const ip = cfg.vm.address;
  const ports: ServerContainerSpec['ports'] = [{ internal: cfg.serverHttpPort, external: cfg.serverHttpPort, ip, protocol: 'tcp' }];
  if (cfg.vm.devicePort !== 0) ports.push({ internal: cfg.vm.devicePort, external: cfg.vm.devicePort, ip, protocol: 'tcp' });
  return {
    name: cfg.vm.containerName,
    user: CONTAINER_USER,
    restart: 'unless-stopped',
    // The hardening every deployed container gets (CONTAINER_HARDENING), with one difference
    // that makes it stricter: the server writes nowhere but its data volume and /tmp, so it
    // gets no /var/tmp tmpfs.
    readOnly: CONTAINER_HARDENING.readOnly,
    tmpfs: { '/tmp': CONTAINER_HARDENING.tmpfs['/tmp'] },
    capabilities: { drops: [...CONTAINER_HARDENING.dropCapabilities] },
    securityOpts: [...CONTAINER_HARDENING.securityOpts],
    init: true,
    memory: cfg.vm.memoryMb,
    ports,
    volumeContainerPath: CONTAINER_DATA_DIR,
    healthcheck: { tests: healthcheckCommand(cfg.serverHttpPort), interval: '30s', timeout: '5s', startPeriod: '15s', retries: 3 },
    ...serverLogging(cfg),
    wait: true,
    waitTimeout: 120,
    stopTimeout: 20,
    destroyGraceSeconds: 30,
  };
}
