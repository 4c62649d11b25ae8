/**
 * The gateway model as one zod schema: every field's rule, default and description once. The
 * model's TypeScript types (`types.ts`) are inferred from it, the JSON schema editors use
 * (`gateway.schema.json`) is generated from it, and `validateGateway` runs it.
 *
 * A section is either left out (its defaults apply) or declared whole and valid: `null`, an
 * empty value or a partial `flows` / `rateLimit` is refused, never quietly replaced by defaults.
 */
import { describe, integer, z } from '@booxstream/config-kit';
import { AUTHENTIK_SLUG_PATTERN, DEFAULTS } from './defaults.js';
import { bypassKey, bypassRoute } from './bypass.js';
import { checked, line } from './fields.js';
import { appDeploy, type DerivedProblem, withAppDefaults } from './deploy.js';
import type { IdsLayer } from './ids.js';
import type { MfaLayer } from './mfa.js';
import {
  absolutePathProblem,
  APP_NAME,
  durationMs,
  durationProblem,
  ENTRY_POINT,
  EXACT_PATH,
  fqdnProblem,
  LAUNCH_URL,
  originUrlProblem,
  regexProblem,
  routeHostnameProblem,
  stripSlash,
  tunnelServiceProblem,
  UUID,
} from './rules.js';

const fqdn = checked(line(), (s) => fqdnProblem(s));
const origin = checked(line(), originUrlProblem).transform(stripSlash);
const duration = checked(line(), durationProblem);
const absolutePath = checked(line(), absolutePathProblem).transform(stripSlash);
const flowSlug = z.string().regex(AUTHENTIK_SLUG_PATTERN, { error: `must be a flow slug matching ${AUTHENTIK_SLUG_PATTERN.source}` });

/** Counts repeated entries of a list as issues on the repeats. */
function unique<T extends z.ZodType<string>>(item: T, whenMissing?: string) {
  const error = whenMissing === undefined ? undefined : (iss: { input?: unknown }) => (iss.input === undefined ? whenMissing : undefined);
  return z.array(item, { error }).check((ctx) => {
    ctx.value.forEach((v, i) => {
      if (ctx.value.indexOf(v) !== i) ctx.issues.push({ code: 'custom', message: `duplicates ${JSON.stringify(v)}`, path: [i], input: v });
    });
  });
}

const rateLimit = z
  .strictObject({
    average: integer(1, 1_000_000).describe('Requests allowed per `period` per client (keyed on `Cf-Connecting-Ip`).'),
    period: duration.describe('Go duration, e.g. `1m`.'),
    burst: integer(1, 1_000_000).describe('Requests allowed at once above the average.'),
  })
  .describe('Traefik rateLimit on the routes that bypass single sign-on; declared whole or left out for the default.');

const healthCheck = z
  .strictObject({
    path: z.string().regex(EXACT_PATH, { error: "must be a path starting with '/' without query or spaces" }).describe('Path on the upstream, e.g. `/healthz`.'),
    interval: duration.default(DEFAULTS.app.healthCheck.interval).describe('Go duration between checks; must exceed `timeout`.'),
    timeout: duration.default(DEFAULTS.app.healthCheck.timeout).describe('Go duration a check may take.'),
  })
  .check((ctx) => {
    if (durationMs(ctx.value.interval) <= durationMs(ctx.value.timeout)) {
      ctx.issues.push({ code: 'custom', message: `must be longer than the timeout (${ctx.value.timeout})`, path: ['interval'], input: ctx.value });
    }
  })
  .describe("Traefik load-balancer health check of the app's upstream.");

const groupName = z
  .string({ error: (iss) => `must be a group name, got ${describe(iss.input)}` })
  .refine((g) => g.trim() !== '', { error: (iss) => `must be a group name, got ${describe(iss.input)}` });
const NO_GROUPS = 'must name at least one authentik group (with none, every authentik user gets in)';

