/** Coded errors of the Cloudflare resources; each message names what to fix. */

/** Cloudflare answered with an error; `errors` are its `{code, message}` entries (never the token). */
export class CloudflareApiError extends Error {
  readonly code = 'INFRA_ERR_CLOUDFLARE_API';
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly errors: unknown,
  ) {
    super(`cloudflare ${operation} failed with HTTP ${status}: ${JSON.stringify(errors)}`);
    this.name = 'CloudflareApiError';
  }
}

/**
 * A DNS record already holds an app's hostname and does not point at this tunnel. Raised
 * before anything is changed; the message names the record and the two ways out.
 */
export class DnsCollisionError extends Error {
  readonly code = 'INFRA_ERR_DNS_COLLISION';
  constructor(
    readonly hostname: string,
    readonly existing: { id: string; type: string; content: string },
    readonly target: string,
    readonly adoptKey: string,
  ) {
    super(
      `DNS record ${existing.type} ${hostname} → ${existing.content} (id ${existing.id}) already exists and does not point at this tunnel (${target}). ` +
        `Nothing was changed. Either remove or repoint that record yourself, or let the program take it over: add "${hostname}" to ${adoptKey} ` +
        `(it then points the record at the tunnel, and \`pulumi destroy\` puts the record back as it is now).`,
    );
    this.name = 'DnsCollisionError';
  }
}

/** The dynamic provider ran without a Cloudflare token. */
export class CloudflareNotConfiguredError extends Error {
  readonly code = 'INFRA_ERR_CLOUDFLARE_NOT_CONFIGURED';
  constructor(detail: string) {
    super(`cloudflare connection is not configured: ${detail}`);
    this.name = 'CloudflareNotConfiguredError';
  }
}
