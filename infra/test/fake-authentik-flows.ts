/**
 * The fake authentik's flows, stages, policies and their bindings: what the two-factor layer
 * creates and adopts. Seeded like a fresh authentik from its default blueprints
 * (`default-authentication-flow` with its identification, password, MFA-validation and login
 * stages bound at orders 10, 20, 30, 100), with authentik's relational rules:
 *
 * - stage and policy names are unique, flow slugs are unique, a stage binding is unique per
 *   (target, stage, order); every referenced flow, stage, policy or binding target must exist;
 * - a flow and a stage binding are PolicyBindingModels with their own primary key, so a policy
 *   binding targets their `policybindingmodel_ptr_id`, not their pk;
 * - deleting cascades like authentik's foreign keys: a stage takes its bindings and leaves the
 *   validation stages' `configuration_stages`; a flow takes its bindings and is unset on the
 *   providers that named it; a stage binding or a policy takes its policy bindings.
 */
import { randomUUID } from 'node:crypto';
import type { FakeFlow, FakeState } from './fake-authentik.js';
import { invalid, notFound, paginate, type Ctx, type Result, type Wire } from './fake-authentik-rest.js';

export type StageKind = 'totp' | 'webauthn' | 'validate' | 'deny' | 'password' | 'user_login' | 'identification';

export interface FakeStage {
  pk: string;
  kind: StageKind;
  name: string;
  /** The kind's writable fields (wire format). */
  fields: Wire;
}
export interface FakePolicy {
  pk: string;
  name: string;
  /** ReputationPolicy's writable fields besides the name. */
  fields: Wire;
}
export interface FakeFlowBinding {
  pk: string;
  pbm: string;
  target: string;
  stage: string;
  order: number;
  fields: Wire;
}

interface StageKindInfo {
  op: string;
  component: string;
  model: string;
  verbose: string;
  defaults: () => Wire;
  /** Read-only fields the response schema requires. */
  readOnly?: Wire;
}

const STAGE_KINDS: Record<StageKind, StageKindInfo> = {
  totp: {
    op: 'stages_authenticator_totp',
    component: 'ak-stage-authenticator-totp-form',
    model: 'authentik_stages_authenticator_totp.authenticatortotpstage',
    verbose: 'TOTP Authenticator Setup Stage',
    defaults: () => ({ configure_flow: null, friendly_name: '', digits: '6' }),
  },
  webauthn: {
    op: 'stages_authenticator_webauthn',
    component: 'ak-stage-authenticator-webauthn-form',
    model: 'authentik_stages_authenticator_webauthn.authenticatorwebauthnstage',
    verbose: 'WebAuthn Authenticator Setup Stage',
    defaults: () => ({ configure_flow: null, friendly_name: '', user_verification: 'preferred', authenticator_attachment: null, resident_key_requirement: 'preferred', hints: [], device_type_restrictions: [], max_attempts: 0 }),
    readOnly: { device_type_restrictions_obj: [] },
  },
  validate: {
    op: 'stages_authenticator_validate',
    component: 'ak-stage-authenticator-validate-form',
    model: 'authentik_stages_authenticator_validate.authenticatorvalidatestage',
    verbose: 'Authenticator Validation Stage',
    defaults: () => ({
      not_configured_action: 'skip',
      device_classes: ['static', 'totp', 'webauthn', 'duo', 'sms', 'email'],
      configuration_stages: [],
      last_auth_threshold: 'seconds=0',
      webauthn_user_verification: 'preferred',
      webauthn_hints: [],
      webauthn_allowed_device_types: [],
    }),
    readOnly: { webauthn_allowed_device_types_obj: [] },
  },
  deny: { op: 'stages_deny', component: 'ak-stage-deny-form', model: 'authentik_stages_deny.denystage', verbose: 'Deny Stage', defaults: () => ({ deny_message: '' }) },
  password: {
    op: 'stages_password',
    component: 'ak-stage-password-form',
    model: 'authentik_stages_password.passwordstage',
    verbose: 'Password Stage',
    defaults: () => ({ backends: [], configure_flow: null, failed_attempts_before_cancel: 5, allow_show_password: false }),
  },
  user_login: {
    op: 'stages_user_login',
    component: 'ak-stage-user-login-form',
    model: 'authentik_stages_user_login.userloginstage',
    verbose: 'User Login Stage',
    defaults: () => ({ session_duration: 'seconds=0', terminate_other_sessions: false, remember_me_offset: 'seconds=0', network_binding: 'no_binding', geoip_binding: 'no_binding', remember_device: 'days=30' }),
  },
  identification: {
    op: 'stages_identification',
    component: 'ak-stage-identification-form',
    model: 'authentik_stages_identification.identificationstage',
    verbose: 'Identification Stage',
    defaults: () => ({ user_fields: ['email', 'username'], password_stage: null, captcha_stage: null, case_insensitive_matching: true, show_matched_user: true, enrollment_flow: null, recovery_flow: null, passwordless_flow: null }),
  },
};