const appAuthentik = z
  .strictObject({
    name: line().describe('Display name, e.g. `BooxStream`.'),
    slug: z
      .string()
      .regex(AUTHENTIK_SLUG_PATTERN, { error: (iss) => `must match authentik's slug pattern ${AUTHENTIK_SLUG_PATTERN.source}, got ${describe(iss.input)}` })
      .describe("URL-safe id, authentik's pattern."),
    providerName: line().optional().describe('Name of the proxy provider. Default: `<app name>-proxy`.'),
    launchUrl: z.string().regex(LAUNCH_URL, { error: 'must be an absolute http(s) URL' }).optional().describe('Where the library tile points. Default: `https://<hostname>/`.'),
    icon: line({ allowEmpty: true }).default(DEFAULTS.app.authentik.icon).describe('Icon URL or authentik shorthand (`fa://fa-tablet`).'),
    description: line({ allowEmpty: true }).default(DEFAULTS.app.authentik.description),
    publisher: line({ allowEmpty: true }).default(DEFAULTS.app.authentik.publisher),
    policyEngineMode: z
      .enum(['any', 'all'], { error: (iss) => `must be 'any' or 'all', got ${describe(iss.input)}` })
      .default(DEFAULTS.app.authentik.policyEngineMode)
      .describe('With group bindings, `any`: a member of any allowed group gets in.'),
  })
  .describe('The authentik application the app is listed as (what users see in their library).');

const app = z
  .strictObject({
    name: z
      .string()
      .regex(APP_NAME, { error: 'must be 1-40 lowercase letters, digits or inner hyphens (it prefixes Traefik names and the file name)' })
      .describe('Short lowercase name; prefixes every Traefik router, middleware and service, and names the file.'),
    hostname: fqdn.describe("Public hostname, an FQDN within the gateway's domain."),
    upstream: origin.describe('Where Traefik sends signed-in traffic, `http(s)://host:port` without a path.'),
    healthCheck,
    bypassPaths: z
      .array(bypassRoute)
      .check((ctx) => {
        const keys = ctx.value.map(bypassKey);
        keys.forEach((k, i) => {
          if (keys.indexOf(k) !== i) ctx.issues.push({ code: 'custom', message: `duplicates ${JSON.stringify(k)}`, path: [i], input: ctx.value[i] });
        });
      })
      .default(() => [...DEFAULTS.app.bypassPaths])
      .describe(
        'Routes that skip single sign-on (devices and share links that cannot sign in), each with the methods it allows; each gets a rate-limited router with the identity headers blanked.',
      ),
    allowedGroups: unique(groupName, NO_GROUPS)
      .min(1, { error: NO_GROUPS })
      .describe('authentik groups (by name) allowed to use the app; required, bound as group policies.'),
    contentSecurityPolicy: line().default(DEFAULTS.app.contentSecurityPolicy).describe('Content-Security-Policy sent with every response.'),
    rateLimit: rateLimit.default(() => ({ ...DEFAULTS.app.rateLimit })),
    authentik: appAuthentik,
    deploy: appDeploy.optional(),
  })
  .transform(({ authentik, ...rest }) => ({
    ...rest,
    authentik: {
      ...authentik,
      providerName: authentik.providerName ?? DEFAULTS.app.authentik.providerName(rest.name),
      launchUrl: authentik.launchUrl ?? DEFAULTS.app.authentik.launchUrl(rest.hostname),
    },
  }))
  .describe('One app behind the gateway: one Traefik file, one tunnel rule, one authentik provider and application.');

const tunnelRoute = z
  .strictObject({
    hostname: checked(line(), routeHostnameProblem).describe('FQDN, or a leading-wildcard pattern such as `*.example.com`.'),
    service: checked(line(), tunnelServiceProblem).describe('cloudflared service: `http(s)://host:port` without a path, or `http_status:NNN`.'),
    path: checked(z.string(), regexProblem).optional().describe('Go regexp on the request path (unanchored, as cloudflared matches it).'),
    originRequest: z
      .strictObject({
        connectTimeout: integer(1, 3600).optional().describe('Seconds to wait for a TCP connection to the origin.'),
        noTlsVerify: z.boolean().optional().describe("Skip TLS verification of the origin's certificate."),
        httpHostHeader: line().optional().describe('Host header sent to the origin.'),
      })
      .optional(),
  })
  .transform((r) => ({ ...r, service: r.service.startsWith('http_status:') ? r.service : stripSlash(r.service) }))
  .describe('A hostname the tunnel already serves that is not a protected app (auth, homepage…).');

