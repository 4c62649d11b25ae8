/**
 * Hash routes: `#/` is the host list, `#/host/<uuid>` a host's live view.
 * Hash routing needs nothing from the server but `/`, so the app works behind
 * any proxy path rewrite and a reload never 404s.
 */
export type Route =
  | { readonly name: 'list' }
  | { readonly name: 'host'; readonly uuid: string };

const HOST_ROUTE = /^#\/host\/([^/?#]+)\/?$/;

/** Reads a route from `location.hash`; anything unknown is the list. */
export function parseRoute(hash: string): Route {
  const match = HOST_ROUTE.exec(hash);
  if (match?.[1] !== undefined) {
    try {
      return { name: 'host', uuid: decodeURIComponent(match[1]) };
    } catch {
      // A malformed percent-escape: fall through to the list.
    }
  }
  return { name: 'list' };
}

/** The `href` of a host's live view. */
export function hostHref(uuid: string): string {
  return `#/host/${encodeURIComponent(uuid)}`;
}

/** The `href` of the host list. */
export const LIST_HREF = '#/';

/** Calls `onRoute` now and on every hash change; returns the unsubscribe function. */
export function watchRoute(onRoute: (route: Route) => void): () => void {
  const listener = (): void => onRoute(parseRoute(location.hash));
  window.addEventListener('hashchange', listener);
  listener();
  return () => window.removeEventListener('hashchange', listener);
}

/** A share link's parts: the id from the path, the secret from the fragment (which browsers never send). */
export interface ShareLink {
  readonly id: string;
  readonly secret: string;
}

/** `/share/<id>#<secret>`: the link a device's owner shared; null on any other page. */
export function shareLinkOf(loc: Pick<Location, 'pathname' | 'hash'>): ShareLink | null {
  const m = /\/share\/([A-Za-z0-9_-]{16})$/.exec(loc.pathname);
  const secret = loc.hash.slice(1);
  return m && /^[A-Za-z0-9_-]{43}$/.test(secret) ? { id: m[1]!, secret } : null;
}

