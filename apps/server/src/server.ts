/**
 * `startServer`: wires config, SQLite, the relay, the HTTP app and the
 * WebSocket upgrades onto one HTTP server (plus the optional LAN device port).
 * Never reads `process.env`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode } from '@booxstream/protocol';
import { WebSocketServer } from 'ws';
import { resolveConfig, type ServerConfig } from './config.js';
import { AuditLog } from './db/audit.js';
import { openDatabase } from './db/database.js';
import { DeviceStore } from './db/devices.js';
import { HttpError } from './errors.js';
import { HostActions, normalizeUuid } from './host-actions.js';
import { canSee } from './http/api-hosts.js';
import { createApp } from './http/app.js';
import { TokenBucketLimiter } from './http/rate-limit.js';
import { IdentityResolver, identityFailureMessage } from './identity/identity.js';
import { TrustedProxies } from './identity/trusted-proxy.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { Hub, type HostRelayStats } from './relay/hub.js';

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
  /** Graceful: stop accepting, close sockets with 1001, close SQLite. Idempotent. */
  close(): Promise<void>;
}

/** How long `close()` waits for peers to answer the close handshake before cutting them off. */
const CLOSE_GRACE_MS = 2000;
/** Viewers send nothing the server reads; anything big is abuse. */
const VIEWER_MAX_PAYLOAD = 4096;

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
  const metrics = createMetrics({
    hostCounts: () => devices.countsByStatus(),
    streamingHosts: () => hub?.streamingCount ?? 0,
    viewers: () => hub?.viewerCount ?? 0,
    devices: () => hub?.deviceSocketCount ?? 0,
  });
  const relay = new Hub({
    devices,
    audit,
    metrics,
    logger,
    authTimeoutMs: config.authTimeoutMs,
    viewerMaxBufferedBytes: config.viewerMaxBufferedBytes,
    maxViewersPerHost: config.maxViewersPerHost,
    pingIntervalMs: config.pingIntervalMs,
    statsIntervalMs: config.statsIntervalMs,
    auditLimiter: new TokenBucketLimiter(30, 10),
  });
  hub = relay;
  const actions = new HostActions(devices, audit, relay, logger);
  const app = createApp({
    config,
    db,
    devices,
    audit,
    proxies,
    identities,
    actions,
    hub: relay,
    metrics,
    logger,
    limiter: new TokenBucketLimiter(config.registerRatePerMinute, config.registerBurst),
  });

  const deviceWss = new WebSocketServer({
    noServer: true,
    maxPayload: config.maxMessageBytes,
    skipUTF8Validation: true,
    perMessageDeflate: false,
    clientTracking: false,
  });
  // Viewers send only acks (ASCII); their text is never passed on, so UTF-8 validation per ack buys nothing.
  const viewerWss = new WebSocketServer({
    noServer: true,
    maxPayload: VIEWER_MAX_PAYLOAD,
    skipUTF8Validation: true,
    perMessageDeflate: false,
    clientTracking: false,
  });

  const acceptDevice = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    deviceWss.handleUpgrade(req, socket, head, (ws) => {
      relay.addDevice(ws, proxies.clientAddress(req.socket.remoteAddress, req.headers));
    });
  };

  const acceptViewer = (req: IncomingMessage, socket: Duplex, head: Buffer, rawUuid: string): void => {
    const who = identities.resolve(req.socket.remoteAddress, req.headers);
    if (!who.ok) return rejectUpgrade(socket, new HttpError(401, 'AUTH_ERR_UNAUTHENTICATED', identityFailureMessage(who.reason)));
    if (!sameOrigin(req)) return rejectUpgrade(socket, new HttpError(403, 'AUTH_ERR_BAD_ORIGIN', 'The page that opened this WebSocket is not served by this server.'));
    const uuid = normalizeUuid(decodeURIComponentSafe(rawUuid));
    if (uuid === null) return rejectUpgrade(socket, new HttpError(400, 'HTTP_ERR_INVALID_FIELD', 'The uuid in the path is not a UUID.', 'uuid'));
    const row = devices.get(uuid);
    if (!row) return rejectUpgrade(socket, new HttpError(404, 'HOST_ERR_NOT_FOUND', 'No device with this uuid is registered.', 'uuid'));
    if (!canSee(who.identity, row)) return rejectUpgrade(socket, new HttpError(403, 'HOST_ERR_FORBIDDEN', 'This device belongs to someone else.', 'uuid'));
    if (relay.isFull(uuid)) {
      return rejectUpgrade(socket, new HttpError(429, 'HOST_ERR_TOO_MANY_VIEWERS', `This device already has ${config.maxViewersPerHost} viewers.`));
    }
    viewerWss.handleUpgrade(req, socket, head, (ws) => {
      // The device may have been deleted, or the host filled, while the handshake ran.
      const current = devices.get(uuid);
      if (!current) return ws.close(CloseCode.NotFound, 'host removed');
      if (relay.isFull(uuid)) return ws.close(CloseCode.TooManyViewers, 'too many viewers');
      relay.addViewer(ws, current, who.identity);
    });
  };

  const server = createServer({ headersTimeout: 20_000, requestTimeout: 30_000 }, app);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    if (closing) return rejectUpgrade(socket, new HttpError(503, 'SERVER_ERR_NOT_READY', 'The server is shutting down.'));
    const path = pathnameOf(req.url);
    if (path === '/android-ws') return acceptDevice(req, socket, head);
    const m = /^\/api\/hosts\/([^/]+)\/stream$/.exec(path);
    if (m) return acceptViewer(req, socket, head, m[1]!);
    rejectUpgrade(socket, new HttpError(404, 'HTTP_ERR_NOT_FOUND', `No WebSocket endpoint at ${path}.`));
  });

  let deviceServer: Server | null = null;
  if (config.devicePort !== null) {
    deviceServer = createServer({ headersTimeout: 20_000, requestTimeout: 30_000 }, (_req, res) => {
      res.writeHead(426, { 'Content-Type': 'application/json', Upgrade: 'websocket', Connection: 'Upgrade' });
      res.end(JSON.stringify(new HttpError(426, 'HTTP_ERR_UPGRADE_REQUIRED', 'This port only takes the device WebSocket (the BooxStream app connects here on a LAN).').toJSON()));
    });
    deviceServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => undefined);
      if (closing) return rejectUpgrade(socket, new HttpError(503, 'SERVER_ERR_NOT_READY', 'The server is shutting down.'));
      const path = pathnameOf(req.url);
      if (path === '/' || path === '/android-ws') return acceptDevice(req, socket, head);
      rejectUpgrade(socket, new HttpError(404, 'HTTP_ERR_NOT_FOUND', `The device WebSocket is at the root path, not ${path}.`));
    });
  }

  let closing = false;
  let closed: Promise<void> | null = null;
  const shutdown = async (): Promise<void> => {
    closing = true;
    server.close();
    deviceServer?.close();
    server.closeIdleConnections();
    deviceServer?.closeIdleConnections();
    relay.close();
    const deadline = Date.now() + CLOSE_GRACE_MS;
    while (relay.openSockets().some((ws) => ws.readyState !== ws.CLOSED) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const ws of relay.openSockets()) ws.terminate();
    server.closeAllConnections();
    deviceServer?.closeAllConnections();
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
    db.close();
    throw err;
  }

  const port = (server.address() as { port: number }).port;
  const devicePort = deviceServer ? (deviceServer.address() as { port: number }).port : null;
  const url = `http://${urlHost(config.host)}:${port}`;
  logger.info({ port, devicePort, host: config.host, approval: config.deviceApproval, dev: config.devUser !== null }, 'server listening');

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

function pathnameOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q < 0 ? raw : raw.slice(0, q);
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Browsers send Origin on WebSocket handshakes and let any page open one, with
 * the user's cookies: refuse pages from other origins (cross-site WebSocket
 * hijacking). Non-browser clients send no Origin.
 */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return false;
  }
  const hosts = [req.headers.host, firstValue(req.headers['x-forwarded-host'])].filter((h): h is string => typeof h === 'string');
  return hosts.some((h) => h.toLowerCase() === originHost.toLowerCase());
}

function firstValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v?.split(',')[0]?.trim();
}

/** Answers a refused upgrade with a JSON error on the raw socket, then closes it. */
function rejectUpgrade(socket: Duplex, err: HttpError): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(err.toJSON());
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' }[err.status] ?? 'Error';
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${err.status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
