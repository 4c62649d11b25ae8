/**
 * The post-deploy checks: the seed's "Test Final" (`curl -I https://booxstream.kevinvdb.dev/`
 * must answer 302 to authentik) and what the gateway must also guarantee. Each check is a
 * handful of bounded requests; none follows more than `maxRedirects` hops or sends cookies.
 *
 * Ids are `VERIFY_CHECK_IDS` (check-ids.ts), which the checklist coverage cites.
 */
import { randomBytes } from 'node:crypto';
import type { VerifyCheckId } from './check-ids.js';
import { probe, ProbeError, type ProbeOptions, type ProbeResponse } from './http-probe.js';
import { forgedIdentityCounted } from './identity-counter.js';
import { traefikRoutersLoaded } from './traefik-api.js';
import type { VerifyApp, VerifyBypass, VerifyTargets } from './targets.js';

export interface CheckResult {
  readonly id: VerifyCheckId;
  /** What was checked: `<app> <url>` or a URL. */
  readonly target: string;
  readonly ok: boolean;
  /** What was seen, enough to act on a failure. */
  readonly detail: string;
}

export interface VerifyOptions {
  /** [timeoutMs=10000] Per request. */
  timeoutMs?: number;
  /** hostname → address to connect to instead (curl's --connect-to). */
  connectTo?: ReadonlyMap<string, { host: string; port: number }>;
  /** [identityPath='/api/me'] An endpoint that answers with the caller's identity (BooxStream's MeView). */
  identityPath?: string;
  /**
   * Hops followed to see a sign-in redirect reach authentik [3], and to follow it to the login
   * flow's page [6: app → outpost start → authorize → default authentication → flow page is 4].
   */
  maxRedirects?: number;
  /** Traefik's API on the gateway (`http://<gateway>:8080`), for `traefik-routers-loaded`. */
  traefikApiUrl?: string;
}

/** The X-authentik-* headers a forger would send, dash and underscore spellings. */
export function forgedIdentityHeaders(marker: string): Record<string, string> {
  return {
    'X-authentik-username': marker,
    'X-authentik-groups': 'authentik Admins',
    'X-authentik-email': `${marker}@forged.invalid`,
    'X-authentik-uid': marker,
    // Go canonicalizes only dashes; some stacks read underscores as dashes (packages/gateway/VENDOR-NOTES.md#forward-auth-headers).
    X_authentik_username: marker,
    X_authentik_groups: 'authentik Admins',
  };
}

/**
 * Paths that a path-normalizing hop could turn from a bypass path into `identityPath`:
 * `/a/b/c` → `/a/b/c/../../../api/me` and its percent-encoded form.
 */
export function traversalPaths(bypassPath: string, identityPath: string): string[] {
  const depth = bypassPath.split('/').filter(Boolean).length;
  return [`${bypassPath}${'/..'.repeat(depth)}${identityPath}`, `${bypassPath}${'/%2e%2e'.repeat(depth)}${identityPath}`];
}

export async function runChecks(targets: VerifyTargets, options: VerifyOptions = {}): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const app of targets.apps) results.push(await appRedirectsToAuthentik(app, targets.authentikExternalUrl, options));
  for (const app of targets.apps) results.push(await signInEndsAtLoginFlow(app, targets.authentikExternalUrl, options));
  for (const app of targets.apps) {
    for (const bypass of app.bypassPaths) results.push(await bypassReachesServer(app, bypass, targets.authentikExternalUrl, options));
  }
  for (const app of targets.apps) {
    for (const bypass of app.bypassPaths) results.push(await bypassMethodsEnforced(app, bypass, options));
  }
  for (const app of targets.apps) results.push(await forgedIdentityIgnored(app, options));
  for (const app of targets.apps) {
    const counted = await forgedIdentityCounted(app, targets.healthzUrl, options);
    if (counted) results.push(counted);
  }
  for (const app of targets.apps) results.push(await forgedForwardedHostIgnored(app, options));
  results.push(await healthzThroughGateway(targets.healthzUrl, options));
  if (targets.traefikRouters) results.push(await traefikRoutersLoaded(options.traefikApiUrl, targets.traefikRouters, options));
  return results;
}

