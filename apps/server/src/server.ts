/**
 * `startServer`: wires config, SQLite, the relay, the HTTP app and the
 * relay's WebSocket upgrades onto one HTTP server (plus the optional LAN device port).
 * Never reads `process.env`.
 */
import { createServer, type Server } from 'node:http';
import { WebSocket } from 'ws';
import { resolveConfig, type ServerConfig } from './config.js';
import { AuditLog } from './db/audit.js';
import { openDatabase } from './db/database.js';
import { DatabaseReadiness } from './db/health.js';
import { DeviceStore } from './db/devices.js';
import { normalizeUuid } from './device-access.js';
import { HttpError } from './errors.js';
import { HostActions } from './host-actions.js';
import { createApp } from './http/app.js';
import { TokenBucketLimiter } from './http/rate-limit.js';
import { IdentityResolver } from './identity/identity.js';
import { TrustedProxies } from './identity/trusted-proxy.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { PendingExpiry } from './pending-expiry.js';
import { Hub, type HostRelayStats } from './relay/hub.js';
import { patchMethod } from './relay/patch-encoder.js';
import { RelayUpgrades } from './relay/upgrades.js';
import { HistoryStore } from './history/history-store.js';
import { sharePages, shareStreamGate } from './shares/share-gate.js';
import { ShareHub } from './shares/share-hub.js';
import { ShareStore } from './shares/share-store.js';

export interface RunningServer {
  /** Base URL of the HTTP port, e.g. `http://127.0.0.1:43123` (API, viewer WS, `/android-ws`, web app). */
  readonly url: string;
  readonly port: number;
  /** LAN device WebSocket port (root path), or null when off. */
  readonly devicePort: number | null;
  /** The frozen config in force. */
  readonly config: ServerConfig;
  /** What an admin's `POST /api/hosts/:uuid/approve` does; `owner` becomes the device's owner. Throws if the uuid is unknown. */
  approveDevice(uuid: string, owner: string): void;
  /** The relay's own accounting for a host (frames, per-viewer buffered bytes); null if it has no channel. */
  relayStats(uuid: string): HostRelayStats | null;
  /** Resolves once every distinct frame received so far is in the on-disk history. */
  flushHistory(): Promise<void>;
  /** Graceful: stop accepting, close sockets with 1001, close SQLite. Idempotent. */
  close(): Promise<void>;
}

/** How long `close()` waits for peers to answer the close handshake before cutting them off. */
const CLOSE_GRACE_MS = 2000;
/**
 * History segments: a sixteenth of the per-device budget (at most 8 MiB), so
 * pruning one forgets little, and at least 64 KiB, so files stay few.
 */
function historySegmentBytes(maxBytesPerHost: number): number {
  return Math.max(64 * 1024, Math.min(8 * 1024 * 1024, Math.floor(maxBytesPerHost / 16)));
}
/** History frames waiting for the disk; past this, frames are left out of the history (counted). */
const HISTORY_MAX_QUEUED_BYTES = 16 * 1024 * 1024;
const HISTORY_PRUNE_INTERVAL_MS = 10 * 60_000;
/** History writes go out once a second: one wake-up and one writev per device, not one per frame. */
const HISTORY_BATCH_MS = 1000;
/** Share page loads and stream opens per client address. */
const SHARE_RATE_PER_MINUTE = 30;
const SHARE_BURST = 10;

