/**
 * Two-factor sign-in (seed 002, "Authelia 2FA TOTP", "5 attempts", "1h sessions"), in
 * authentik's terms. Declared as the gateway model's optional `mfa:` section:
 *
 *   scope: gateway  the brand's default authentication flow gains the MFA stage: every app
 *                   signing in through authentik (Affine too) asks for a second factor;
 *   scope: apps     a flow of our own, used only by the listed apps' proxy providers; other
 *                   apps keep signing in as before.
 */
import type { ConfigIssue } from '../errors.js';

export type MfaScope = 'gateway' | 'apps';

export interface MfaLayer {
  readonly scope: MfaScope;
  /** With `scope: apps`, the app names whose sign-in requires a second factor. [apps=[]] */
  readonly apps: readonly string[];
  /** Wrong passwords before the password stage cancels the flow. [failedAttemptsBeforeCancel=5] */
  readonly failedAttemptsBeforeCancel: number;
  /** authentik's reputation score at or below which sign-in is denied (each failure costs 1). [reputationThreshold=-5] */
  readonly reputationThreshold: number;
  /** authentik timedelta of a session. [sessionDuration='hours=1'] */
  readonly sessionDuration: string;
  /** The flow `scope: gateway` adopts. [defaultFlowSlug='default-authentication-flow'] */
  readonly defaultFlowSlug: string;
}

export const MFA_DEFAULTS = Object.freeze({
  failedAttemptsBeforeCancel: 5,
  reputationThreshold: -5,
  sessionDuration: 'hours=1',
  defaultFlowSlug: 'default-authentication-flow',
});

const KNOWN = ['scope', 'apps', 'failedAttemptsBeforeCancel', 'reputationThreshold', 'sessionDuration', 'defaultFlowSlug'];
// authentik's timedelta syntax: `hours=1;minutes=30`.
const TIMEDELTA = /^(weeks|days|hours|minutes|seconds)=\d+(;(weeks|days|hours|minutes|seconds)=\d+)*$/;

/** Checks the `mfa:` section against the declared app names; problems go to `issues`. */
export function checkMfa(input: unknown, path: string, appNames: readonly string[], issues: ConfigIssue[]): MfaLayer | undefined {
  const before = issues.length;
  const add = (at: string, message: string) => issues.push({ path: `${path}.${at}`, message });
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    issues.push({ path, message: 'must be an object' });
    return undefined;
  }
  const o = input as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KNOWN.includes(k)) add(k, `is not a known field (known: ${KNOWN.join(', ')})`);
  const scope = o['scope'];
  if (scope !== 'gateway' && scope !== 'apps') add('scope', `must be 'gateway' (every app, by the default flow) or 'apps' (the listed apps), got ${JSON.stringify(scope)}`);
  const apps = o['apps'] ?? [];
  if (!Array.isArray(apps)) add('apps', 'must be a list of app names');
  else {
    apps.forEach((a, i) => {
      if (typeof a !== 'string' || !appNames.includes(a)) add(`apps[${i}]`, `must name an app of apps: (${appNames.join(', ')}), got ${JSON.stringify(a)}`);
    });
    if (scope === 'apps' && apps.length === 0) add('apps', "must list at least one app when scope is 'apps'");
    if (scope === 'gateway' && apps.length > 0) add('apps', "must be left out when scope is 'gateway' (every app is covered)");
  }
  const int = (key: string, min: number, max: number): number | undefined => {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) add(key, `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const failed = int('failedAttemptsBeforeCancel', 1, 100);
  const threshold = int('reputationThreshold', -1000, -1);
  const session = o['sessionDuration'];
  if (session !== undefined && (typeof session !== 'string' || !TIMEDELTA.test(session))) add('sessionDuration', `must be an authentik timedelta such as hours=1, got ${JSON.stringify(session)}`);
  const slug = o['defaultFlowSlug'];
  if (slug !== undefined && (typeof slug !== 'string' || !/^[-a-zA-Z0-9_]+$/.test(slug))) add('defaultFlowSlug', `must be a flow slug, got ${JSON.stringify(slug)}`);
  if (issues.length > before) return undefined;
  return {
    scope: scope as MfaScope,
    apps: [...(apps as string[])],
    failedAttemptsBeforeCancel: failed ?? MFA_DEFAULTS.failedAttemptsBeforeCancel,
    reputationThreshold: threshold ?? MFA_DEFAULTS.reputationThreshold,
    sessionDuration: (session as string | undefined) ?? MFA_DEFAULTS.sessionDuration,
    defaultFlowSlug: (slug as string | undefined) ?? MFA_DEFAULTS.defaultFlowSlug,
  };
}
