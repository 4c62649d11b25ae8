/**
 * The relay's front door: WebSocket upgrades on the HTTP port (`/android-ws`
 * for devices, `/api/hosts/:uuid/stream` for viewers) and on the LAN device
 * port. A refused upgrade is an HTTP answer with the same JSON error body as
 * the API; viewers pass the same visibility checks as the HTTP routes.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode } from '@booxstream/protocol';
import { WebSocketServer } from 'ws';
import type { ServerConfig } from '../config.js';
import { visibleHost, type DeviceLookup } from '../device-access.js';
import { HttpError } from '../errors.js';
import { identityFailureMessage, type IdentityResolver } from '../identity/identity.js';
import { originMatches, type OriginPolicy } from '../http/same-origin.js';
import type { TrustedProxies } from '../identity/trusted-proxy.js';
import { carriesIdentityHeader } from '../identity/device-route-headers.js';
import type { Metrics } from '../metrics.js';
import type { Hub } from './hub.js';

/** Viewers send nothing the server reads but acks; anything big is abuse. */
const VIEWER_MAX_PAYLOAD = 4096;

const VIEWER_PATH = /^\/api\/hosts\/([^/]+)\/stream$/;
/** A share link's stream; the id is 16 base64url characters (the secret is never in the path). */
export const SHARE_STREAM_PATH = /^\/share\/([A-Za-z0-9_-]{16})\/stream$/;

export interface UpgradeDeps {
  readonly config: Pick<ServerConfig, 'maxMessageBytes' | 'maxViewersPerHost' | 'maxUnauthenticated' | 'maxUnauthenticatedPerAddress' | 'publicUrl'>;
  readonly metrics: Pick<Metrics, 'upgradesRefused' | 'deviceRouteIdentityHeaders'>;
  readonly devices: DeviceLookup;
  readonly identities: IdentityResolver;
  readonly proxies: TrustedProxies;
  readonly hub: Hub;
  /**
   * Share links' read-only streams (`/share/<id>/stream`): hands the socket to
   * the relay, or returns the refusal to answer with.
   */
  readonly shareStream?: (req: IncomingMessage, socket: Duplex, head: Buffer, id: string) => HttpError | null;
}

export class RelayUpgrades {
  readonly #d: UpgradeDeps;
  readonly #deviceWss: WebSocketServer;
  readonly #viewerWss: WebSocketServer;
  #accepting = true;

