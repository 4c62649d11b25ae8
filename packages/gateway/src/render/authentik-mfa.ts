/**
 * Two-factor sign-in as authentik API operations, in the order they must run: each step names
 * the object (a stable key), the endpoint, whether it creates an object of ours (`POST`) or
 * adopts one of authentik's defaults (`PATCH`, with the fields whose previous values must be
 * remembered and put back on destroy), and its body, validated against authentik's
 * `schema.yml`. Bodies reference other objects' primary keys, which the caller resolves
 * (`pks`); the preview passes placeholders.
 *
 *   scope gateway  adopts the default flow's stages: its MFA validation stage goes from
 *                  "skip when not configured" to "configure" (TOTP or WebAuthn), its password
 *                  stage cancels after N failures, its login stage keeps sessions 1 h; a deny
 *                  stage guarded by a reputation policy (negated) refuses repeat offenders.
 *   scope apps     builds a flow of our own with the same stages (reusing authentik's default
 *                  identification stage unchanged), for the listed apps' providers only.
 */
import { MFA_DEFAULTS, type MfaLayer } from '../model/mfa.js';
import type { Gateway, ProtectedApp } from '../model/types.js';

/** authentik's default objects this layer reads or adopts (created by its default blueprints). */
export const AUTHENTIK_DEFAULT_STAGES = Object.freeze({
  identification: 'default-authentication-identification',
  password: 'default-authentication-password',
  mfaValidation: 'default-authentication-mfa-validation',
  login: 'default-authentication-login',
});

/** The flow `scope: apps` creates; its slug goes into the listed apps' providers. */
export const MFA_FLOW_SLUG = 'booxstream-mfa-authentication';
const PREFIX = 'booxstream-mfa';

/** Stage orders in the flow: deny right after identification, before any password is tried. */
export const MFA_STAGE_ORDER = Object.freeze({ identification: 10, deny: 15, password: 20, validate: 30, login: 100 });

export type MfaObjectKey =
  | 'totp-setup'
  | 'webauthn-setup'
  | 'validate'
  | 'deny'
  | 'reputation'
  | 'flow'
  | 'password'
  | 'login'
  | 'binding-identification'
  | 'binding-deny'
  | 'binding-password'
  | 'binding-validate'
  | 'binding-login'
  | 'reputation-on-deny';

/** Primary keys the bodies reference: the flow, and every object a later step points at. */
export type MfaPks = Partial<Record<MfaObjectKey | 'default-flow' | 'default-identification' | 'default-password' | 'default-validate' | 'default-login', string>>;

export interface MfaStep {
  readonly key: MfaObjectKey;
  /** `POST` creates an object of ours; `PATCH` adopts an authentik default (found by `adopt.name`). */
  readonly method: 'POST' | 'PATCH';
  /** API path under /api/v3 (the collection; a PATCH goes to `<path><pk>/`). */
  readonly path: string;
  /** The schema.yml component the body is checked against. */
  readonly schema: string;
  readonly body: Record<string, unknown>;
  /** For a PATCH: the default object's name and the fields whose previous values are restored on destroy. */
  readonly adopt?: { readonly name: string; readonly restoreFields: readonly string[] };
}

const pk = (pks: MfaPks, key: keyof MfaPks): string => pks[key] ?? `<${key}>`;

/** A reference the steps make to an authentik default they never change, and how to find it. */
export interface MfaLookup {
  readonly key: 'default-flow' | 'default-identification';
  /** Collection under /api/v3 and the exact-match filter (`slug` for flows, `name` otherwise). */
  readonly path: string;
  readonly field: 'slug' | 'name';
  readonly value: string;
}

/** The defaults the scope refers to by pk: the adopted flow (gateway) or the identification stage (apps). */
export function mfaLookups(mfa: MfaLayer): MfaLookup[] {
  return mfa.scope === 'gateway'
    ? [{ key: 'default-flow', path: '/flows/instances/', field: 'slug', value: mfa.defaultFlowSlug }]
    : [{ key: 'default-identification', path: '/stages/identification/', field: 'name', value: AUTHENTIK_DEFAULT_STAGES.identification }];
}

/** The pks a step's body refers to (other steps or lookups), found as the placeholders of an unresolved render. */
export function mfaStepReferences(step: MfaStep): (keyof MfaPks)[] {
  return [...new Set([...JSON.stringify(step.body).matchAll(/"<([a-z-]+)>"/g)].map((m) => m[1] as keyof MfaPks))];
}

/**
 * The authentication flow a provider of `app` names: the flow of our own when `mfa:` lists
 * the app, else the model's `authentik.flows.authentication` (unset: authentik uses the
 * brand's flow).
 */
export function providerAuthenticationFlowSlug(gateway: Gateway, app: Pick<ProtectedApp, 'name'>): string | undefined {
  if (gateway.mfa?.scope === 'apps' && gateway.mfa.apps.includes(app.name)) return MFA_FLOW_SLUG;
  return gateway.authentik.flows.authentication;
}

/** Where a signed-out visitor of `app` must end up: authentik's flow interface of this slug. */
export function signInFlowSlug(gateway: Gateway, app: Pick<ProtectedApp, 'name'>): string {
  return providerAuthenticationFlowSlug(gateway, app) ?? gateway.mfa?.defaultFlowSlug ?? MFA_DEFAULTS.defaultFlowSlug;
}