/** The seed's final test: a signed-out `GET /` answers 302, and the redirects lead to authentik. */
export async function appRedirectsToAuthentik(app: VerifyApp, authentikUrl: string, options: VerifyOptions): Promise<CheckResult> {
  const id = 'app-redirects-to-authentik';
  const target = `${app.name} ${app.url}`;
  const first = await attempt(app.url, {}, options);
  if ('error' in first) return { id, target, ok: false, detail: first.error };
  if (first.status !== 302) {
    return { id, target, ok: false, detail: `answered ${first.status} instead of 302: ${describeBody(first)}` };
  }
  const chain: string[] = [];
  let response: ProbeResponse = first;
  let url = app.url;
  for (let hop = 0; hop <= (options.maxRedirects ?? 3); hop++) {
    const location = response.headers.location;
    if (!location || response.status < 300 || response.status >= 400) break;
    url = new URL(location, url).href;
    chain.push(url);
    if (url.startsWith(authentikUrl.replace(/\/?$/, '/')) || url === authentikUrl) {
      return { id, target, ok: true, detail: `302 → ${chain.join(' → ')}` };
    }
    // Only the app's own outpost paths are followed; anything else is a wrong redirect.
    if (!new URL(url).pathname.startsWith('/outpost.goauthentik.io/')) break;
    const next = await attempt(url, {}, options);
    if ('error' in next) return { id, target, ok: false, detail: `302 → ${chain.join(' → ')}: ${next.error}` };
    response = next;
  }
  return { id, target, ok: false, detail: `302, but the redirects (${chain.join(' → ') || 'no Location'}) never reach ${authentikUrl}` };
}

/**
 * A signed-out visit, followed redirect by redirect (no cookies), ends on authentik's page of
 * the app's authentication flow, `/if/flow/<slug>/`: the default flow, or the two-factor flow
 * of our own for the apps `mfa:` lists. Only the app's own outpost paths and authentik itself
 * are followed; the page must answer 200.
 */
export async function signInEndsAtLoginFlow(app: VerifyApp, authentikUrl: string, options: VerifyOptions): Promise<CheckResult> {
  const id = 'signin-ends-at-login-flow';
  const target = `${app.name} ${app.url}`;
  const authentik = new URL(authentikUrl.replace(/\/?$/, '/'));
  const expected = new URL(`if/flow/${app.signInFlowSlug}/`, authentik);
  const appHost = new URL(app.url).hostname;
  const maxRedirects = options.maxRedirects ?? 6;
  const chain: string[] = [];
  let url = app.url;
  for (;;) {
    const r = await attempt(url, {}, options);
    if ('error' in r) return { id, target, ok: false, detail: chain.length ? `${chain.join(' → ')}: ${r.error}` : r.error };
    const location = r.headers.location;
    if (r.status >= 300 && r.status < 400 && location) {
      const next = new URL(location, url);
      if (chain.length === maxRedirects) return { id, target, ok: false, detail: `more than ${maxRedirects} redirects without reaching ${expected.href}: ${chain.join(' → ')} → ${next.href}` };
      const onOutpost = next.hostname === appHost && next.pathname.startsWith('/outpost.goauthentik.io/');
      if (!onOutpost && next.origin !== authentik.origin) return { id, target, ok: false, detail: `redirected away from sign-in to ${next.href}` };
      chain.push(next.href);
      url = next.href;
      continue;
    }
    if (chain.length === 0) return { id, target, ok: false, detail: `answered ${r.status} to a signed-out visit instead of sending it to sign in: ${describeBody(r)}` };
    const final = new URL(url);
    if (final.origin !== expected.origin || final.pathname !== expected.pathname) {
      return { id, target, ok: false, detail: `ended at ${final.origin}${final.pathname} (${r.status}) instead of ${expected.href}: ${chain.join(' → ')}` };
    }
    if (r.status !== 200) return { id, target, ok: false, detail: `${expected.href} answered ${r.status}: ${describeBody(r)}` };
    return { id, target, ok: true, detail: `${chain.length} redirect(s) to ${expected.pathname} (200)` };
  }
}

/**
 * A bypass path answers from the server itself without sign-in, probed with the method its
 * route allows: POST an empty JSON body (the server answers it with a JSON validation error,
 * registering nothing), or GET (a share page with an id no link has: the server's JSON 404).
 */
