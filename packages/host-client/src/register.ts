/**
 * Device registration over HTTP, exactly as the Android app's `ApiClient` does it
 * (packages/protocol/ANDROID-APP.md §1): no credentials, JSON body with
 * explicit nulls, 10 s timeouts.
 */
import type { RegisterRequest, RegisterResponse } from '@booxstream/protocol';
import { BadResponseError, InvalidOptionError, NetworkError, RegistrationError } from './errors.js';
import { apiEndpoint } from './ws-url.js';

/** The app's connect and read timeouts are 10 s each; one 10 s budget per request is the strict reading. */
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;
const MAX_ERROR_BODY = 2048;

export interface RegisterOptions {
  /** The device's identity: generated once per tablet and kept. Doubles as its secret, so never log it in full. */
  readonly uuid: string;
  /** [name=null] shown to the owner when approving the device. */
  readonly name?: string | null;
  /** [publicIp=null] the app sends its public IP when it knows it. */
  readonly publicIp?: string | null;
  /** [timeoutMs=10000] */
  readonly timeoutMs?: number;
}

/** What registration yields: the opaque token to send in `auth`, and the host as the server recorded it. */
export interface Registration {
  readonly token: string;
  readonly host: RegisterResponse['host'];
}

/**
 * `POST {apiUrl}/api/hosts/register`. Resolves with the token on any 2xx whose body has
 * the fields the app's Gson model reads.
 *
 * @throws RegistrationError on a non-2xx status (with `status` and `body`)
 * @throws NetworkError when the request fails or times out
 * @throws BadResponseError on a 2xx without a string `token`
 * @throws InvalidOptionError on an empty uuid or a bad API URL
 */
export async function registerDevice(apiUrl: string, options: RegisterOptions): Promise<Registration> {
  if (typeof options.uuid !== 'string' || options.uuid.trim() === '') {
    throw new InvalidOptionError('uuid', 'must be a non-empty string');
  }
  const url = apiEndpoint(apiUrl, '/api/hosts/register');
  const body: RegisterRequest = {
    uuid: options.uuid,
    public_ip: options.publicIp ?? null,
    name: options.name ?? null,
  };
  const res = await post(url, body, undefined, options.timeoutMs);
  const text = await readText(res, url);
  if (!res.ok) throw new RegistrationError(res.status, text.slice(0, MAX_ERROR_BODY), url);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BadResponseError(url, `HTTP ${res.status} body is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
  }
  const obj = json as Partial<RegisterResponse> | null;
  if (typeof obj !== 'object' || obj === null || typeof obj.token !== 'string' || obj.token === '') {
    throw new BadResponseError(url, 'registration answer has no "token" string');
  }
  const host = typeof obj.host === 'object' && obj.host !== null
    ? obj.host
    : { uuid: options.uuid, public_ip: body.public_ip ?? null, name: body.name ?? null };
  return { token: obj.token, host };
}

/**
 * `POST {apiUrl}/api/hosts/update-ip` with `Authorization: Bearer <token>`. Any 2xx is success.
 *
 * @throws RegistrationError on a non-2xx status, NetworkError on failure
 */
export async function updateIp(apiUrl: string, token: string, ip: string, options: { timeoutMs?: number } = {}): Promise<void> {
  if (typeof token !== 'string' || token === '') throw new InvalidOptionError('token', 'must be a non-empty string');
  if (typeof ip !== 'string' || ip === '') throw new InvalidOptionError('ip', 'must be a non-empty string');
  const url = apiEndpoint(apiUrl, '/api/hosts/update-ip');
  const res = await post(url, { public_ip: ip }, token, options.timeoutMs);
  const text = await readText(res, url);
  if (!res.ok) throw new RegistrationError(res.status, text.slice(0, MAX_ERROR_BODY), url);
}

async function post(url: string, body: unknown, token: string | undefined, timeoutMs = DEFAULT_HTTP_TIMEOUT_MS): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8' };
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  try {
    return await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
  } catch (err) {
    throw new NetworkError(url, describeFetchError(err, timeoutMs), { cause: err });
  }
}

async function readText(res: Response, url: string): Promise<string> {
  try {
    return await res.text();
  } catch (err) {
    throw new NetworkError(url, `reading the answer failed: ${describeFetchError(err, 0)}`, { cause: err });
  }
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  // undici hides the useful part (ECONNREFUSED, ENOTFOUND) in `cause`.
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e.message ?? 'request failed'} (${cause})` : (e?.message ?? String(err));
}
