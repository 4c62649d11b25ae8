/**
 * Every default of the gateway model, in one place. `validateGateway` fills these in after
 * checking the input; renderers never invent values of their own.
 */

export const DEFAULTS = {
  traefik: {
    // The entry point cloudflared's plain-HTTP traffic arrives on (the seed's `web`, port 80).
    entryPoint: 'web',
    // The directory the file provider watches; mounting the directory (not the file) keeps
    // fsnotify events flowing when a file is replaced (VENDOR-NOTES.md#file-provider).
    configDir: '/opt/traefik/config',
  },
  authentik: {
    flows: {
      // authentik's stock flows, present on every install.
      authorization: 'default-provider-authorization-implicit-consent',
      invalidation: 'default-provider-invalidation-flow',
    },
    // `MANAGED_OUTPOST_NAME` in authentik/outposts/apps.py.
    embeddedOutpostName: 'authentik Embedded Outpost',
  },
  tunnel: {
    // cloudflared's convention for `tunnel create` output.
    credentialsFile: (tunnelId: string): string => `/etc/cloudflared/${tunnelId}.json`,
  },
  app: {
    healthCheck: { interval: '30s', timeout: '5s' },
    // Seed 002's hardening layer: 100 requests a minute, bursts of 50, per client.
    rateLimit: { average: 100, period: '1m', burst: 50 },
    // Safe for any app: no framing, no plugin content, no <base> hijack. Apps with a known
    // asset policy (BooxStream) declare a full CSP instead.
    contentSecurityPolicy: "frame-ancestors 'none'; base-uri 'self'; object-src 'none'",
    bypassPaths: [] as never[],
    authentik: {
      providerName: (appName: string): string => `${appName}-proxy`,
      launchUrl: (hostname: string): string => `https://${hostname}/`,
      icon: '',
      description: '',
      publisher: '',
      policyEngineMode: 'any' as const,
    },
  },
} as const;

/** authentik's slug pattern (ApplicationRequest.slug in schema.yml). */
export const AUTHENTIK_SLUG_PATTERN = /^[-a-zA-Z0-9_]+$/;
