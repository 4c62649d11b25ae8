/**
 * The official Cloudflare client (`cloudflare` SDK), built per call from a token, the way the
 * authentik client is: never module-level state, so Pulumi's closure serializer never sees it.
 */
import Cloudflare, { APIError } from 'cloudflare';
import { CloudflareApiError } from './errors.js';

export interface CloudflareConnection {
  /** API token: Zone DNS edit + Account Cloudflare Tunnel edit. */
  readonly token: string;
  /** [baseUrl=the SDK's default, https://api.cloudflare.com/client/v4] Tests point it at the fake. */
  readonly baseUrl?: string | undefined;
}

export function cloudflareClient(connection: CloudflareConnection): Cloudflare {
  return new Cloudflare({
    apiToken: connection.token,
    ...(connection.baseUrl ? { baseURL: connection.baseUrl } : {}),
    // The SDK retries 409/429/5xx itself; a retried PUT of a whole ingress list is still
    // the same list, so retrying is safe.
    maxRetries: 2,
  });
}

/** Runs one SDK call; an API error becomes a CloudflareApiError with Cloudflare's own codes. */
export async function callCloudflare<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof APIError) throw new CloudflareApiError(operation, error.status ?? 0, error.errors);
    throw error;
  }
}
