/**
 * Share links of a device, for its owner or an admin: create, list, revoke.
 * The secret is returned once, inside the link's URL fragment, and never again.
 */
import express, { type Request, type Router } from 'express';
import { HttpError } from '../errors.js';
import type { HostActions } from '../host-actions.js';
import { devicePrefix, type Logger } from '../logger.js';
import type { ShareHub } from '../shares/share-hub.js';
import { shareView, type ShareStore } from '../shares/share-store.js';
import { visibleHost } from '../device-access.js';
import { identityOf } from './api-hosts.js';
import { parseJsonBody } from './api-device.js';

export interface SharesApiDeps {
  readonly actions: HostActions;
  readonly shares: ShareStore;
  readonly shareHub: ShareHub;
  readonly logger: Logger;
  readonly maxViewersPerHost: number;
}

export const SHARE_DEFAULT_HOURS = 24;
export const SHARE_MAX_HOURS = 30 * 24;
/** Ended shares stay listed this long, so the owner sees what ended. */
const ENDED_KEEP_MS = 7 * 24 * 3_600_000;

/** The origin people reach this server at, for the link: the page's own origin when the browser says it. */
function publicOrigin(req: Request): string {
  const origin = req.headers.origin;
  if (typeof origin === 'string' && /^https?:\/\/[^/\s]+$/.test(origin)) return origin;
  return `${req.protocol}://${req.headers.host ?? 'localhost'}`;
}

function positiveNumber(body: Record<string, unknown>, field: string, min: number, max: number): number | null {
  const v = body[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new HttpError(400, 'HTTP_ERR_INVALID_FIELD', `"${field}" must be a number from ${min} to ${max}.`, field);
  }
  return v;
}

export function sharesApi(deps: SharesApiDeps): Router {
  const router = express.Router();
  const { actions, shares, shareHub, logger } = deps;

  router.post('/api/hosts/:uuid/shares', express.text({ type: () => true, limit: '4kb' }), (req, res) => {
    const identity = identityOf(res);
    const row = visibleHost(actions.devices, identity, req.params.uuid);
    const body = typeof req.body === 'string' && req.body.trim() === '' ? {} : parseJsonBody(req.body);
    for (const key of Object.keys(body)) {
      if (key !== 'expiresInHours' && key !== 'maxViewers') {
        throw new HttpError(400, 'HTTP_ERR_INVALID_FIELD', `Unknown field "${key}"; a share takes "expiresInHours" and "maxViewers".`, key);
      }
    }
    const hours = positiveNumber(body, 'expiresInHours', 1 / 60, SHARE_MAX_HOURS) ?? SHARE_DEFAULT_HOURS;
    const maxViewers = positiveNumber(body, 'maxViewers', 1, deps.maxViewersPerHost);
    if (maxViewers !== null && !Number.isInteger(maxViewers)) {
      throw new HttpError(400, 'HTTP_ERR_INVALID_FIELD', '"maxViewers" must be a whole number.', 'maxViewers');
    }
    const now = Date.now();
    shares.purgeEnded(now, ENDED_KEEP_MS);
    const { share, secret } = shares.create(row.uuid, identity.username, now + Math.round(hours * 3_600_000), maxViewers, now);
    actions.audit.record('share_create', devicePrefix(row.uuid), identity.username, `until ${new Date(share.expires_at).toISOString()}`);
    logger.info({ device: devicePrefix(row.uuid), actor: identity.username, share: share.id }, 'share link created');
    res.status(201).set('Cache-Control', 'no-store').json({
      ...shareView(share, now),
      url: `${publicOrigin(req)}/share/${share.id}#${secret}`,
    });
  });

  router.get('/api/hosts/:uuid/shares', (req, res) => {
    const row = visibleHost(actions.devices, identityOf(res), req.params.uuid);
    const now = Date.now();
    res.set('Cache-Control', 'no-store').json(shares.forDevice(row.uuid).map((s) => ({ ...shareView(s, now), viewers: shareHub.count(s.id) })));
  });

  router.delete('/api/hosts/:uuid/shares/:id', (req, res) => {
    const identity = identityOf(res);
    const row = visibleHost(actions.devices, identity, req.params.uuid);
    const share = shares.get(req.params.id ?? '');
    if (!share || share.uuid !== row.uuid) throw new HttpError(404, 'SHARE_ERR_NOT_FOUND', 'This device has no share with that id.', 'id');
    shares.revoke(share.id);
    shareHub.end(share.id, 'share revoked');
    actions.audit.record('share_revoke', devicePrefix(row.uuid), identity.username, share.id);
    logger.info({ device: devicePrefix(row.uuid), actor: identity.username, share: share.id }, 'share link revoked');
    res.status(204).end();
  });

  return router;
}