/** authentik's default-authentication-flow blueprint objects, by name. */
export const DEFAULT_AUTHENTICATION = {
  flow: 'default-authentication-flow',
  identification: 'default-authentication-identification',
  password: 'default-authentication-password',
  mfaValidation: 'default-authentication-mfa-validation',
  login: 'default-authentication-login',
} as const;

/** Adds the default authentication flow's stages and bindings to a seeded state (the flow exists). */
export function seedDefaultAuthentication(state: FakeState): void {
  const flow = [...state.flows.values()].find((f) => f.slug === DEFAULT_AUTHENTICATION.flow)!;
  Object.assign(flow, { name: 'Welcome to authentik!', title: 'Welcome to authentik!' });
  const stage = (kind: StageKind, name: string, fields: Wire = {}) => {
    const s: FakeStage = { pk: randomUUID(), kind, name, fields: { ...STAGE_KINDS[kind].defaults(), ...fields } };
    state.stages.set(s.pk, s);
    return s;
  };
  // As the blueprint sets them (blueprints/default/flow-default-authentication-flow.yaml).
  const password = stage('password', DEFAULT_AUTHENTICATION.password, {
    backends: ['authentik.core.auth.InbuiltBackend', 'authentik.core.auth.TokenBackend', 'authentik.sources.ldap.auth.LDAPBackend'],
  });
  const identification = stage('identification', DEFAULT_AUTHENTICATION.identification, { user_fields: ['email', 'username'] });
  const validate = stage('validate', DEFAULT_AUTHENTICATION.mfaValidation, { device_classes: ['static', 'totp', 'webauthn', 'duo', 'sms', 'email'], not_configured_action: 'skip' });
  const login = stage('user_login', DEFAULT_AUTHENTICATION.login);
  for (const [s, order] of [[identification, 10], [password, 20], [validate, 30], [login, 100]] as const) addFlowBinding(state, { target: flow.pk, stage: s.pk, order });
}

function addFlowBinding(state: FakeState, body: Wire): FakeFlowBinding {
  const { target, stage, order, ...fields } = body;
  const b: FakeFlowBinding = {
    pk: randomUUID(),
    pbm: randomUUID(),
    target: String(target),
    stage: String(stage),
    order: Number(order),
    fields: { evaluate_on_plan: false, re_evaluate_policies: true, policy_engine_mode: 'any', invalid_response_action: 'retry', ...fields },
  };
  state.flowBindings.set(b.pk, b);
  return b;
}

// ---------------------------------------------------------------------------------------------
// Serializers.

function flowSetOf(state: FakeState, stagePk: string): Wire[] {
  const targets = new Set([...state.flowBindings.values()].filter((b) => b.stage === stagePk).map((b) => b.target));
  return [...targets].map((pk) => state.flows.get(pk)).filter((f) => f !== undefined).map((f) => ({
    pk: f.pk,
    policybindingmodel_ptr_id: f.pbm,
    name: f.name,
    slug: f.slug,
    title: f.title,
    designation: f.designation,
    background_url: '/static/dist/assets/images/flow_background.jpg',
    policy_engine_mode: 'any',
    compatibility_mode: false,
    export_url: `/api/v3/flows/instances/${f.slug}/export/`,
    layout: 'stacked',
    denied_action: 'message_continue',
  }));
}

function stageBase(state: FakeState, s: FakeStage): Wire {
  const info = STAGE_KINDS[s.kind];
  return { pk: s.pk, name: s.name, component: info.component, verbose_name: info.verbose, verbose_name_plural: `${info.verbose}s`, meta_model_name: info.model, flow_set: flowSetOf(state, s.pk) };
}

