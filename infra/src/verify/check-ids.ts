/**
 * The ids of the post-deploy checks `pnpm verify` runs (`checks.ts` implements one per id).
 * The checklist coverage (`../checklist/coverage.ts`) cites them.
 */
export const VERIFY_CHECK_IDS = Object.freeze([
  'app-redirects-to-authentik',
  'signin-ends-at-login-flow',
  'bypass-reaches-server',
  'bypass-methods-enforced',
  'forged-identity-ignored',
  'forged-identity-counted',
  'forged-forwarded-host-ignored',
  'healthz-through-gateway',
  'traefik-routers-loaded',
] as const);

export type VerifyCheckId = (typeof VERIFY_CHECK_IDS)[number];
