/**
 * One bounded HTTP request, the way curl -I would see it: no redirect following, no cookies,
 * a hard timeout, a capped body. `connectTo` sends a hostname's traffic to another address
 * while keeping the Host header and TLS name (curl's --connect-to), so the checks can run
 * against a gateway before DNS points at it, or against role-players on loopback in tests.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface ProbeOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** [timeoutMs=10000] The whole exchange, connect to last byte. */
  timeoutMs?: number;
  /** hostname → where to connect instead (`{ host: '127.0.0.1', port: 8443 }`). */
  connectTo?: ReadonlyMap<string, { host: string; port: number }>;
}

export interface ProbeResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** At most MAX_BODY_BYTES of the body, as text. */
  body: string;
}

export const MAX_BODY_BYTES = 64 * 1024;

export class ProbeError extends Error {
  readonly code = 'INFRA_ERR_PROBE';
  constructor(
    readonly url: string,
    message: string,
  ) {
    super(`${url}: ${message}`);
    this.name = 'ProbeError';
  }
}

export function probe(url: string, options: ProbeOptions = {}): Promise<ProbeResponse> {
  const target = new URL(url);
  const override = options.connectTo?.get(target.hostname);
  const secure = target.protocol === 'https:';
  const timeoutMs = options.timeoutMs ?? 10_000;
  const request = secure ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { host: target.host, 'user-agent': 'booxstream-verify', ...options.headers };
  if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));

  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const req = request({
      host: override?.host ?? target.hostname,
      port: override?.port ?? (target.port ? Number(target.port) : secure ? 443 : 80),
      // As written: `new URL()` resolves `..` and `%2e%2e`, which would turn every traversal
      // probe into a plain request for its target.
      path: requestTarget(url),
      method: options.method ?? 'GET',
      headers,
      // TLS is checked against the URL's name even when connecting elsewhere.
      ...(secure ? { servername: target.hostname } : {}),
      agent: false,
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish(() => reject(new ProbeError(url, `no complete answer within ${timeoutMs} ms`)));
    }, timeoutMs);
    req.on('error', (error) => finish(() => reject(new ProbeError(url, error.message))));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < MAX_BODY_BYTES) chunks.push(chunk.subarray(0, MAX_BODY_BYTES - size));
        size += chunk.length;
      });
      res.on('end', () =>
        finish(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') })),
      );
      res.on('error', (error) => finish(() => reject(new ProbeError(url, error.message))));
    });
    req.end(options.body);
  });
}

/**
 * The request target of an absolute URL exactly as written (path and query, fragment
 * dropped): no dot-segment removal, no re-encoding.
 */
export function requestTarget(url: string): string {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^#]*)/i.exec(url);
  const target = match?.[1] ?? '';
  if (target === '') return '/';
  return target.startsWith('?') ? `/${target}` : target;
}
