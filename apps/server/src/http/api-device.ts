/**
 * Device routes, exactly as the installed Android app calls them. No single
 * sign-on here (the app cannot do it) and identity headers are never read.
 */
import type { RegisterResponse } from '@booxstream/protocol';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { ServerConfig } from '../config.js';
import type { AuditLog } from '../db/audit.js';
import type { DeviceStore } from '../db/devices.js';
import { HttpError, type DeviceAuthFailure } from '../errors.js';
import { normalizeUuid } from '../device-access.js';
import { carriesIdentityHeader } from '../identity/device-route-headers.js';
import { networkOf, rateLimitKey } from '../identity/network.js';
import type { TrustedProxies } from '../identity/trusted-proxy.js';
import { devicePrefix, logDeviceAuthRefused, type Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { TokenBucketLimiter } from './rate-limit.js';

export interface DeviceApiDeps {
  readonly config: ServerConfig;
  readonly devices: DeviceStore;
  readonly audit: AuditLog;
  readonly proxies: TrustedProxies;
  readonly limiter: TokenBucketLimiter;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

export const NAME_MAX_CHARS = 100;
export const PUBLIC_IP_MAX_CHARS = 64;
const BODY_LIMIT = '16kb';
/** C0 controls, DEL and C1 controls: nothing a device name or an address needs, and they garble logs and pages. */
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/** Parses a JSON object body given as text; the app's Content-Type is not relied upon. */
export function parseJsonBody(text: unknown): Record<string, unknown> {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new HttpError(400, 'HTTP_ERR_MALFORMED_JSON', 'The request body must be a JSON object; it was empty.');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'HTTP_ERR_MALFORMED_JSON', 'The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'HTTP_ERR_MALFORMED_JSON', 'The request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

/** An optional short printable string: `null`/absent/blank → null. */
export function optionalText(body: Record<string, unknown>, field: string, max: number): string | null {
  const v = body[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new HttpError(400, 'HTTP_ERR_INVALID_FIELD', `"${field}" must be a string or null.`, field);
  // Checked before trimming: a trailing newline is refused, not quietly dropped.
  if (CONTROL_CHARS.test(v)) throw new HttpError(400, 'HTTP_ERR_INVALID_FIELD', `"${field}" contains control characters.`, field);
  const t = v.trim();
  if (t.length > max) throw new HttpError(400, 'HTTP_ERR_INVALID_FIELD', `"${field}" is ${t.length} characters long; at most ${max} are allowed.`, field);
  return t === '' ? null : t;
}

export function deviceApi(deps: DeviceApiDeps): Router {
  const router = express.Router();
  const text = express.text({ type: () => true, limit: BODY_LIMIT });

  /** Rate limit per client address, checked before the body is read. */
  const rateLimit = (req: Request, _res: Response, next: NextFunction): void => {
    const r = deps.limiter.take(rateLimitKey(deps.proxies.clientAddress(req.socket.remoteAddress, req.headers)));
    if (r.ok) {
      next();
      return;
    }
    next(new HttpError(429, 'HTTP_ERR_RATE_LIMITED', `Too many device requests from this address; retry in ${r.retryAfterSeconds} s.`, undefined, {
      'Retry-After': String(r.retryAfterSeconds),
    }));
  };

  /** Counted, never read: see identity/device-route-headers.ts. */
  const countIdentityHeaders = (route: string) => (req: Request, _res: Response, next: NextFunction): void => {
    if (carriesIdentityHeader(req.headers)) deps.metrics.deviceRouteIdentityHeaders.inc({ route });
    next();
  };

  router.post('/api/hosts/register', countIdentityHeaders('register'), rateLimit, text, (req, res) => {
    const body = parseJsonBody(req.body);
    const uuid = normalizeUuid(body.uuid);
    if (uuid === null) {
      throw new HttpError(400, 'HTTP_ERR_INVALID_FIELD', '"uuid" must be a UUID like 123e4567-e89b-12d3-a456-426614174000.', 'uuid');
    }
    const name = optionalText(body, 'name', NAME_MAX_CHARS);
    const publicIp = optionalText(body, 'public_ip', PUBLIC_IP_MAX_CHARS);
    const initial = deps.config.deviceApproval === 'auto' ? 'approved' : 'pending';
    const address = deps.proxies.clientAddress(req.socket.remoteAddress, req.headers);
    const network = networkOf(address);
    const { token, device, created, unconfirmed } = deps.devices.register(uuid, name, publicIp, initial, Date.now(), {
      address,
      network,
      bindToNetwork: deps.config.reregistration === 'same-network',
    });
    const event = created ? 'register' : unconfirmed ? 'reregister_unconfirmed' : 'reregister';
    deps.audit.record(event, devicePrefix(uuid), address, unconfirmed ? `from network ${network}; waits for confirmation` : `status ${device.status}`);
    deps.metrics.registrations.inc({ kind: created ? 'new' : unconfirmed ? 'unconfirmed' : 'again' });
    deps.logger.info({ device: devicePrefix(uuid), address, status: device.status, created, unconfirmed }, 'device registered');
    // The app reads only these fields, so an unconfirmed registration answers like any other; its token is refused with a message until confirmed.
    const host = unconfirmed ? { uuid: device.uuid, public_ip: publicIp, name } : { uuid: device.uuid, public_ip: device.public_ip, name: device.name };
    const answer: RegisterResponse = { success: true, token, host };
    res.status(created ? 201 : 200).json(answer);
  });

  router.post('/api/hosts/update-ip', countIdentityHeaders('update-ip'), rateLimit, text, (req, res) => {
    const address = deps.proxies.clientAddress(req.socket.remoteAddress, req.headers);
    // Logged as the streaming socket logs a refused auth, so CrowdSec's relay scenario sees token guessing here too.
    const refused = (reason: DeviceAuthFailure, uuid: string | null, err: HttpError): HttpError => {
      logDeviceAuthRefused(deps.logger, { device: uuid === null ? null : devicePrefix(uuid), address, reason, route: 'update-ip' });
      return err;
    };
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S{1,512})$/i.exec(auth);
    if (!m) throw refused('protocol', null, new HttpError(401, 'DEVICE_ERR_TOKEN_MISSING', 'Send the device token as "Authorization: Bearer <token>".', 'authorization'));
    const found = deps.devices.lookupToken(m[1]!);
    if (found.kind === 'unknown') throw refused('unknown', null, new HttpError(401, 'DEVICE_ERR_TOKEN_UNKNOWN', 'This token is not known to the server; register the device again.'));
    if (found.kind === 'replaced') throw refused('replaced', found.uuid, new HttpError(401, 'DEVICE_ERR_TOKEN_REPLACED', 'This device registered again; the older token was replaced.'));
    if (found.kind === 'unconfirmed') {
      throw refused('unconfirmed', found.device.uuid, new HttpError(403, 'DEVICE_ERR_UNCONFIRMED', 'This device registered again from a new network; its owner must confirm it in BooxStream first.'));
    }
    if (found.device.status === 'revoked') throw refused('revoked', found.device.uuid, new HttpError(403, 'DEVICE_ERR_REVOKED', 'This device was revoked by an administrator.'));
    const body = parseJsonBody(req.body);
    const publicIp = optionalText(body, 'public_ip', PUBLIC_IP_MAX_CHARS);
    const device = found.device;
    // The app may report the same address again and again: only a change is stored and audited.
    if (publicIp !== device.public_ip) {
      deps.devices.setPublicIp(device.uuid, publicIp);
      deps.audit.record('update_ip', devicePrefix(device.uuid), address, `public_ip ${device.public_ip ?? 'none'} -> ${publicIp ?? 'none'}`);
    }
    res.json({ success: true });
  });

  return router;
}
