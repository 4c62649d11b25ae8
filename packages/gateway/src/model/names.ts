/**
 * Names of everything an app contributes to Traefik's dynamic configuration. All are prefixed
 * with the app's name: the file provider merges every file of the directory into one
 * namespace and *skips* a duplicate name with only a warning (VENDOR-NOTES.md#file-provider), so
 * unprefixed names would silently shadow another app's.
 */
import type { ProtectedApp } from './types.js';

/** The path prefix the Authentik embedded outpost serves on every protected host. */
export const OUTPOST_PATH_PREFIX = '/outpost.goauthentik.io/';

/** `/api/hosts/register` → `api-hosts-register`. */
export function pathSlug(path: string): string {
  return path.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase();
}

/** Traefik object names of one app. */
export function traefikNames(app: Pick<ProtectedApp, 'name'>) {
  const n = app.name;
  return {
    fileName: `${n}.yml`,
    routers: {
      main: n,
      outpost: `${n}-outpost`,
      bypass: (path: string) => `${n}-bypass-${pathSlug(path)}`,
    },
    middlewares: {
      forwardAuth: `${n}-forward-auth`,
      stripIdentity: `${n}-strip-identity`,
      bypassRateLimit: `${n}-bypass-ratelimit`,
      securityHeaders: `${n}-security-headers`,
    },
    services: {
      backend: `${n}-backend`,
      outpost: `${n}-outpost`,
    },
  };
}

/** Every router name an app declares (for uniqueness checks across apps). */
export function routerNames(app: Pick<ProtectedApp, 'name' | 'bypassPaths'>): string[] {
  const names = traefikNames(app).routers;
  return [names.main, names.outpost, ...app.bypassPaths.map(names.bypass)];
}