function stageJson(state: FakeState, s: FakeStage): Wire {
  return { ...s.fields, ...(STAGE_KINDS[s.kind].readOnly ?? {}), ...stageBase(state, s) };
}

function policyJson(state: FakeState, p: FakePolicy): Wire {
  return {
    ...p.fields,
    pk: p.pk,
    name: p.name,
    component: 'ak-policy-reputation-form',
    verbose_name: 'Reputation Policy',
    verbose_name_plural: 'Reputation Policies',
    meta_model_name: 'authentik_policies_reputation.reputationpolicy',
    bound_to: [...state.bindings.values()].filter((b) => b['policy'] === p.pk).length,
  };
}

export function flowBindingJson(state: FakeState, b: FakeFlowBinding): Wire {
  const stage = state.stages.get(b.stage);
  return { ...b.fields, pk: b.pk, policybindingmodel_ptr_id: b.pbm, target: b.target, stage: b.stage, order: b.order, stage_obj: stage ? stageBase(state, stage) : null };
}

/** `policy_obj` of a policy binding. */
export function boundPolicyJson(state: FakeState, policyPk: unknown): Wire | null {
  const p = typeof policyPk === 'string' ? state.policies.get(policyPk) : undefined;
  return p ? policyJson(state, p) : null;
}

// ---------------------------------------------------------------------------------------------
// Rules.

/** Policy binding targets: applications, flows and stage bindings, by their policy-binding-model id. */
export function policyTargets(state: FakeState): Set<string> {
  return new Set([
    ...[...state.applications.values()].map((a) => a.pk),
    ...[...state.flows.values()].map((f) => f.pbm),
    ...[...state.flowBindings.values()].map((b) => b.pbm),
  ]);
}

function stageRefErrors(state: FakeState, body: Wire, self?: FakeStage): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  const name = body['name'];
  if (typeof name === 'string' && [...state.stages.values()].some((s) => s.name === name && s !== self)) errors['name'] = ['stage with this name already exists.'];
  const stages = body['configuration_stages'];
  if (Array.isArray(stages)) {
    const missing = stages.filter((pk) => !state.stages.has(String(pk)));
    if (missing.length) errors['configuration_stages'] = missing.map((pk) => `Invalid pk "${String(pk)}" - object does not exist.`);
  }
  return errors;
}

function deleteStage(state: FakeState, pk: string): void {
  state.stages.delete(pk);
  for (const b of [...state.flowBindings.values()]) if (b.stage === pk) deleteFlowBinding(state, b.pk);
  for (const s of state.stages.values()) {
    const list = s.fields['configuration_stages'];
    if (Array.isArray(list)) s.fields['configuration_stages'] = list.filter((x) => x !== pk);
  }
}

function deleteFlowBinding(state: FakeState, pk: string): void {
  const b = state.flowBindings.get(pk);
  if (!b) return;
  state.flowBindings.delete(pk);
  for (const [k, pb] of state.bindings) if (pb.target === b.pbm) state.bindings.delete(k);
}

// ---------------------------------------------------------------------------------------------
// Handlers.

function stageHandlers(kind: StageKind): Record<string, (ctx: Ctx) => Result> {
  const info = STAGE_KINDS[kind];
  const find = (ctx: Ctx) => {
    const s = ctx.state.stages.get(ctx.params['stage_uuid'] ?? '');
    return s && s.kind === kind ? s : undefined;
  };
  const update = (ctx: Ctx): Result => {
    const s = find(ctx);
    if (!s) return notFound(info.verbose);
    const errors = stageRefErrors(ctx.state, ctx.body, s);
    if (Object.keys(errors).length) return invalid(errors);
    const { name, ...fields } = ctx.body;
    if (typeof name === 'string') s.name = name;
    Object.assign(s.fields, fields);
    return { status: 200, body: stageJson(ctx.state, s) };
  };
  return {
    [`${info.op}_list`]: (ctx) => {
      const name = ctx.query.get('name');
      const items = [...ctx.state.stages.values()].filter((s) => s.kind === kind && (name === null || s.name === name));
      return paginate(items.map((s) => stageJson(ctx.state, s)), ctx);
    },
    [`${info.op}_create`]: (ctx) => {
      const errors = stageRefErrors(ctx.state, ctx.body);
      if (Object.keys(errors).length) return invalid(errors);
      const { name, ...fields } = ctx.body;
      const s: FakeStage = { pk: randomUUID(), kind, name: String(name), fields: { ...info.defaults(), ...fields } };
      ctx.state.stages.set(s.pk, s);
      return { status: 201, body: stageJson(ctx.state, s) };
    },
    [`${info.op}_retrieve`]: (ctx) => {
      const s = find(ctx);
      return s ? { status: 200, body: stageJson(ctx.state, s) } : notFound(info.verbose);
    },
    [`${info.op}_update`]: update,
    [`${info.op}_partial_update`]: update,
    [`${info.op}_destroy`]: (ctx) => {
      const s = find(ctx);
      if (!s) return notFound(info.verbose);
      deleteStage(ctx.state, s.pk);
      return { status: 204 };
    },
  };
}