export async function bypassReachesServer(app: VerifyApp, bypass: VerifyBypass, authentikUrl: string, options: VerifyOptions): Promise<CheckResult> {
  const id = 'bypass-reaches-server';
  const { path } = bypass;
  const url = new URL(path, app.url).href;
  const post = bypass.methods.includes('POST');
  const target = `${app.name} ${post ? 'POST' : 'GET'} ${path}`;
  const r = await attempt(url, post ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' } : {}, options);
  if ('error' in r) return { id, target, ok: false, detail: r.error };
  const type = String(r.headers['content-type'] ?? '');
  if (r.status >= 300 && r.status < 400) {
    const to = r.headers.location ?? '';
    return { id, target, ok: false, detail: `redirected (${r.status}) to ${to}${to.includes(new URL(authentikUrl).host) || to.includes('/outpost.goauthentik.io/') ? ': the path requires sign-in' : ''}` };
  }
  if (r.status === 401 || r.status === 403 || r.status === 407) return { id, target, ok: false, detail: `refused by the gateway (${r.status})` };
  if (r.status >= 500) return { id, target, ok: false, detail: `${r.status}: the server is not reachable behind the gateway (${describeBody(r)})` };
  // The server answers a POST in JSON; a GET may be an asset, but never Traefik's own
  // text/plain "404 page not found".
  const fromServer = post ? type.includes('application/json') : type !== '' && !type.startsWith('text/plain');
  if (!fromServer) {
    return { id, target, ok: false, detail: `${r.status} ${type || 'without content type'}: not the server's answer (not routed to it?)` };
  }
  return { id, target, ok: true, detail: `${r.status} ${type.split(';')[0]} from the server, no sign-in` };
}

/**
 * A bypass route skips sign-on for its own methods only: the other of GET and POST on the same
 * path must meet forward auth (a sign-in redirect or a refusal), so a WebSocket-only route
 * cannot be used to POST to the server, nor a registration route to read from it.
 */
export async function bypassMethodsEnforced(app: VerifyApp, bypass: VerifyBypass, options: VerifyOptions): Promise<CheckResult> {
  const id = 'bypass-methods-enforced';
  const { path } = bypass;
  const others = ['GET', 'POST'].filter((m) => !bypass.methods.includes(m));
  const target = `${app.name} ${others.join('/') || '(none)'} ${path}`;
  for (const method of others) {
    const r = await attempt(
      new URL(path, app.url).href,
      method === 'POST' ? { method, headers: { 'content-type': 'application/json' }, body: '{}' } : { method },
      options,
    );
    if ('error' in r) return { id, target, ok: false, detail: `${method}: ${r.error}` };
    const stopped = (r.status >= 300 && r.status < 400) || r.status === 401 || r.status === 403 || r.status === 405;
    if (!stopped) {
      return { id, target, ok: false, detail: `${method} answered ${r.status} without sign-in; the route allows only ${bypass.methods.join(', ')} (${describeBody(r)})` };
    }
  }
  return { id, target, ok: true, detail: others.length === 0 ? 'the route allows both GET and POST' : `${others.join(', ')} stopped before the server (sign-in or refusal)` };
}

/**
 * Forged identity headers are not believed: not on the protected app (it still redirects to
 * sign-in), not on a bypass path, not through a bypass path turned into the identity endpoint.
 * A fresh marker is the forged user name; it must appear in no answer.
 */
export async function forgedIdentityIgnored(app: VerifyApp, options: VerifyOptions): Promise<CheckResult> {
  const id = 'forged-identity-ignored';
  const target = `${app.name} ${app.url}`;
  const identityPath = options.identityPath ?? '/api/me';
  const marker = `verify-forged-${randomBytes(6).toString('hex')}`;
  const headers = forgedIdentityHeaders(marker);
  const requests: { method: string; path: string }[] = [{ method: 'GET', path: identityPath }];
  for (const { path: p, methods } of app.bypassPaths) {
    requests.push({ method: methods.includes('POST') ? 'POST' : 'GET', path: p });
    for (const t of traversalPaths(p, identityPath)) requests.push({ method: 'GET', path: t });
  }
  for (const { method, path } of requests) {
    const url = `${new URL(app.url).origin}${path}`;
    const r = await attempt(url, { method, headers: { ...headers, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) }, ...(method === 'POST' ? { body: '{}' } : {}) }, options);
    if ('error' in r) return { id, target, ok: false, detail: `${method} ${path}: ${r.error}` };
    if (r.body.includes(marker)) return { id, target, ok: false, detail: `${method} ${path}: the forged X-authentik-username reached the app and was echoed back (${r.status})` };
    if (path === identityPath && r.status >= 200 && r.status < 300) {
      return { id, target, ok: false, detail: `${method} ${path}: answered ${r.status} to a signed-out request with forged identity headers` };
    }
  }
  return { id, target, ok: true, detail: `${requests.length} request(s) with forged X-authentik-* headers; none believed` };
}

