/**
 * `traefik-routers-loaded`: Traefik's own API on the gateway (the seed's dashboard port 8080,
 * `--traefik-api http://<gateway>:8080`) confirms what the file provider loaded: every router
 * the renderer wrote (`routers`, from the stack's `verify.traefikRouters`) is listed as
 * `<name>@file` with status `enabled`, the same rule, priority and middlewares in the same
 * order, and `/api/version` reports at least MIN_TRAEFIK_VERSION, the release with the
 * forwarded-header fixes. This is the seed's "Traefik reloaded" step proven from the inside:
 * a file Traefik rejected, or one it has not picked up yet, shows here and nowhere else.
 */
import type { CheckResult, VerifyOptions } from './checks.js';
import { probe, ProbeError } from './http-probe.js';

export const MIN_TRAEFIK_VERSION = '3.7.6';

/** The parts of a rendered router the API reports back. */
export interface ExpectedRouter {
  readonly rule: string;
  readonly priority: number;
  readonly middlewares: readonly string[];
}

/** One entry of `GET /api/http/routers` (Traefik's RouterInfo), the fields compared. */
interface LiveRouter {
  name: string;
  provider?: string;
  status?: string;
  rule?: string;
  priority?: number;
  middlewares?: string[];
  error?: string[];
}

/** Compares dotted numeric versions (`v3.7.6`, `3.7.6-rc1` counts as 3.7.6); null when unparseable. */
export function versionAtLeast(version: string, minimum: string): boolean | null {
  const parse = (v: string) => /^v?(\d+)\.(\d+)\.(\d+)/.exec(v)?.slice(1, 4).map(Number);
  const a = parse(version);
  const b = parse(minimum)!;
  if (!a) return null;
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return true;
}

/** What differs between the rendered routers and the live ones; empty when all agree. */
export function routerDifferences(expected: Readonly<Record<string, ExpectedRouter>>, live: readonly LiveRouter[]): string[] {
  const byName = new Map(live.map((r) => [r.name, r]));
  const problems: string[] = [];
  for (const [name, want] of Object.entries(expected)) {
    const got = byName.get(`${name}@file`);
    if (!got) {
      problems.push(`${name}@file is not loaded`);
      continue;
    }
    if (got.status !== 'enabled') problems.push(`${name}@file is ${got.status ?? 'without status'}${got.error?.length ? ` (${got.error.join('; ')})` : ''}`);
    if (got.rule !== want.rule) problems.push(`${name}@file rule ${JSON.stringify(got.rule)} ≠ ${JSON.stringify(want.rule)}`);
    if (got.priority !== want.priority) problems.push(`${name}@file priority ${got.priority} ≠ ${want.priority}`);
    const mw = got.middlewares ?? [];
    if (mw.join(',') !== want.middlewares.join(',')) problems.push(`${name}@file middlewares [${mw.join(', ')}] ≠ [${want.middlewares.join(', ')}]`);
  }
  return problems;
}

export async function traefikRoutersLoaded(apiUrl: string | undefined, expected: Readonly<Record<string, ExpectedRouter>>, options: VerifyOptions): Promise<CheckResult> {
  const id = 'traefik-routers-loaded';
  if (apiUrl === undefined) {
    return { id, target: '(no Traefik API)', ok: false, detail: "pass --traefik-api http://<gateway>:8080 (Traefik's API, the seed's dashboard port)" };
  }
  const target = apiUrl;
  const get = async (path: string): Promise<unknown> => {
    const url = new URL(path, apiUrl.replace(/\/?$/, '/')).href;
    const r = await probe(url, { ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) });
    if (r.status !== 200) throw new ProbeError(url, `answered ${r.status}`);
    try {
      return JSON.parse(r.body);
    } catch {
      throw new ProbeError(url, 'answered something other than JSON');
    }
  };
  let version: unknown;
  let routers: unknown;
  try {
    version = await get('api/version');
    routers = await get('api/http/routers?per_page=1000');
  } catch (error) {
    if (error instanceof ProbeError) return { id, target, ok: false, detail: error.message };
    throw error;
  }
  const v = (version as { Version?: unknown } | null)?.Version;
  if (typeof v !== 'string') return { id, target, ok: false, detail: '/api/version has no Version' };
  const recent = versionAtLeast(v, MIN_TRAEFIK_VERSION);
  if (recent !== true) return { id, target, ok: false, detail: `Traefik ${v}: ${MIN_TRAEFIK_VERSION} or later is required (forwarded-header fixes)` };
  if (!Array.isArray(routers)) return { id, target, ok: false, detail: '/api/http/routers is not a list' };
  const problems = routerDifferences(expected, routers as LiveRouter[]);
  if (problems.length > 0) return { id, target, ok: false, detail: problems.join('; ') };
  return { id, target, ok: true, detail: `Traefik ${v}; ${Object.keys(expected).length} router(s) loaded and enabled as rendered` };
}
