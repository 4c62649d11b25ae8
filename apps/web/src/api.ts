/**
 * Typed wrappers around the server's JSON API. Same origin, so the gateway's
 * session cookie goes along by itself; nothing here holds a token.
 */
import type { ApiErrorBody, HostView, MeView } from '@booxstream/protocol/api';

/** The server answered with an error status (its `{error:{code,message}}` body when it sent one). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** HTTP status; 401 also stands for a gateway redirect to its sign-in page. */
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }

  /** True when nobody is signed in (or the gateway's session expired). */
  get signedOut(): boolean {
    return this.status === 401;
  }
}

/** The request never got an answer: the server is down or the network is. */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
  readonly code = 'WEB_ERR_UNREACHABLE';
}

/** True for an error that means "sign in through the gateway". */
export function isSignedOut(err: unknown): boolean {
  return err instanceof ApiError && err.signedOut;
}

/** Absolute URL of an API path, resolved against the page so a sub-path deployment works too. */
export function apiUrl(path: string): URL {
  return new URL(path, document.baseURI);
}

async function request<T>(method: string, path: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(apiUrl(path), {
      method,
      credentials: 'same-origin',
      // A forward-auth gateway answers an expired session with a redirect to its
      // (cross-origin) sign-in page; following it would only end in a CORS error.
      redirect: 'manual',
      headers: { accept: 'application/json' },
      cache: 'no-store',
      signal,
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new UnreachableError('The BooxStream server cannot be reached.', { cause: err });
  }
  if (res.type === 'opaqueredirect') {
    throw new ApiError(401, 'WEB_ERR_SESSION_EXPIRED', 'Your sign-in has expired.');
  }
  if (!res.ok) throw await errorFrom(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

async function errorFrom(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as Partial<ApiErrorBody>;
    if (body.error && typeof body.error.code === 'string') {
      return new ApiError(res.status, body.error.code, body.error.message ?? res.statusText, body.error.field);
    }
  } catch {
    // Not JSON (a proxy's own error page): fall back to the status line.
  }
  return new ApiError(res.status, `HTTP_${res.status}`, res.statusText || `HTTP ${res.status}`);
}

/** `GET /api/me`: who is signed in. */
export function getMe(signal?: AbortSignal): Promise<MeView> {
  return request<MeView>('GET', 'api/me', signal);
}

/** `GET /api/hosts`: the hosts this user may see. */
export function listHosts(signal?: AbortSignal): Promise<HostView[]> {
  return request<HostView[]>('GET', 'api/hosts', signal);
}

/** `POST /api/hosts/:uuid/approve` (admins). */
export function approveHost(uuid: string): Promise<unknown> {
  return request('POST', `api/hosts/${encodeURIComponent(uuid)}/approve`);
}

/** `POST /api/hosts/:uuid/revoke` (admins). */
export function revokeHost(uuid: string): Promise<unknown> {
  return request('POST', `api/hosts/${encodeURIComponent(uuid)}/revoke`);
}

/** `DELETE /api/hosts/:uuid` (admins). */
export function deleteHost(uuid: string): Promise<unknown> {
  return request('DELETE', `api/hosts/${encodeURIComponent(uuid)}`);
}

/** `ws(s)://` URL of a host's viewer stream. */
export function streamUrl(uuid: string): string {
  const url = apiUrl(`api/hosts/${encodeURIComponent(uuid)}/stream`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  return url.href;
}