function flowErrors(state: FakeState, body: Wire, selfSlug?: string): Record<string, string[]> {
  const slug = body['slug'];
  return typeof slug === 'string' && slug !== selfSlug && [...state.flows.values()].some((f) => f.slug === slug) ? { slug: ['flow with this slug already exists.'] } : {};
}

function flowBindingErrors(state: FakeState, body: Wire, self?: FakeFlowBinding): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  const target = body['target'] ?? self?.target;
  const stage = body['stage'] ?? self?.stage;
  const order = body['order'] ?? self?.order;
  if (typeof body['target'] === 'string' && !state.flows.has(body['target'])) errors['target'] = [`Invalid pk "${body['target']}" - object does not exist.`];
  if (typeof body['stage'] === 'string' && !state.stages.has(body['stage'])) errors['stage'] = [`Invalid pk "${body['stage']}" - object does not exist.`];
  const clash = [...state.flowBindings.values()].some((b) => b !== self && b.target === target && b.stage === stage && b.order === order);
  if (clash) errors['non_field_errors'] = ['The fields target, stage, order must make a unique set.'];
  return errors;
}

function flowBindingUpdate(ctx: Ctx): Result {
  const b = ctx.state.flowBindings.get(ctx.params['fsb_uuid'] ?? '');
  if (!b) return notFound('FlowStageBinding');
  const errors = flowBindingErrors(ctx.state, ctx.body, b);
  if (Object.keys(errors).length) return invalid(errors);
  const { target, stage, order, ...fields } = ctx.body;
  if (typeof target === 'string') b.target = target;
  if (typeof stage === 'string') b.stage = stage;
  if (typeof order === 'number') b.order = order;
  Object.assign(b.fields, fields);
  return { status: 200, body: flowBindingJson(ctx.state, b) };
}

function policyUpdate(ctx: Ctx): Result {
  const p = ctx.state.policies.get(ctx.params['policy_uuid'] ?? '');
  if (!p) return notFound('ReputationPolicy');
  const { name, ...fields } = ctx.body;
  if (typeof name === 'string' && name !== p.name && [...ctx.state.policies.values()].some((x) => x.name === name)) return invalid({ name: ['policy with this name already exists.'] });
  if (typeof name === 'string') p.name = name;
  Object.assign(p.fields, fields);
  return { status: 200, body: policyJson(ctx.state, p) };
}

/** Flow writes beyond the existing lookup; `flowJson` serializes a flow for them. */
export function flowHandlers(flowJson: (state: FakeState, slug: string) => Wire): Record<string, (ctx: Ctx) => Result> {
  const flowUpdate = (ctx: Ctx): Result => {
    const f = [...ctx.state.flows.values()].find((x) => x.slug === ctx.params['slug']);
    if (!f) return notFound('Flow');
    const errors = flowErrors(ctx.state, ctx.body, f.slug);
    if (Object.keys(errors).length) return invalid(errors);
    Object.assign(f, ctx.body);
    return { status: 200, body: flowJson(ctx.state, f.slug) };
  };
  return {
    flows_instances_create: (ctx) => {
      const errors = flowErrors(ctx.state, ctx.body);
      if (Object.keys(errors).length) return invalid(errors);
      const f = { authentication: 'none', ...ctx.body, pk: randomUUID(), pbm: randomUUID() } as unknown as FakeFlow;
      ctx.state.flows.set(f.pk, f);
      return { status: 201, body: flowJson(ctx.state, f.slug) };
    },
    flows_instances_retrieve: (ctx) => {
      const f = [...ctx.state.flows.values()].find((x) => x.slug === ctx.params['slug']);
      return f ? { status: 200, body: flowJson(ctx.state, f.slug) } : notFound('Flow');
    },
    flows_instances_update: flowUpdate,
    flows_instances_partial_update: flowUpdate,
    flows_instances_destroy: (ctx) => {
      const f = [...ctx.state.flows.values()].find((x) => x.slug === ctx.params['slug']);
      if (!f) return notFound('Flow');
      ctx.state.flows.delete(f.pk);
      for (const b of [...ctx.state.flowBindings.values()]) if (b.target === f.pk) deleteFlowBinding(ctx.state, b.pk);
      for (const [k, pb] of ctx.state.bindings) if (pb.target === f.pbm) ctx.state.bindings.delete(k);
      // The providers' flow foreign keys are SET_NULL.
      for (const p of ctx.state.providers.values()) if (p['authentication_flow'] === f.pk) p['authentication_flow'] = null;
      return { status: 204 };
    },
  };
}

