/**
 * `forged-identity-counted`: a forged identity on a bypass path is proven ignored by the
 * server itself, not only by what comes back. The server counts device requests that carry
 * any `X-authentik-*` header (`booxstream_device_route_identity_headers_total` on its
 * `/metrics`, reached where the gateway reaches it: the origin of `healthzUrl`) and never
 * reads them. For each device HTTP route among the bypass paths, the check reads the counter,
 * sends a forged `X-authentik-username` (and the other forged headers) through the gateway
 * without a device token, and reads the counter again. It passes when the answer is the
 * server's own unauthenticated-device refusal (4xx JSON `error.code`, no marker) and either
 *   - the counter rose: the header reached the server, which counted it and did not act on it; or
 *   - the counter did not move: the gateway blanked the header before the server.
 * It fails when the counter is absent (a server that cannot prove it), when the answer is a
 * success, a redirect, a gateway error or echoes the forged name (a server acting on it).
 * It proves nothing about a server that counts and then acts anyway; that is what the
 * server's own tests pin (apps/server/test/device-route-identity-headers.test.ts).
 */
import { randomBytes } from 'node:crypto';
import type { CheckResult, VerifyOptions } from './checks.js';
import { forgedIdentityHeaders } from './checks.js';
import { probe, ProbeError, type ProbeResponse } from './http-probe.js';
import type { VerifyApp } from './targets.js';

export const IDENTITY_COUNTER = 'booxstream_device_route_identity_headers_total';
/** The server's device HTTP routes: the ones that count identity headers on POST. */
export const DEVICE_POST_ROUTES: readonly string[] = ['/api/hosts/register', '/api/hosts/update-ip'];

/** The counter's total over its labels; null when the metric is not exposed at all. */
export function counterTotal(metricsText: string, name = IDENTITY_COUNTER): number | null {
  if (!new RegExp(`^# TYPE ${name} counter$`, 'm').test(metricsText)) return null;
  let total = 0;
  for (const m of metricsText.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'gm'))) total += Number(m[1]);
  return total;
}

export async function forgedIdentityCounted(app: VerifyApp, healthzUrl: string, options: VerifyOptions): Promise<CheckResult | null> {
  const paths = app.bypassPaths.map((b) => b.path).filter((p) => DEVICE_POST_ROUTES.includes(p));
  if (paths.length === 0) return null;
  const id = 'forged-identity-counted';
  const target = `${app.name} ${paths.join(' ')}`;
  const metricsUrl = new URL('/metrics', healthzUrl).href;
  const seen: string[] = [];
  for (const path of paths) {
    const before = await readCounter(metricsUrl, options);
    if (typeof before === 'string') return { id, target, ok: false, detail: before };
    const marker = `verify-forged-${randomBytes(6).toString('hex')}`;
    let r: ProbeResponse;
    try {
      r = await probe(`${new URL(app.url).origin}${path}`, {
        method: 'POST',
        headers: { ...forgedIdentityHeaders(marker), 'content-type': 'application/json' },
        body: '{}',
        ...probeOptions(options),
      });
    } catch (error) {
      if (error instanceof ProbeError) return { id, target, ok: false, detail: `POST ${path}: ${error.message}` };
      throw error;
    }
    const after = await readCounter(metricsUrl, options);
    if (typeof after === 'string') return { id, target, ok: false, detail: after };
    if (r.body.includes(marker)) return { id, target, ok: false, detail: `POST ${path}: the answer (${r.status}) carries the forged X-authentik-username: the server acted on it` };
    const code = errorCode(r);
    if (r.status < 400 || r.status >= 500 || code === null) {
      return { id, target, ok: false, detail: `POST ${path} with a forged identity and no device token answered ${r.status}${code ? ` ${code}` : ''}, not the server's unauthenticated-device refusal` };
    }
    seen.push(after > before ? `${path}: reached the server, counted (${before} → ${after}), refused ${r.status} ${code}` : `${path}: blanked by the gateway (counter stayed ${after}), refused ${r.status} ${code}`);
  }
  return { id, target, ok: true, detail: seen.join('; ') };
}

async function readCounter(url: string, options: VerifyOptions): Promise<number | string> {
  try {
    const r = await probe(url, probeOptions(options));
    if (r.status !== 200) return `${url} answered ${r.status}`;
    const total = counterTotal(r.body);
    return total ?? `${url} has no ${IDENTITY_COUNTER}: this server cannot prove it ignores forged identities (older version?)`;
  } catch (error) {
    if (error instanceof ProbeError) return error.message;
    throw error;
  }
}

function probeOptions(options: VerifyOptions) {
  return { ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}), ...(options.connectTo ? { connectTo: options.connectTo } : {}) };
}

function errorCode(r: ProbeResponse): string | null {
  if (!String(r.headers['content-type'] ?? '').includes('application/json')) return null;
  try {
    const code = (JSON.parse(r.body) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : null;
  } catch {
    return null;
  }
}
