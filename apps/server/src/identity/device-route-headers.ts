/**
 * Device routes never read identity headers; the gateway should blank them there. Counting
 * the requests that still carry one lets `pnpm verify` prove from outside that a forged
 * header reached the server and changed nothing (`booxstream_device_route_identity_headers_total`).
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Any `X-authentik-*` header, dash or underscore spelling (Node keeps underscores as sent). */
export function carriesIdentityHeader(headers: IncomingHttpHeaders): boolean {
  return Object.keys(headers).some((name) => name.startsWith('x-authentik-') || name.startsWith('x_authentik_'));
}
