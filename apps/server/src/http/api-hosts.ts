/**
 * Viewer API: signed-in users only. A device is visible to its owner and to
 * admins; pending devices only to admins.
 */
import type { HostView } from '@booxstream/protocol';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { DeviceRow } from '../db/devices.js';
import { canSee, visibleHost } from '../device-access.js';
import { HttpError } from '../errors.js';
import type { HostActions } from '../host-actions.js';
import { identityFailureMessage, meView, type Identity, type IdentityResolver } from '../identity/identity.js';
import type { Hub } from '../relay/hub.js';

export interface HostsApiDeps {
  readonly identities: IdentityResolver;
  readonly actions: HostActions;
  readonly hub: Hub;
}

export function identityOf(res: Response): Identity {
  return res.locals.identity as Identity;
}

/** Express middleware: resolves the viewer identity or answers 401 JSON. */
export function requireIdentity(identities: IdentityResolver) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const r = identities.resolve(req.socket.remoteAddress, req.headers);
    if (!r.ok) {
      next(new HttpError(401, 'AUTH_ERR_UNAUTHENTICATED', identityFailureMessage(r.reason)));
      return;
    }
    res.locals.identity = r.identity;
    next();
  };
}

export function hostsApi(deps: HostsApiDeps): Router {
  const router = express.Router();
  const { actions, hub } = deps;
  const view = (row: DeviceRow): HostView => {
    const r = actions.devices.reregistration(row.uuid);
    return { ...hub.hostView(row), reregistration: r ? { network: r.network, at: r.created_at } : null };
  };

  router.get('/api/me', (_req, res) => {
    res.json(meView(identityOf(res)));
  });

  router.get('/api/hosts', (_req, res) => {
    const identity = identityOf(res);
    const rows = actions.devices.all().filter((row) => canSee(identity, row));
    res.json(rows.map((row) => view(row)));
  });

  router.post('/api/hosts/:uuid/approve', (req, res) => {
    const identity = identityOf(res);
    const row = visibleHost(actions.devices, identity, req.params.uuid);
    if (!identity.admin) throw new HttpError(403, 'AUTH_ERR_FORBIDDEN', 'Only administrators can approve devices.');
    res.json(view(actions.approve(row.uuid, identity.username)));
  });

  router.post('/api/hosts/:uuid/revoke', (req, res) => {
    const identity = identityOf(res);
    const row = visibleHost(actions.devices, identity, req.params.uuid);
    res.json(view(actions.revoke(row.uuid, identity.username)));
  });

  // Optional JSON body `{"network": "<the network the person confirms>"}`.
  router.post('/api/hosts/:uuid/confirm-network', express.json({ limit: '1kb' }), (req, res) => {
    const identity = identityOf(res);
    const row = visibleHost(actions.devices, identity, req.params.uuid);
    const network: unknown = (req.body as { network?: unknown } | undefined)?.network;
    if (network !== undefined && typeof network !== 'string') throw new HttpError(400, 'HTTP_ERR_INVALID_FIELD', '"network" must be a string.', 'network');
    res.json(view(actions.confirmNetwork(row.uuid, identity.username, network ?? null)));
  });

  router.post('/api/hosts/:uuid/dismiss-network', (req, res) => {
    const identity = identityOf(res);
    const row = visibleHost(actions.devices, identity, req.params.uuid);
    res.json(view(actions.dismissNetwork(row.uuid, identity.username)));
  });

  router.delete('/api/hosts/:uuid', (req, res) => {
    const identity = identityOf(res);
    const row = visibleHost(actions.devices, identity, req.params.uuid);
    actions.delete(row.uuid, identity.username);
    res.status(204).end();
  });

  router.get('/api/hosts/:uuid/snapshot', (req, res) => {
    const row = visibleHost(actions.devices, identityOf(res), req.params.uuid);
    const jpeg = hub.channel(row.uuid)?.latestJpeg;
    if (!jpeg) throw new HttpError(404, 'HOST_ERR_NO_FRAME', 'This device has not sent a frame since the server started.');
    res.set('Cache-Control', 'no-store').type('image/jpeg').send(jpeg);
  });

  return router;
}