  constructor(deps: UpgradeDeps) {
    this.#d = deps;
    this.#deviceWss = new WebSocketServer({
      noServer: true,
      maxPayload: deps.config.maxMessageBytes,
      skipUTF8Validation: true,
      perMessageDeflate: false,
      clientTracking: false,
      // Messages are handled synchronously as ws parses them (its default):
      // deferring each to its own event-loop turn (allowSynchronousEvents:
      // false) measured 1.45x the floor's CPU per frame against 1.33x this way
      // (steady-10, 3 runs each), and a flood is bounded without it: the
      // budgets close the socket and cutOff drops what was read but not parsed.
    });
    // Viewers send only acks (ASCII); their text is never passed on, so UTF-8 validation per ack buys nothing.
    this.#viewerWss = new WebSocketServer({
      noServer: true,
      maxPayload: VIEWER_MAX_PAYLOAD,
      skipUTF8Validation: true,
      perMessageDeflate: false,
      clientTracking: false,
    });
  }

  /** From now on every upgrade gets 503 (shutdown). */
  stopAccepting(): void {
    this.#accepting = false;
  }

  /** `upgrade` listener of the HTTP port. */
  readonly onHttpPort = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (!this.#admit(socket)) return;
    const path = pathnameOf(req.url);
    if (path === '/android-ws') return this.#acceptDevice(req, socket, head);
    const m = VIEWER_PATH.exec(path);
    if (m) return this.#acceptViewer(req, socket, head, m[1]!);
    const share = this.#d.shareStream ? SHARE_STREAM_PATH.exec(path) : null;
    if (share) {
      const refused = this.#d.shareStream!(req, socket, head, share[1]!);
      return refused ? rejectUpgrade(socket, refused) : undefined;
    }
    rejectUpgrade(socket, new HttpError(404, 'HTTP_ERR_NOT_FOUND', `No WebSocket endpoint at ${path}.`));
  };

  /** `upgrade` listener of the LAN device port (the app dials its root). */
  readonly onDevicePort = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (!this.#admit(socket)) return;
    const path = pathnameOf(req.url);
    if (path === '/' || path === '/android-ws') return this.#acceptDevice(req, socket, head);
    rejectUpgrade(socket, new HttpError(404, 'HTTP_ERR_NOT_FOUND', `The device WebSocket is at the root path, not ${path}.`));
  };

  #admit(socket: Duplex): boolean {
    socket.on('error', () => undefined);
    if (this.#accepting) return true;
    rejectUpgrade(socket, new HttpError(503, 'SERVER_ERR_NOT_READY', 'The server is shutting down.'));
    return false;
  }

  #acceptDevice(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { hub, proxies, metrics, config } = this.#d;
    // Counted, never read: see identity/device-route-headers.ts.
    if (carriesIdentityHeader(req.headers)) metrics.deviceRouteIdentityHeaders.inc({ route: 'android-ws' });
    const address = proxies.clientAddress(req.socket.remoteAddress, req.headers);
    const refusal = hub.deviceAdmission(address);
    if (refusal !== null) {
      metrics.upgradesRefused.inc({ reason: refusal });
      const [limit, scope] = refusal === 'unauthenticated-total'
        ? [config.maxUnauthenticated, 'on this server']
        : [config.maxUnauthenticatedPerAddress, 'from this address'];
      return rejectUpgrade(socket, new HttpError(429, 'HTTP_ERR_TOO_MANY_SOCKETS',
        `Too many device connections ${scope} have not authenticated yet (at most ${limit}); retry in a few seconds.`, undefined, { 'Retry-After': '5' }));
    }
    this.#deviceWss.handleUpgrade(req, socket, head, (ws) => {
      hub.addDevice(ws, address, socket);
    });
  }

  #acceptViewer(req: IncomingMessage, socket: Duplex, head: Buffer, rawUuid: string): void {
    const { identities, devices, hub, config } = this.#d;
    const who = identities.resolve(req.socket.remoteAddress, req.headers);
    if (!who.ok) return rejectUpgrade(socket, new HttpError(401, 'AUTH_ERR_UNAUTHENTICATED', identityFailureMessage(who.reason)));
    if (!sameOrigin(req, { publicOrigin: this.#d.config.publicUrl, proxies: this.#d.proxies })) return rejectUpgrade(socket, new HttpError(403, 'AUTH_ERR_BAD_ORIGIN', 'The page that opened this WebSocket is not served by this server.'));
    let uuid: string;
    try {
      uuid = visibleHost(devices, who.identity, decodeURIComponentSafe(rawUuid)).uuid;
    } catch (err) {
      if (err instanceof HttpError) return rejectUpgrade(socket, err);
      throw err;
    }
    if (hub.isFull(uuid)) {
      return rejectUpgrade(socket, new HttpError(429, 'HOST_ERR_TOO_MANY_VIEWERS', `This device already has ${config.maxViewersPerHost} viewers.`));
    }
    this.#viewerWss.handleUpgrade(req, socket, head, (ws) => {
      // The device may have been deleted, or the host filled, while the handshake ran.
      const current = devices.get(uuid);
      if (!current) return ws.close(CloseCode.NotFound, 'host removed');
      if (hub.isFull(uuid)) return ws.close(CloseCode.TooManyViewers, 'too many viewers');
      hub.addViewer(ws, current, who.identity, { patches: wantsPatches(req.url) });
    });
  }
}

/** `?patches=1` on the stream URL: this viewer takes patch messages (see @booxstream/protocol patch.ts). */
export function wantsPatches(url: string | undefined): boolean {
  const q = url?.indexOf('?') ?? -1;
  return q >= 0 && new URLSearchParams(url!.slice(q + 1)).get('patches') === '1';
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
 * hijacking), scheme included (the rule is the HTTP API's, `http/same-origin.ts`).
 * Non-browser clients send no Origin.
 */
function sameOrigin(req: IncomingMessage, policy: OriginPolicy): boolean {
  return req.headers.origin === undefined || originMatches(policy, req.socket.remoteAddress, req.headers);
}

const REASON_PHRASES: Readonly<Record<number, string>> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 410: 'Gone', 429: 'Too Many Requests', 503: 'Service Unavailable',
};

/** Answers a refused upgrade with a JSON error on the raw socket, then closes it. */
export function rejectUpgrade(socket: Duplex, err: HttpError): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(err.toJSON());
  const reason = REASON_PHRASES[err.status] ?? 'Error';
  const extra = Object.entries(err.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${err.status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n${extra}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