export const GATEWAY_SCHEMA = z
  .strictObject({
    domain: fqdn.describe('DNS zone every app hostname sits in, e.g. `kevinvdb.dev`.'),
    tunnel: z
      .strictObject({
        id: z
          .string()
          .regex(UUID, { error: (iss) => `must be the tunnel's UUID, got ${describe(iss.input)}` })
          .transform((id) => id.toLowerCase())
          .describe('UUID of the (remotely or locally managed) cloudflared tunnel.'),
        credentialsFile: absolutePath.optional().describe('Tunnel credentials on the gateway (locally-managed config.yml). Default: `/etc/cloudflared/<id>.json`.'),
      })
      .transform((t) => ({ id: t.id, credentialsFile: t.credentialsFile ?? DEFAULTS.tunnel.credentialsFile(t.id) })),
    traefik: z.strictObject({
      url: origin.describe('Where cloudflared reaches Traefik, e.g. `http://traefik:80`.'),
      entryPoint: z.string().regex(ENTRY_POINT, { error: 'must be letters, digits, _ or -' }).default(DEFAULTS.traefik.entryPoint).describe('Entry point every router is attached to.'),
      configDir: absolutePath.default(DEFAULTS.traefik.configDir).describe("Directory Traefik's file provider watches on the gateway."),
    }),
    authentik: z.strictObject({
      outpostUrl: origin.describe('The embedded outpost as Traefik reaches it (the authentik server), e.g. `http://authentik_server:9000`.'),
      externalUrl: origin.describe('authentik as browsers reach it, e.g. `https://auth.kevinvdb.dev`.'),
      flows: z
        .strictObject({
          authorization: flowSlug,
          invalidation: flowSlug,
          authentication: flowSlug.optional().describe("Optional; authentik's brand default applies when absent."),
        })
        .default(() => ({ ...DEFAULTS.authentik.flows }))
        .describe('Flow slugs the proxy providers use; declared whole or left out for the stock flows.'),
      embeddedOutpostName: line().default(DEFAULTS.authentik.embeddedOutpostName).describe('Name of the embedded outpost.'),
    }),
    apps: z
      .array(app)
      .min(1, { error: 'must declare at least one app' })
      // The deploy defaults that need the app's name and place in the list (deploy.ts).
      .transform((apps, ctx) =>
        apps.map(({ deploy, ...rest }, i) => {
          const problems: DerivedProblem[] = [];
          const placed = deploy === undefined ? undefined : withAppDefaults(deploy, rest.name, i, problems);
          for (const p of problems) ctx.issues.push({ code: 'custom', message: p.message, path: [i, 'deploy', ...p.path], input: deploy });
          return { ...rest, ...(placed !== undefined ? { deploy: placed } : {}) };
        }),
      ),
    tunnelRoutes: z
      .array(tunnelRoute)
      .default(() => [])
      .describe('Other tunnel hostnames the program owns (merged per hostname; hostnames not listed are never touched).'),
    // Checked by model/ids.ts and model/mfa.ts (validateGateway runs them; mfa needs the app names).
    ids: z
      .custom<IdsLayer>(() => true)
      .optional()
      .describe('Intrusion detection (model/ids.ts): CrowdSec, with a bouncer first on every router; absent: off.'),
    mfa: z
      .custom<MfaLayer>(() => true)
      .optional()
      .describe("Two-factor sign-in in authentik (model/mfa.ts): gateway-wide or per app; absent: authentik's flows as they are."),
  })
  .describe('The home gateway (Cloudflare tunnel → Traefik → authentik forward auth) and every app it protects.');
