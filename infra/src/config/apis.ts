/** The two APIs the program calls: Cloudflare (account, zone, tunnel mode) and authentik (its URL). */
import { z } from '@booxstream/config-kit';
import { text } from './fields.js';

const HEX32 = /^[0-9a-f]{32}$/;

export const CLOUDFLARE_SCHEMA = z.strictObject({
  accountId: text(HEX32, 'the 32-hex-digit account id (dashboard URL)'),
  zoneId: text(HEX32, "the 32-hex-digit zone id (the zone's Overview page)"),
  /**
   * `remote`: the tunnel's ingress is set through the Cloudflare API (ZeroTrustTunnelCloudflaredConfig).
   * `local`: the rendered config.yml is copied to the gateway and cloudflared restarted.
   */
  tunnelMode: z.enum(['remote', 'local']).default('remote'),
});
export type CloudflareConfig = Readonly<z.output<typeof CLOUDFLARE_SCHEMA>>;

/** authentik's base URL as the machine running Pulumi reaches it; trailing slashes dropped. */
export const AUTHENTIK_URL_SCHEMA = z
  .string()
  .transform((raw) => raw.replace(/\/+$/, ''))
  .check((ctx) => {
    const problem = (message: string): void => void ctx.issues.push({ code: 'custom', message, input: ctx.value });
    let parsed: URL;
    try {
      parsed = new URL(ctx.value);
    } catch {
      return problem(`${JSON.stringify(ctx.value)} is not a URL`);
    }
    if (!['http:', 'https:'].includes(parsed.protocol)) problem('must be http:// or https://');
    if (parsed.search || parsed.hash) problem('must not have a query or fragment');
  });