export const FLOW_OBJECT_HANDLERS: Record<string, (ctx: Ctx) => Result> = {
  ...(Object.keys(STAGE_KINDS) as StageKind[]).reduce((all, kind) => ({ ...all, ...stageHandlers(kind) }), {} as Record<string, (ctx: Ctx) => Result>),

  policies_reputation_list: (ctx) => {
    const name = ctx.query.get('name');
    return paginate([...ctx.state.policies.values()].filter((p) => name === null || p.name === name).map((p) => policyJson(ctx.state, p)), ctx);
  },
  policies_reputation_create: (ctx) => {
    const { name, ...fields } = ctx.body;
    if ([...ctx.state.policies.values()].some((p) => p.name === name)) return invalid({ name: ['policy with this name already exists.'] });
    const p: FakePolicy = { pk: randomUUID(), name: String(name), fields: { execution_logging: false, check_ip: true, check_username: true, threshold: 10, ...fields } };
    ctx.state.policies.set(p.pk, p);
    return { status: 201, body: policyJson(ctx.state, p) };
  },
  policies_reputation_retrieve: (ctx) => {
    const p = ctx.state.policies.get(ctx.params['policy_uuid'] ?? '');
    return p ? { status: 200, body: policyJson(ctx.state, p) } : notFound('ReputationPolicy');
  },
  policies_reputation_update: policyUpdate,
  policies_reputation_partial_update: policyUpdate,
  policies_reputation_destroy: (ctx) => {
    const pk = ctx.params['policy_uuid'] ?? '';
    if (!ctx.state.policies.delete(pk)) return notFound('ReputationPolicy');
    for (const [k, b] of ctx.state.bindings) if (b['policy'] === pk) ctx.state.bindings.delete(k);
    return { status: 204 };
  },

  flows_bindings_list: (ctx) => {
    const q = (k: string) => ctx.query.get(k);
    const items = [...ctx.state.flowBindings.values()].filter(
      (b) => (q('target') === null || b.target === q('target')) && (q('stage') === null || b.stage === q('stage')) && (q('order') === null || String(b.order) === q('order')),
    );
    return paginate(items.sort((a, b) => a.order - b.order).map((b) => flowBindingJson(ctx.state, b)), ctx);
  },
  flows_bindings_create: (ctx) => {
    const errors = flowBindingErrors(ctx.state, ctx.body);
    if (Object.keys(errors).length) return invalid(errors);
    return { status: 201, body: flowBindingJson(ctx.state, addFlowBinding(ctx.state, ctx.body)) };
  },
  flows_bindings_retrieve: (ctx) => {
    const b = ctx.state.flowBindings.get(ctx.params['fsb_uuid'] ?? '');
    return b ? { status: 200, body: flowBindingJson(ctx.state, b) } : notFound('FlowStageBinding');
  },
  flows_bindings_update: flowBindingUpdate,
  flows_bindings_partial_update: flowBindingUpdate,
  flows_bindings_destroy: (ctx) => {
    const pk = ctx.params['fsb_uuid'] ?? '';
    if (!ctx.state.flowBindings.has(pk)) return notFound('FlowStageBinding');
    deleteFlowBinding(ctx.state, pk);
    return { status: 204 };
  },
};
