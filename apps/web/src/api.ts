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

async function request<T>(method: string, path: string, signal?: AbortSignal, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(apiUrl(path), {
      method,
      credentials: 'same-origin',
      // A forward-auth gateway answers an expired session with a redirect to its
      // (cross-origin) sign-in page; following it would only end in a CORS error.
      redirect: 'manual',
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
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

/** `POST /api/hosts/:uuid/confirm-network` (owner or admin): the re-registration from a new network becomes the device's token. */
export function confirmNetwork(uuid: string, network: string): Promise<unknown> {
  return request('POST', `api/hosts/${encodeURIComponent(uuid)}/confirm-network`, undefined, { network });
}

/** `POST /api/hosts/:uuid/dismiss-network` (owner or admin): the waiting re-registration is dropped. */
export function dismissNetwork(uuid: string): Promise<unknown> {
  return request('POST', `api/hosts/${encodeURIComponent(uuid)}/dismiss-network`);
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

/** One kept frame of a device's history. */
export interface HistoryEntry {
  readonly id: number;
  readonly at: number;
  readonly bytes: number;
}

/** `GET /api/hosts/:uuid/history`: kept frames since `from` (ms), oldest first, every page up to `max` entries. */
export async function listHistory(uuid: string, from: number, max = 5000, signal?: AbortSignal): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  let after = 0;
  while (out.length < max) {
    const page = await request<{ entries: HistoryEntry[]; next: number | null }>(
      'GET', `api/hosts/${encodeURIComponent(uuid)}/history?from=${Math.floor(from)}&after=${after}&limit=1000`, signal);
    out.push(...page.entries);
    if (page.next === null) break;
    after = page.next;
  }
  return out.slice(-max);
}

/** URL of one kept frame's JPEG. */
export function historyFrameUrl(uuid: string, id: number): string {
  return apiUrl(`api/hosts/${encodeURIComponent(uuid)}/history/${id}`).href;
}

/** URL of a time range's download. */
export function historyExportUrl(uuid: string, from: number, to: number, format: 'zip' | 'pdf'): string {
  return apiUrl(`api/hosts/${encodeURIComponent(uuid)}/history/export?format=${format}&from=${from}&to=${to}`).href;
}

export interface ShareView {
  readonly id: string;
  readonly expiresAt: number;
  readonly maxViewers: number | null;
  readonly state: 'active' | 'expired' | 'revoked';
  readonly createdBy: string;
  readonly viewers?: number;
  /** Only in the answer that created it: the link, with its secret. */
  readonly url?: string;
}

/** `POST /api/hosts/:uuid/shares`. */
export function createShare(uuid: string, expiresInHours: number, maxViewers: number | null): Promise<ShareView> {
  return request('POST', `api/hosts/${encodeURIComponent(uuid)}/shares`, undefined, { expiresInHours, maxViewers });
}

/** `GET /api/hosts/:uuid/shares`. */
export function listShares(uuid: string): Promise<ShareView[]> {
  return request('GET', `api/hosts/${encodeURIComponent(uuid)}/shares`);
}

/** `DELETE /api/hosts/:uuid/shares/:id`. */
export function revokeShare(uuid: string, id: string): Promise<unknown> {
  return request('DELETE', `api/hosts/${encodeURIComponent(uuid)}/shares/${encodeURIComponent(id)}`);
}

/** `ws(s)://` URL of a share link's stream (the page is at `/share/<id>`). */
export function shareStreamUrl(id: string): string {
  const url = new URL(`${encodeURIComponent(id)}/stream`, new URL('./', location.href));
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  return url.href;
}