/** Starts the server: defaults from `DEFAULTS`, then `overrides`. */
export async function startServer(overrides: Partial<ServerConfig> = {}): Promise<RunningServer> {
  const config = resolveConfig(overrides);
  const logger = createLogger(config);
  const db = openDatabase(config.dataDir);
  const devices = new DeviceStore(db);
  const audit = new AuditLog(db);
  const proxies = new TrustedProxies(config.trustedProxies);
  const identities = new IdentityResolver(config, proxies);
  let hub: Hub | null = null;
  const shares = new ShareStore(db);
  const shareHub = new ShareHub();
  const metrics = createMetrics({
    hostCounts: () => devices.countsByStatus(),
    streamingHosts: () => hub?.streamingCount ?? 0,
    viewers: () => hub?.viewerCount ?? 0,
    devices: () => hub?.deviceSocketCount ?? 0,
  });
  const history = new HistoryStore(db, config.dataDir, {
    maxBytesPerHost: config.historyMaxBytesPerHost,
    maxAgeMs: config.historyMaxAgeHours * 3_600_000,
    segmentBytes: historySegmentBytes(config.historyMaxBytesPerHost),
    maxQueuedBytes: HISTORY_MAX_QUEUED_BYTES,
    batchMs: HISTORY_BATCH_MS,
  }, {
    onStored: (bytes) => {
      metrics.historyStored.inc();
      metrics.historyBytesStored.inc(bytes);
    },
    onDropped: (reason) => metrics.historyDropped.inc({ reason }),
  });
  const historyPrune = setInterval(() => {
    history.pruneByAge().catch((err: unknown) => logger.error({ err: (err as Error).message }, 'history prune failed'));
  }, HISTORY_PRUNE_INTERVAL_MS).unref();
  const relay = new Hub({
    devices,
    audit,
    metrics,
    logger,
    device: {
      authTimeoutMs: config.authTimeoutMs,
      messageRate: config.deviceMessageRate,
      rejectRate: config.deviceRejectRate,
      maxQueuedBytes: config.deviceMaxQueuedBytes,
      preAuthMaxBytes: config.preAuthMaxBytes,
    },
    viewerMaxBufferedBytes: config.viewerMaxBufferedBytes,
    viewerMaxQueuedBytes: config.viewerMaxQueuedBytes,
    viewerMessageRate: config.viewerMessageRate,
    deviceCoolDownMs: config.deviceCoolDownMs,
    maxUnauthenticatedPerAddress: config.maxUnauthenticatedPerAddress,
    maxUnauthenticated: config.maxUnauthenticated,
    maxViewersPerHost: config.maxViewersPerHost,
    pingIntervalMs: config.pingIntervalMs,
    statsIntervalMs: config.statsIntervalMs,
    patchMethod: config.patchMethod,
    auditLimiter: new TokenBucketLimiter(30, 10),
    onDistinctFrame: history.enabled ? (uuid, jpeg, at) => history.record(uuid, jpeg, at) : undefined,
  });
  hub = relay;
  const actions = new HostActions(devices, audit, relay, logger);
  actions.onDelete((uuid) => {
    history.deleteHost(uuid).catch((err: unknown) => logger.error({ err: (err as Error).message }, 'could not delete history'));
  });
  const shareGateDeps = {
    webRoot: config.webRoot, shares, shareHub, devices, hub: relay, proxies,
    limiter: new TokenBucketLimiter(SHARE_RATE_PER_MINUTE, SHARE_BURST),
  };
  const acceptShare = shareStreamGate(shareGateDeps, config.maxViewersPerHost);
  const expiry = new PendingExpiry(devices, audit, logger, config.pendingDeviceTtlMs, (uuid) => relay.onDeleted(uuid));
  const app = createApp({
    config,
    db,
    readiness: new DatabaseReadiness(db),
    devices,
    audit,
    proxies,
    identities,
    actions,
    hub: relay,
    metrics,
    logger,
    limiter: new TokenBucketLimiter(config.registerRatePerMinute, config.registerBurst),
    history,
    shares,
    shareHub,
    maxViewersPerHost: config.maxViewersPerHost,
    sharePages: sharePages(shareGateDeps),
  });

  const upgrades = new RelayUpgrades({ config, devices, identities, proxies, metrics, hub: relay, shareStream: acceptShare });
  const server = createServer({ headersTimeout: 20_000, requestTimeout: 30_000 }, app);
  server.on('upgrade', upgrades.onHttpPort);

  let deviceServer: Server | null = null;
  if (config.devicePort !== null) {
    deviceServer = createServer({ headersTimeout: 20_000, requestTimeout: 30_000 }, (_req, res) => {
      res.writeHead(426, { 'Content-Type': 'application/json', Upgrade: 'websocket', Connection: 'Upgrade' });
      res.end(JSON.stringify(new HttpError(426, 'HTTP_ERR_UPGRADE_REQUIRED', 'This port only takes the device WebSocket (the BooxStream app connects here on a LAN).').toJSON()));
    });
    deviceServer.on('upgrade', upgrades.onDevicePort);
  }

  let closed: Promise<void> | null = null;
  const shutdown = async (): Promise<void> => {
    upgrades.stopAccepting();
    expiry.stop();
    server.close();
    deviceServer?.close();
    server.closeIdleConnections();
    deviceServer?.closeIdleConnections();
    relay.close();
    shareHub.close();
    clearInterval(historyPrune);
    const deadline = Date.now() + CLOSE_GRACE_MS;
    while (relay.openSockets().some((ws) => ws.readyState !== WebSocket.CLOSED) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const ws of relay.openSockets()) ws.terminate();
    server.closeAllConnections();
    deviceServer?.closeAllConnections();
    await history.close();
    db.close();
    logger.info('server stopped');
    logger.flush();
  };

  try {
    await listen(server, config.port, config.host, 'PORT');
    if (deviceServer) await listen(deviceServer, config.devicePort!, config.host, 'DEVICE_PORT');
  } catch (err) {
    server.close();
    deviceServer?.close();
    relay.close();
    clearInterval(historyPrune);
    await history.close();
    expiry.stop();
    db.close();
    throw err;
  }

  const port = (server.address() as { port: number }).port;
  const devicePort = deviceServer ? (deviceServer.address() as { port: number }).port : null;
  const url = `http://${urlHost(config.host)}:${port}`;
  const patches = patchMethod(config.patchMethod);
  logger.info({ port, devicePort, host: config.host, approval: config.deviceApproval, dev: config.devUser !== null, patches: `${patches.method} (${patches.reason})` }, 'server listening');

  return {
    url,
    port,
    devicePort,
    config,
    approveDevice(uuid: string, owner: string): void {
      const u = normalizeUuid(uuid);
      if (u === null) throw new HttpError(400, 'HTTP_ERR_INVALID_FIELD', 'approveDevice: not a UUID', 'uuid');
      actions.approve(u, owner);
    },
    relayStats: (uuid) => relay.relayStats(uuid.toLowerCase()),
    flushHistory: () => history.flush(),
    close(): Promise<void> {
      closed ??= shutdown();
      return closed;
    },
  };
}

function listen(server: Server, port: number, host: string, variable: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(new Error(`${variable}: cannot listen on ${host}:${port} (${err.code ?? err.message})`));
    };
    server.once('error', onError);
    server.listen({ port, host }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
