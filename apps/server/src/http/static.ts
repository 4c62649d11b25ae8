/**
 * The viewer web app, for signed-in users only. Anyone else gets a page telling
 * them to sign in through the gateway.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Router } from 'express';
import type { IdentityResolver } from '../identity/identity.js';
import { NOT_BUILT_PAGE, SIGN_IN_PAGE } from './pages.js';

export function webApp(webRoot: string, identities: IdentityResolver): Router {
  const router = express.Router();
  const index = join(webRoot, 'index.html');
  const serve = express.static(webRoot, { index: 'index.html', fallthrough: true, redirect: false });

  router.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next();
      return;
    }
    const r = identities.resolve(req.socket.remoteAddress, req.headers);
    if (!r.ok) {
      res.status(401).type('html').set('Cache-Control', 'no-store').send(SIGN_IN_PAGE);
      return;
    }
    // Checked per request so building the web app needs no server restart.
    if (!existsSync(index)) {
      res.status(503).type('html').set('Cache-Control', 'no-store').send(NOT_BUILT_PAGE);
      return;
    }
    serve(req, res, () => {
      // Client-side routes (no file extension) get the app shell.
      if (/\.[a-z0-9]+$/i.test(req.path)) {
        next();
        return;
      }
      res.set('Cache-Control', 'no-cache').sendFile(index);
    });
  });
  return router;
}
