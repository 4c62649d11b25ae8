/**
 * The official authentik client (`@goauthentik/api`), built per call site from a URL and a
 * token. Nothing here is module-level state: the dynamic providers load this module inside
 * their CRUD methods, so no client object is ever captured by Pulumi's closure serializer.
 */
import {
  Configuration,
  CoreApi,
  FlowsApi,
  OutpostsApi,
  PoliciesApi,
  ProvidersApi,
  ResponseError,
  type FetchAPI,
} from '@goauthentik/api';
import { AuthentikApiError } from '../errors.js';

/** Where authentik's API is and how to authenticate to it. */
export interface AuthentikConnection {
  /** Base URL of the authentik server, e.g. `https://auth.example.com` (the client appends `/api/v3`). */
  readonly url: string;
  /** An API token (Directory → Tokens, intent API) of a user allowed to manage providers, applications and outposts. */
  readonly token: string;
  /** [fetchApi=globalThis.fetch] Injected by tests that count or observe requests. */
  readonly fetchApi?: FetchAPI;
}

/** The API groups the CRUD modules use. */
export interface AuthentikApis {
  readonly core: CoreApi;
  readonly flows: FlowsApi;
  readonly outposts: OutpostsApi;
  readonly policies: PoliciesApi;
  readonly providers: ProvidersApi;
}

/** `https://auth.example.com/` → `https://auth.example.com/api/v3`. */
export function apiBasePath(url: string): string {
  return `${url.replace(/\/+$/, '')}/api/v3`;
}

export function authentikApis(connection: AuthentikConnection): AuthentikApis {
  const configuration = new Configuration({
    basePath: apiBasePath(connection.url),
    accessToken: connection.token,
    ...(connection.fetchApi ? { fetchApi: connection.fetchApi } : {}),
  });
  return {
    core: new CoreApi(configuration),
    flows: new FlowsApi(configuration),
    outposts: new OutpostsApi(configuration),
    policies: new PoliciesApi(configuration),
    providers: new ProvidersApi(configuration),
  };
}

/**
 * Runs one API call and turns the client's `ResponseError` into an `AuthentikApiError` that
 * carries authentik's error body (field messages) but never the request headers (token).
 */
export async function callApi<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ResponseError) {
      throw new AuthentikApiError(operation, error.response.status, await readErrorBody(error.response));
    }
    throw error;
  }
}

/** Like `callApi`, but a 404 (object gone) is `null` instead of an error. */
export async function callApiOrNull<T>(operation: string, fn: () => Promise<T>): Promise<T | null> {
  try {
    return await callApi(operation, fn);
  } catch (error) {
    if (error instanceof AuthentikApiError && error.status === 404) return null;
    throw error;
  }
}

async function readErrorBody(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.slice(0, 500);
  }
}
