/**
 * The public side of share links, reached without single sign-on: the viewer
 * page at `/share/<id>` (its secret stays in the URL fragment, which browsers
 * never send), the page's two assets, and the read-only stream at
 * `/share/<id>/stream`, where the secret travels in the WebSocket subprotocol
 * list (`booxstream.share`, `s.<secret>`), never in a URL or a log line.
 * Identity headers are never read here; everything is rate-limited per address.
 */
import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { CloseCode } from '@booxstream/protocol';
import express, { type Router } from 'express';
import { WebSocketServer } from 'ws';
import type { DeviceStore } from '../db/devices.js';
import { HttpError } from '../errors.js';
import type { TokenBucketLimiter } from '../http/rate-limit.js';
import type { Identity } from '../identity/identity.js';
import type { TrustedProxies } from '../identity/trusted-proxy.js';
import type { Hub } from '../relay/hub.js';
import { wantsPatches } from '../relay/upgrades.js';
import { SHARE_ENDED_PAGE } from '../http/pages.js';
import type { ShareHub } from './share-hub.js';
import type { ShareStore } from './share-store.js';

export const SHARE_PROTOCOL = 'booxstream.share';
const SECRET_PREFIX = 's.';
/** The page's own files, served under /share/ so the one bypass route covers them. */
const SHARE_ASSETS = new Set(['app.js', 'app.css', 'app.js.map']);

export interface ShareGateDeps {
  readonly webRoot: string;
  readonly shares: ShareStore;
  readonly shareHub: ShareHub;
  readonly devices: DeviceStore;
  readonly hub: Hub;
  readonly proxies: TrustedProxies;
  readonly limiter: TokenBucketLimiter;
}

function limited(deps: ShareGateDeps, req: IncomingMessage): HttpError | null {
  const r = deps.limiter.take(deps.proxies.clientAddress(req.socket.remoteAddress, req.headers));
  return r.ok ? null : new HttpError(429, 'HTTP_ERR_RATE_LIMITED', 'Too many share requests from this address; wait a moment.', undefined, { 'Retry-After': String(r.retryAfterSeconds) });
}

/** GET-only routes for the share page and its assets. */
export function sharePages(deps: ShareGateDeps): Router {
  const router = express.Router();
  const assets = express.static(deps.webRoot, { index: false, fallthrough: false, redirect: false });

  router.get('/share/:file', (req, res, next) => {
    const file = req.params.file;
    if (SHARE_ASSETS.has(file)) {
      req.url = `/${file}`;
      assets(req, res, next);
      return;
    }
    const refused = limited(deps, req);
    if (refused) throw refused;
    const found = deps.shares.state(file);
    if (found.kind === 'unknown') throw new HttpError(404, 'SHARE_ERR_NOT_FOUND', 'This share link does not exist.');
    if (found.kind !== 'active') {
      res.status(410).type('html').set('Cache-Control', 'no-store').send(SHARE_ENDED_PAGE);
      return;
    }
    const index = join(deps.webRoot, 'index.html');
    if (!existsSync(index)) throw new HttpError(503, 'SERVER_ERR_NOT_READY', 'The web app is not built.');
    res.set('Cache-Control', 'no-store').sendFile(index);
  });
  return router;
}

/** Reads `s.<secret>` from the subprotocol list the page offered. */
function offeredSecret(req: IncomingMessage): string | null {
  const header = req.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return null;
  const offered = header.split(',').map((p) => p.trim());
  if (!offered.includes(SHARE_PROTOCOL)) return null;
  const s = offered.find((p) => p.startsWith(SECRET_PREFIX));
  return s ? s.slice(SECRET_PREFIX.length) : null;
}

/**
 * The upgrade handler for `/share/<id>/stream`. Returns a refusal to send, or
 * null once the socket is handed to the relay as a read-only viewer.
 */
export function shareStreamGate(deps: ShareGateDeps, maxViewersPerHost: number) {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 4096,
    skipUTF8Validation: true,
    perMessageDeflate: false,
    clientTracking: false,
    // The page offers the protocol name and its secret; only the name is echoed back.
    handleProtocols: (protocols) => (protocols.has(SHARE_PROTOCOL) ? SHARE_PROTOCOL : false),
  });
  return (req: IncomingMessage, socket: Duplex, head: Buffer, id: string): HttpError | null => {
    const refused = limited(deps, req);
    if (refused) return refused;
    const secret = offeredSecret(req);
    const found = secret === null ? { kind: 'unknown' as const } : deps.shares.check(id, secret);
    if (found.kind === 'unknown') return new HttpError(404, 'SHARE_ERR_NOT_FOUND', 'This share link does not exist.');
    if (found.kind !== 'active') return new HttpError(410, 'SHARE_ERR_EXPIRED', `This share link was ${found.kind}.`);
    const share = found.share;
    if (share.max_viewers !== null && deps.shareHub.count(share.id) >= share.max_viewers) {
      return new HttpError(429, 'SHARE_ERR_TOO_MANY_VIEWERS', `This share link allows ${share.max_viewers} viewer(s) at a time.`);
    }
    if (deps.hub.isFull(share.uuid)) return new HttpError(429, 'HOST_ERR_TOO_MANY_VIEWERS', `This device already has ${maxViewersPerHost} viewers.`);
    wss.handleUpgrade(req, socket, head, (ws) => {
      // Revoked, expired or deleted while the handshake ran.
      const again = deps.shares.state(share.id);
      const row = deps.devices.get(share.uuid);
      if (again.kind !== 'active' || !row) return ws.close(CloseCode.ShareEnded, 'share ended');
      deps.shareHub.add(share.id, share.expires_at, ws);
      deps.hub.addViewer(ws, row, shareIdentity(share.id), { patches: wantsPatches(req.url) });
    });
    return null;
  };
}

/** Who a share viewer is, for the relay's accounting: nobody with rights. */
export function shareIdentity(id: string): Identity {
  return { username: `share:${id}`, email: null, name: null, uid: null, groups: [], admin: false, source: 'share' };
}