export function renderMfaSteps(mfa: MfaLayer, pks: MfaPks): MfaStep[] {
  const steps: MfaStep[] = [
    { key: 'totp-setup', method: 'POST', path: '/stages/authenticator/totp/', schema: 'AuthenticatorTOTPStageRequest', body: { name: `${PREFIX}-totp-setup`, digits: '6', friendly_name: 'Authenticator app' } },
    {
      key: 'webauthn-setup',
      method: 'POST',
      path: '/stages/authenticator/webauthn/',
      schema: 'AuthenticatorWebAuthnStageRequest',
      body: { name: `${PREFIX}-webauthn-setup`, friendly_name: 'Security key or passkey', user_verification: 'preferred', resident_key_requirement: 'preferred' },
    },
  ];
  const validateFields = {
    device_classes: ['totp', 'webauthn'],
    // Users without a second factor are sent to set one up, instead of being let through.
    not_configured_action: 'configure',
    configuration_stages: [pk(pks, 'totp-setup'), pk(pks, 'webauthn-setup')],
    // Every sign-in asks for the second factor.
    last_auth_threshold: 'seconds=0',
  };
  const denyAndReputation: MfaStep[] = [
    { key: 'deny', method: 'POST', path: '/stages/deny/', schema: 'DenyStageRequest', body: { name: `${PREFIX}-deny`, deny_message: 'Too many failed sign-ins. Try again later.' } },
    {
      key: 'reputation',
      method: 'POST',
      path: '/policies/reputation/',
      schema: 'ReputationPolicyRequest',
      // Passes while the score (of the address and of the username) is above the threshold.
      body: { name: `${PREFIX}-reputation`, check_ip: true, check_username: true, threshold: mfa.reputationThreshold, execution_logging: false },
    },
  ];
  const binding = (key: MfaObjectKey, stage: keyof MfaPks, order: number, extra: Record<string, unknown> = {}): MfaStep => ({
    key,
    method: 'POST',
    path: '/flows/bindings/',
    schema: 'FlowStageBindingRequest',
    body: { target: mfa.scope === 'gateway' ? pk(pks, 'default-flow') : pk(pks, 'flow'), stage: pk(pks, stage), order, ...extra },
  });
  // The deny stage runs only when the reputation policy fails (negated binding), re-checked at that point.
  const denyBinding = binding('binding-deny', 'deny', MFA_STAGE_ORDER.deny, { evaluate_on_plan: false, re_evaluate_policies: true });
  const reputationOnDeny: MfaStep = {
    key: 'reputation-on-deny',
    method: 'POST',
    path: '/policies/bindings/',
    schema: 'PolicyBindingRequest',
    body: { policy: pk(pks, 'reputation'), target: pk(pks, 'binding-deny'), negate: true, order: 0, enabled: true, timeout: 30 },
  };

  if (mfa.scope === 'gateway') {
    steps.push(
      {
        key: 'validate',
        method: 'PATCH',
        path: '/stages/authenticator/validate/',
        schema: 'PatchedAuthenticatorValidateStageRequest',
        body: validateFields,
        adopt: { name: AUTHENTIK_DEFAULT_STAGES.mfaValidation, restoreFields: Object.keys(validateFields) },
      },
      {
        key: 'password',
        method: 'PATCH',
        path: '/stages/password/',
        schema: 'PatchedPasswordStageRequest',
        body: { failed_attempts_before_cancel: mfa.failedAttemptsBeforeCancel },
        adopt: { name: AUTHENTIK_DEFAULT_STAGES.password, restoreFields: ['failed_attempts_before_cancel'] },
      },
      {
        key: 'login',
        method: 'PATCH',
        path: '/stages/user_login/',
        schema: 'PatchedUserLoginStageRequest',
        body: { session_duration: mfa.sessionDuration },
        adopt: { name: AUTHENTIK_DEFAULT_STAGES.login, restoreFields: ['session_duration'] },
      },
      ...denyAndReputation,
      denyBinding,
      reputationOnDeny,
    );
  } else {
    steps.push(
      { key: 'validate', method: 'POST', path: '/stages/authenticator/validate/', schema: 'AuthenticatorValidateStageRequest', body: { name: `${PREFIX}-validate`, ...validateFields } },
      {
        key: 'password',
        method: 'POST',
        path: '/stages/password/',
        schema: 'PasswordStageRequest',
        body: { name: `${PREFIX}-password`, backends: ['authentik.core.auth.InbuiltBackend', 'authentik.core.auth.TokenBackend'], failed_attempts_before_cancel: mfa.failedAttemptsBeforeCancel },
      },
      { key: 'login', method: 'POST', path: '/stages/user_login/', schema: 'UserLoginStageRequest', body: { name: `${PREFIX}-login`, session_duration: mfa.sessionDuration } },
      ...denyAndReputation,
      {
        key: 'flow',
        method: 'POST',
        path: '/flows/instances/',
        schema: 'FlowRequest',
        body: { name: 'BooxStream sign-in with a second factor', slug: MFA_FLOW_SLUG, title: 'Sign in', designation: 'authentication', authentication: 'require_unauthenticated' },
      },
      binding('binding-identification', 'default-identification', MFA_STAGE_ORDER.identification),
      denyBinding,
      binding('binding-password', 'password', MFA_STAGE_ORDER.password),
      binding('binding-validate', 'validate', MFA_STAGE_ORDER.validate),
      binding('binding-login', 'login', MFA_STAGE_ORDER.login),
      reputationOnDeny,
    );
  }

  // Pure: the tests check every body against authentik's schema.yml.
  return steps;
}
