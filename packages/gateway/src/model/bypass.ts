/**
 * Bypass routes: requests a device (or a share-link visitor) makes without signing in. Each
 * route names its path (exact `path`, or an anchored `pathRegexp`) and the HTTP methods it
 * allows, so a route that only needs a WebSocket upgrade (GET) cannot be used to POST.
 * A plain string is refused rather than read as "every method": the safe default is none.
 */
import { z } from '@booxstream/config-kit';
import { checked } from './fields.js';
import { bypassPathProblem } from './rules.js';

/** The methods a bypass route may allow (Traefik's `Method` matcher takes one each). */
export const BYPASS_METHODS = Object.freeze(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const);

/** Why an anchored path regexp cannot skip sign-on, or undefined. */
export function bypassPathRegexpProblem(source: string): string | undefined {
  if (!source.startsWith('^/') || !source.endsWith('$') || source.endsWith('\\$')) {
    return `must be anchored: start with '^/' and end with '$', got ${JSON.stringify(source)}`;
  }
  if (/[`\s]/.test(source)) return `must not contain backticks or spaces, got ${JSON.stringify(source)}`;
  let re: RegExp;
  try {
    re = new RegExp(source);
  } catch {
    return `must be a valid regular expression, got ${JSON.stringify(source)}`;
  }
  // Anchoring is only worth something if the alternatives are anchored too: `^/a$|^/b` passes
  // the ends test, so probe what a careless pattern would let through.
  for (const probe of ['/', '/api/me', '/outpost.goauthentik.io/callback', '/metrics']) {
    if (re.test(probe)) return `must not match ${probe}, which must stay behind sign-on (or its own router)`;
  }
  if (topLevelAlternative(source)) return `must not use top-level alternatives (put '|' inside a group), got ${JSON.stringify(source)}`;
  return undefined;
}

/** `^/a$|^/b` would leave `^/b` unanchored at the end: a `|` outside every group or class. */
function topLevelAlternative(source: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return true;
  }
  return false;
}

const methods = z
  .array(z.enum(BYPASS_METHODS))
  .min(1, { error: 'must allow at least one method' })
  .check((ctx) => {
    ctx.value.forEach((v, i) => {
      if (ctx.value.indexOf(v) !== i) ctx.issues.push({ code: 'custom', message: `duplicates ${JSON.stringify(v)}`, path: [i], input: v });
    });
  })
  .describe('HTTP methods the route allows, e.g. `[POST]`; `GET` for a WebSocket upgrade.');

const checkedString = (rule: (s: string) => string | undefined) => checked(z.string(), rule);

export const bypassRoute = z
  .strictObject(
    {
      path: checkedString(bypassPathProblem).optional().describe('Exact path, e.g. `/api/hosts/register`.'),
      pathRegexp: checkedString(bypassPathRegexpProblem)
        .optional()
        .describe('Anchored Go regular expression (`^/…$`, Traefik `PathRegexp`), e.g. `^/share/[A-Za-z0-9_-]{16}$`.'),
      paths: z
        .array(checkedString(bypassPathProblem))
        .optional()
        .describe('More exact paths on the same router (with `pathRegexp`), e.g. a page\'s assets.'),
      probePath: checkedString(bypassPathProblem)
        .optional()
        .describe('Required with `pathRegexp`: a path it matches that the server answers without a session (an unknown share id); `pnpm verify` probes it.'),
      name: z
        .string()
        .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, { error: 'must be lowercase letters and digits joined by single dashes' })
        .optional()
        .describe('Names the router (`<app>-bypass-<name>`) instead of the slug of its path or regexp, e.g. `share`.'),
      methods,
    },
    { error: (iss) => (typeof iss.input === 'string' ? `must be { path, methods } (a bare path would allow every method), got ${JSON.stringify(iss.input)}` : undefined) },
  )
  .check((ctx) => {
    const { path, pathRegexp, paths } = ctx.value;
    if ((path === undefined) === (pathRegexp === undefined)) {
      ctx.issues.push({ code: 'custom', message: 'must give exactly one of `path` or `pathRegexp`', input: ctx.value });
    }
    if (pathRegexp !== undefined && ctx.value.probePath === undefined) {
      ctx.issues.push({ code: 'custom', message: 'is required with `pathRegexp` (a path it matches, for `pnpm verify`)', path: ['probePath'], input: undefined });
    }
    if (pathRegexp !== undefined && ctx.value.probePath !== undefined && !regexpMatches(pathRegexp, ctx.value.probePath)) {
      ctx.issues.push({ code: 'custom', message: `is not matched by pathRegexp ${pathRegexp}`, path: ['probePath'], input: ctx.value.probePath });
    }
    if (pathRegexp === undefined && ctx.value.probePath !== undefined) {
      ctx.issues.push({ code: 'custom', message: '`probePath` goes with `pathRegexp` (an exact `path` is probed itself)', path: ['probePath'], input: ctx.value.probePath });
    }
    if (paths !== undefined && pathRegexp === undefined) {
      ctx.issues.push({ code: 'custom', message: '`paths` goes with `pathRegexp` (give one route per exact `path`)', path: ['paths'], input: paths });
    }
  })
  .describe('One route that skips single sign-on: its path (exact or anchored regexp) and the methods it allows.');

/** A validated route, as the frozen model holds it. */
export interface BypassRoute {
  readonly path?: string | undefined;
  readonly pathRegexp?: string | undefined;
  readonly paths?: readonly string[] | undefined;
  readonly probePath?: string | undefined;
  readonly name?: string | undefined;
  readonly methods: readonly (typeof BYPASS_METHODS)[number][];
}

function regexpMatches(source: string, path: string): boolean {
  try {
    return new RegExp(source).test(path);
  } catch {
    return true; // the regexp's own problem is reported on it
  }
}

/** Concrete paths `pnpm verify` sends to a route: the exact path, or the probe path and the extra paths. */
export function bypassProbePaths(route: BypassRoute): string[] {
  return route.path !== undefined ? [route.path] : [...(route.probePath !== undefined ? [route.probePath] : []), ...(route.paths ?? [])];
}

/** What names the route (its router's suffix, its uniqueness key): the exact path or the regexp. */
export function bypassKey(route: Pick<BypassRoute, 'path' | 'pathRegexp'>): string {
  return route.path ?? route.pathRegexp ?? '';
}

/** What the route's router is named after (names.ts slugs it): its `name`, else its key. */
export function bypassRouterKey(route: Pick<BypassRoute, 'path' | 'pathRegexp' | 'name'>): string {
  return route.name ?? bypassKey(route);
}

/** The route's Traefik v3 path and method matchers (without the Host). */
export function bypassMatcher(route: BypassRoute): string {
  const paths = route.path !== undefined ? [`Path(\`${route.path}\`)`] : [`PathRegexp(\`${route.pathRegexp}\`)`, ...(route.paths ?? []).map((p) => `Path(\`${p}\`)`)];
  const path = paths.length === 1 ? paths[0] : `(${paths.join(' || ')})`;
  const m = route.methods.map((x) => `Method(\`${x}\`)`);
  return `${path} && ${m.length === 1 ? m[0] : `(${m.join(' || ')})`}`;
}