/**
 * A client's `X-Forwarded-Host` is not believed: the gateway must build what forward auth sees
 * from the real Host. authentik's outpost picks the application and the session by the
 * forwarded host, so a gateway that passes a client's value through lets a session for another
 * app (the forged host) authorise this one. A signed-out request with a fresh marker host must
 * still be sent to sign-in, and no redirect may carry the marker.
 */
export async function forgedForwardedHostIgnored(app: VerifyApp, options: VerifyOptions): Promise<CheckResult> {
  const id = 'forged-forwarded-host-ignored';
  const target = `${app.name} ${app.url}`;
  const marker = `verify-${randomBytes(6).toString('hex')}.invalid`;
  const headers = { 'X-Forwarded-Host': marker, 'X-Forwarded-Proto': 'https', 'X-Forwarded-Uri': '/', 'X-Original-URL': `https://${marker}/` };
  let url = app.url;
  const seen: string[] = [];
  for (let hop = 0; hop <= (options.maxRedirects ?? 3); hop++) {
    const r = await attempt(url, { headers }, options);
    if ('error' in r) return { id, target, ok: false, detail: r.error };
    if (r.status >= 200 && r.status < 300) return { id, target, ok: false, detail: `answered ${r.status} to a signed-out request with X-Forwarded-Host: ${marker}` };
    const location = r.headers.location;
    if (r.status < 300 || r.status >= 400 || !location) break;
    seen.push(location);
    if (safeDecode(location).includes(marker)) {
      return { id, target, ok: false, detail: `the client's X-Forwarded-Host reached forward auth: redirect ${location}` };
    }
    const next = new URL(location, url);
    // Only the app's own outpost hops are followed (never the authentik sign-in page itself).
    if (next.host !== new URL(app.url).host || !next.pathname.startsWith('/outpost.goauthentik.io/')) break;
    url = next.href;
  }
  if (seen.length === 0) return { id, target, ok: false, detail: 'no sign-in redirect for a signed-out request' };
  return { id, target, ok: true, detail: `sign-in redirects built from the real host (${seen.length} hop(s)), marker ${marker} never used` };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The server's /healthz answers where the gateway reaches it (run from the gateway's network). */
export async function healthzThroughGateway(url: string, options: VerifyOptions): Promise<CheckResult> {
  const id = 'healthz-through-gateway';
  const r = await attempt(url, {}, options);
  if ('error' in r) return { id, target: url, ok: false, detail: r.error };
  if (r.status < 200 || r.status >= 300) return { id, target: url, ok: false, detail: `answered ${r.status}: ${describeBody(r)}` };
  return { id, target: url, ok: true, detail: `${r.status} ${describeBody(r)}` };
}

async function attempt(url: string, init: ProbeOptions, options: VerifyOptions): Promise<ProbeResponse | { error: string }> {
  try {
    return await probe(url, {
      ...init,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.connectTo ? { connectTo: options.connectTo } : {}),
    });
  } catch (error) {
    if (error instanceof ProbeError) return { error: error.message };
    throw error;
  }
}

function describeBody(r: ProbeResponse): string {
  const text = r.body.replace(/\s+/g, ' ').trim();
  return text.length > 120 ? `${text.slice(0, 117)}...` : text || '(empty body)';
}

/** The PASS/FAIL table, fixed-width columns. */
export function formatTable(results: readonly CheckResult[]): string {
  const rows = results.map((r) => [r.id, r.target, r.ok ? 'PASS' : 'FAIL', r.detail]);
  const header = ['CHECK', 'TARGET', 'RESULT', 'DETAIL'];
  const widths = [0, 1, 2].map((i) => Math.max(header[i]!.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join('  ');
  const failed = results.filter((r) => !r.ok).length;
  return [
    line(header),
    ...rows.map(line),
    '',
    failed === 0 ? `All ${results.length} checks passed.` : `${failed} of ${results.length} checks FAILED.`,
  ].join('\n');
}
