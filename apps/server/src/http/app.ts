/**
 * The Express app (no listen): security headers, health and metrics, device
 * routes (no identity), viewer API (identity required), the web app.
 */
import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Router } from 'express';
import type { Db } from '../db/database.js';
import type { DatabaseReadiness } from '../db/health.js';
import { HttpError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { deviceApi, type DeviceApiDeps } from './api-device.js';
import { hostsApi, requireIdentity, type HostsApiDeps } from './api-hosts.js';
import { historyApi, type HistoryApiDeps } from './api-history.js';
import { sharesApi, type SharesApiDeps } from './api-shares.js';
import { sameOriginWrites } from './same-origin.js';
import { webApp } from './static.js';

export interface AppDeps extends DeviceApiDeps, HostsApiDeps, HistoryApiDeps, SharesApiDeps {
  readonly db: Db;
  readonly readiness: DatabaseReadiness;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** The share page and its assets: public (no identity), mounted before anything that asks for one. */
  readonly sharePages: Router;
}

const HOST_HEADER = /^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i;

/**
 * Headers that do not break the app: images from blob: URLs (frames are shown
 * as object URLs), WebSockets to this same host.
 */
export const securityHeaders: RequestHandler = (req, res, next) => {
  const host = req.headers['x-forwarded-host'] ?? req.headers.host;
  const h = typeof host === 'string' && HOST_HEADER.test(host) ? host : null;
  const connect = h ? `'self' ws://${h} wss://${h}` : `'self'`;
  res.set({
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy':
      `default-src 'self'; img-src 'self' blob: data:; connect-src ${connect}; script-src 'self'; ` +
      `style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'`,
  });
  next();
};

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(securityHeaders);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const r = deps.readiness.check();
    if (!r.ok) {
      throw new HttpError(503, 'SERVER_ERR_NOT_READY', r.failure === 'corrupt' ? 'The database is damaged.' : 'The database cannot be written.');
    }
    res.json({ status: 'ready' });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  app.use(deps.sharePages);
  app.use(deviceApi(deps));
  app.use('/api', requireIdentity(deps.identities));
  app.use('/api', sameOriginWrites({ publicOrigin: deps.config.publicUrl, proxies: deps.proxies }));
  app.use(hostsApi(deps));
  app.use(historyApi(deps));
  app.use(sharesApi(deps));
  app.use('/api', (req, _res, next) => {
    next(new HttpError(404, 'HTTP_ERR_NOT_FOUND', `No API route ${req.method} ${req.baseUrl}${req.path}.`));
  });
  app.use(webApp(deps.config.webRoot, deps.identities));
  app.use((req, _res, next) => {
    next(new HttpError(404, 'HTTP_ERR_NOT_FOUND', `Nothing at ${req.method} ${req.path}.`));
  });
  app.use(errorHandler(deps.logger));
  return app;
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    let e: HttpError;
    if (err instanceof HttpError) {
      e = err;
    } else if (err && typeof err === 'object' && (err as { type?: string }).type === 'entity.too.large') {
      e = new HttpError(413, 'HTTP_ERR_BODY_TOO_LARGE', 'The request body is too large.');
    } else if (err && typeof err === 'object' && typeof (err as { status?: number }).status === 'number' && (err as { status: number }).status < 500) {
      e = new HttpError((err as { status: number }).status, 'HTTP_ERR_MALFORMED_JSON', 'The request could not be read.');
    } else {
      logger.error({ err: err instanceof Error ? err.message : String(err) }, 'request failed');
      e = new HttpError(500, 'SERVER_ERR_INTERNAL', 'The server failed to handle this request.');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(e.status).set(e.headers).json(e.toJSON());
  };
}
