/**
 * An in-process authentik API on 127.0.0.1 for the Authentik CRUD tests. authentik cannot run
 * here (Python, PostgreSQL, Redis), so this fake stands in for it, and is kept honest two ways:
 *
 * - Every request and every response is checked against authentik's own OpenAPI document
 *   (`schema.yml` of `@goauthentik/api`) with the gateway package's validator. Violations are
 *   collected in `violations`; tests assert the list is empty. A request that violates the
 *   schema is also refused with 400, as authentik's serializers would.
 * - It keeps real state with authentik's relational rules: an application holds at most one
 *   provider and a provider at most one application (OneToOne), slugs are unique, flow and
 *   group references must exist, deleting a provider removes it from outposts and unsets it on
 *   its application, deleting an application deletes the bindings that target it, PUT leaves
 *   undeclared optional fields unchanged (Django REST framework semantics), lists paginate.
 *
 * Only the operations the infra program uses are implemented; any other documented operation
 * answers 501 and is recorded as a violation, so a new call cannot slip through untested.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, serveFake } from './fake-http.js';
import { loadAuthentikOpenApi } from '@booxstream/gateway/authentik-openapi';
import { invalid, notFound, paginate, type Ctx, type Result } from './fake-authentik-rest.js';
import { boundPolicyJson, FLOW_OBJECT_HANDLERS, flowHandlers, policyTargets, seedDefaultAuthentication, type FakeFlowBinding, type FakePolicy, type FakeStage } from './fake-authentik-flows.js';

type Wire = Record<string, unknown>;

export const EMBEDDED_OUTPOST_MANAGED = 'goauthentik.io/outposts/embedded';
export const EMBEDDED_OUTPOST_NAME = 'authentik Embedded Outpost';

export interface FakeFlow extends Wire {
  pk: string;
  /** Its policy-binding-model id (the target of policy bindings on the flow), not its pk. */
  pbm: string;
  slug: string;
  name: string;
  title: string;
  designation: string;
  authentication: string;
}
export interface FakeGroup {
  pk: string;
  num_pk: number;
  name: string;
  is_superuser: boolean;
  users: number[];
}
export interface FakeApplication extends Wire {
  pk: string;
  slug: string;
  name: string;
  provider: number | null;
}
export interface FakeOutpost {
  pk: string;
  name: string;
  type: string;
  providers: number[];
  managed: string | null;
  config: Wire;
}
export interface FakeBinding extends Wire {
  pk: string;
  target: string;
  group: string | null;
  order: number;
}

export interface FakeState {
  flows: Map<string, FakeFlow>;
  groups: Map<string, FakeGroup>;
  providers: Map<number, Wire & { pk: number; name: string }>;
  applications: Map<string, FakeApplication>;
  outposts: Map<string, FakeOutpost>;
  bindings: Map<string, FakeBinding>;
  nextProviderPk: number;
  stages: Map<string, FakeStage>;
  policies: Map<string, FakePolicy>;
  flowBindings: Map<string, FakeFlowBinding>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  operationId: string | null;
  body: unknown;
  status: number;
}

export interface FakeAuthentik {
  /** Base URL to give the client (without /api/v3). */
  readonly url: string;
  readonly token: string;
  readonly state: FakeState;
  /** Schema violations, unimplemented operations and auth failures; tests expect none. */
  readonly violations: string[];
  readonly requests: RecordedRequest[];
  /** Page size of every list (small values exercise pagination). */
  pageSize: number;
  close(): Promise<void>;
}

/** The user behind the API token: a superuser in "authentik Admins" (pk 1, like akadmin). */
const TOKEN_USER_PK = 1;

export async function startFakeAuthentik(options: { pageSize?: number } = {}): Promise<FakeAuthentik> {
  const openapi = loadAuthentikOpenApi();
  const token = `fake-token-${randomUUID()}`;
  const state = seedState();
  const violations: string[] = [];
  const requests: RecordedRequest[] = [];

  const fake = {
    url: '',
    token,
    state,
    violations,
    requests,
    pageSize: options.pageSize ?? 20,
    close: async () => {},
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readBody(req);
    let body: unknown;
    if (raw.length > 0) {
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
        violations.push(`${method} ${url.pathname}: body sent without application/json content type`);
      }
      try {
        body = JSON.parse(raw) as unknown;
      } catch {
        violations.push(`${method} ${url.pathname}: body is not JSON`);
      }
    }
    const record: RecordedRequest = { method, path: url.pathname, query: url.search, operationId: null, body, status: 0 };
    requests.push(record);

    const send = (status: number, payload?: unknown, opts: { undocumented?: 'GenericError' } = {}) => {
      record.status = status;
      // Check what we answer, exactly as a client would receive it.
      const errors = opts.undocumented
        ? openapi.validateComponent(opts.undocumented, payload, 'response')
        : openapi.validateResponse(method, url.pathname, status, payload);
      for (const e of errors) violations.push(`response ${status} to ${method} ${url.pathname}: ${e}`);
      if (payload === undefined) {
        res.writeHead(status).end();
      } else {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      }
    };

    if (!url.pathname.startsWith('/api/v3/')) {
      violations.push(`request outside /api/v3: ${method} ${url.pathname}`);
      res.writeHead(404).end();
      return;
    }
    const op = openapi.findOperation(method, url.pathname);
    record.operationId = op?.operationId ?? null;
    if (req.headers.authorization !== `Bearer ${token}`) {
      violations.push(`${method} ${url.pathname}: missing or wrong bearer token`);
      send(403, { detail: 'Authentication credentials were not provided.' });
      return;
    }
    const requestErrors = openapi.validateRequest(method, url.pathname, url.searchParams, body);
    if (requestErrors.length > 0) {
      for (const e of requestErrors) violations.push(`request ${method} ${url.pathname}${url.search}: ${e}`);
      if (op) send(400, { non_field_errors: requestErrors, code: 'invalid' });
      else res.writeHead(404).end();
      return;
    }
    if (!op) {
      res.writeHead(404).end();
      return;
    }
    const handler = HANDLERS[op.operationId];
    if (!handler) {
      violations.push(`operation ${op.operationId} is not implemented by the fake`);
      res.writeHead(501).end();
      return;
    }
    const result = handler({ state, params: op.pathParams, query: url.searchParams, body: body as Wire, pageSize: fake.pageSize, path: url.pathname });
    send(result.status, result.body, result.undocumented ? { undocumented: 'GenericError' } : {});
  }

  const server = await serveFake(handle, violations);
  const port = server.port;
  fake.url = `http://127.0.0.1:${port}`;
  fake.close = () => server.close();
  return fake;
}


// ---------------------------------------------------------------------------------------------
// Seed: a running authentik with Affine already wired (the seed's other app), so adoption and
// "keep the other app's provider in the outpost" are proven against existing state.

export const SEED = {
  flows: {
    authorizationImplicit: 'default-provider-authorization-implicit-consent',
    authorizationExplicit: 'default-provider-authorization-explicit-consent',
    invalidation: 'default-provider-invalidation-flow',
    authentication: 'default-authentication-flow',
  },
  groups: { superusers: 'authentik Admins', admins: 'admins', booxstreamUsers: 'booxstream-users', affineUsers: 'affine-users' },
  affine: { providerName: 'affine-proxy', slug: 'affine' },
} as const;

function seedState(): FakeState {
  const state: FakeState = {
    flows: new Map(),
    groups: new Map(),
    providers: new Map(),
    applications: new Map(),
    outposts: new Map(),
    bindings: new Map(),
    nextProviderPk: 1,
    stages: new Map(),
    policies: new Map(),
    flowBindings: new Map(),
  };
  const flow = (slug: string, designation: string) => {
    const f: FakeFlow = { pk: randomUUID(), pbm: randomUUID(), slug, name: slug, title: slug, designation, authentication: 'none' };
    state.flows.set(f.pk, f);
    return f;
  };
  flow(SEED.flows.authorizationImplicit, 'authorization');
  flow(SEED.flows.authorizationExplicit, 'authorization');
  const invalidation = flow(SEED.flows.invalidation, 'invalidation');
  flow(SEED.flows.authentication, 'authentication');
  // The default flow's stages and bindings, which the two-factor layer adopts or refers to.
  seedDefaultAuthentication(state);
  const implicit = [...state.flows.values()].find((f) => f.slug === SEED.flows.authorizationImplicit)!;

  let numPk = 1000;
  const group = (name: string, users: number[], isSuperuser = false) => {
    const g: FakeGroup = { pk: randomUUID(), num_pk: numPk++, name, is_superuser: isSuperuser, users };
    state.groups.set(g.pk, g);
    return g;
  };
  group(SEED.groups.superusers, [TOKEN_USER_PK], true);
  // The example gateway's allowedGroups; the token user is not a member.
  group(SEED.groups.admins, [2]);
  group(SEED.groups.booxstreamUsers, [2]);
  const affineUsers = group(SEED.groups.affineUsers, [3]);

  const affineProvider = createProviderRecord(state, {
    name: SEED.affine.providerName,
    authorization_flow: implicit.pk,
    invalidation_flow: invalidation.pk,
    external_host: 'https://affine.kevinvdb.dev',
    internal_host: 'http://192.168.1.201:3010',
    mode: 'forward_single',
  });
  const affineApp: FakeApplication = {
    ...applicationDefaults(),
    pk: randomUUID(),
    name: 'Affine',
    slug: SEED.affine.slug,
    meta_launch_url: 'https://affine.kevinvdb.dev/',
    provider: affineProvider.pk,
  };
  state.applications.set(affineApp.slug, affineApp);
  const binding: FakeBinding = { ...bindingDefaults(), pk: randomUUID(), target: affineApp.pk, group: affineUsers.pk, order: 0 };
  state.bindings.set(binding.pk, binding);

  const embedded: FakeOutpost = {
    pk: randomUUID(),
    name: EMBEDDED_OUTPOST_NAME,
    type: 'proxy',
    providers: [affineProvider.pk],
    managed: EMBEDDED_OUTPOST_MANAGED,
    config: { authentik_host: 'https://auth.kevinvdb.dev', log_level: 'info' },
  };
  state.outposts.set(embedded.pk, embedded);
  const ldap: FakeOutpost = { pk: randomUUID(), name: 'ldap-outpost', type: 'ldap', providers: [], managed: null, config: {} };
  state.outposts.set(ldap.pk, ldap);
  return state;
}

// ---------------------------------------------------------------------------------------------
// Model defaults (authentik's Django model field defaults).

function providerDefaults(): Wire {
  return {
    authentication_flow: null,
    property_mappings: [],
    internal_host: '',
    internal_host_ssl_validation: true,
    certificate: null,
    skip_path_regex: '',
    basic_auth_enabled: false,
    basic_auth_password_attribute: '',
    basic_auth_user_attribute: '',
    mode: 'proxy',
    intercept_header_auth: true,
    cookie_domain: '',
    jwt_federation_sources: [],
    jwt_federation_providers: [],
    access_token_validity: 'minutes=10',
    refresh_token_validity: 'days=30',
  };
}

function applicationDefaults(): Omit<FakeApplication, 'pk' | 'slug' | 'name' | 'provider'> {
  return {
    backchannel_providers: [],
    open_in_new_tab: false,
    // authentik stores '' when unset, which its own schema (format: uri) rejects; leaving the
    // field out keeps the fake inside the documented contract.
    meta_icon: '',
    meta_description: '',
    meta_publisher: '',
    policy_engine_mode: 'any',
    group: '',
    meta_hide: false,
  };
}

function bindingDefaults(): Wire {
  return { policy: null, group: null, user: null, negate: false, enabled: true, timeout: 30, failure_result: false };
}

function createProviderRecord(state: FakeState, body: Wire): Wire & { pk: number; name: string } {
  const pk = state.nextProviderPk++;
  const record = { ...providerDefaults(), ...body, pk, name: String(body['name']), client_id: randomUUID().replace(/-/g, '') };
  state.providers.set(pk, record);
  return record;
}

// ---------------------------------------------------------------------------------------------
// Serializers: state → response documents.

function providerObj(state: FakeState, p: Wire & { pk: number }): Wire {
  const app = [...state.applications.values()].find((a) => a.provider === p.pk);
  return {
    pk: p.pk,
    name: p['name'],
    authentication_flow: p['authentication_flow'] ?? null,
    authorization_flow: p['authorization_flow'] ?? null,
    invalidation_flow: p['invalidation_flow'] ?? null,
    property_mappings: p['property_mappings'] ?? [],
    component: 'ak-provider-proxy-form',
    assigned_application_slug: app?.slug ?? null,
    assigned_application_name: app?.name ?? null,
    assigned_backchannel_application_slug: null,
    assigned_backchannel_application_name: null,
    verbose_name: 'Proxy Provider',
    verbose_name_plural: 'Proxy Providers',
    meta_model_name: 'authentik_providers_proxy.proxyprovider',
  };
}

function proxyProviderJson(state: FakeState, p: Wire & { pk: number }): Wire {
  const { client_id: clientId, ...fields } = p;
  const external = String(p['external_host'] ?? '');
  return {
    ...fields,
    ...providerObj(state, p),
    client_id: clientId,
    redirect_uris: [{ matching_mode: 'strict', url: `${external}/outpost.goauthentik.io/callback?X-authentik-auth-callback=true` }],
    outpost_set: [...state.outposts.values()].filter((o) => o.providers.includes(p.pk)).map((o) => o.name),
  };
}

function applicationJson(state: FakeState, a: FakeApplication): Wire {
  const provider = a.provider === null ? undefined : state.providers.get(a.provider);
  const launch = (a['meta_launch_url'] as string) || (provider ? String(provider['external_host'] ?? '') : '') || null;
  return {
    ...a,
    pbm_uuid: a.pk,
    provider_obj: provider ? providerObj(state, provider) : null,
    backchannel_providers_obj: [],
    launch_url: launch,
    meta_icon_url: null,
    meta_icon_themed_urls: null,
  };
}

function outpostJson(state: FakeState, o: FakeOutpost): Wire {
  return {
    pk: o.pk,
    name: o.name,
    type: o.type,
    providers: o.providers,
    providers_obj: o.providers.map((pk) => state.providers.get(pk)).filter((p) => p !== undefined).map((p) => providerObj(state, p)),
    service_connection: null,
    service_connection_obj: null,
    refresh_interval_s: 150,
    token_identifier: `ak-outpost-${o.pk}-api`,
    config: o.config,
    managed: o.managed,
  };
}

function groupJson(g: FakeGroup): Wire {
  return {
    pk: g.pk,
    num_pk: g.num_pk,
    name: g.name,
    is_superuser: g.is_superuser,
    parents: [],
    parents_obj: [],
    users: g.users,
    users_obj: null,
    attributes: {},
    roles: [],
    roles_obj: [],
    inherited_roles_obj: null,
    children: [],
    children_obj: null,
  };
}

function partialGroupJson(g: FakeGroup): Wire {
  return { pk: g.pk, num_pk: g.num_pk, name: g.name, is_superuser: g.is_superuser, attributes: {} };
}

function bindingJson(state: FakeState, b: FakeBinding): Wire {
  const group = b.group ? state.groups.get(b.group) : undefined;
  return { ...b, policy_obj: boundPolicyJson(state, b['policy']), group_obj: group ? partialGroupJson(group) : null, user_obj: null, expires: null, expiring: false };
}

function flowJson(state: FakeState, f: FakeFlow): Wire {
  const { pbm, ...fields } = f;
  return {
    background: '',
    policy_engine_mode: 'any',
    compatibility_mode: false,
    layout: 'stacked',
    denied_action: 'message_continue',
    ...fields,
    pk: f.pk,
    policybindingmodel_ptr_id: pbm,
    background_url: '/static/dist/assets/images/flow_background.jpg',
    background_themed_urls: null,
    stages: [...state.flowBindings.values()].filter((b) => b.target === f.pk).map((b) => b.stage),
    policies: [...state.bindings.values()].filter((b) => b.target === pbm && typeof b['policy'] === 'string').map((b) => String(b['policy'])),
    cache_count: 0,
    export_url: `/api/v3/flows/instances/${f.slug}/export/`,
  };
}

// ---------------------------------------------------------------------------------------------
// Handlers, one per operationId.

const iexact = (a: unknown, b: string | null) => b === null || String(a).toLowerCase() === b.toLowerCase();

function validateProviderRefs(state: FakeState, body: Wire): Result | null {
  const flowPks = new Set([...state.flows.values()].map((f) => f.pk));
  const errors: Record<string, string[]> = {};
  for (const field of ['authorization_flow', 'invalidation_flow', 'authentication_flow']) {
    const value = body[field];
    if (typeof value === 'string' && !flowPks.has(value)) errors[field] = [`Invalid pk "${value}" - object does not exist.`];
  }
  return Object.keys(errors).length ? invalid(errors) : null;
}

function validateApplication(state: FakeState, body: Wire, self?: FakeApplication): Result | null {
  const errors: Record<string, string[]> = {};
  const slug = body['slug'];
  if (typeof slug === 'string' && slug !== self?.slug && state.applications.has(slug)) {
    errors['slug'] = ['Application with this slug already exists.'];
  }
  const provider = body['provider'];
  if (typeof provider === 'number') {
    if (!state.providers.has(provider)) errors['provider'] = [`Invalid pk "${provider}" - object does not exist.`];
    const holder = [...state.applications.values()].find((a) => a.provider === provider);
    if (holder && holder !== self) errors['provider'] = ['application with this provider already exists.'];
  }
  return Object.keys(errors).length ? invalid(errors) : null;
}

function userCanAccess(state: FakeState, app: FakeApplication): boolean {
  const bindings = [...state.bindings.values()].filter((b) => b.target === app.pk && b['enabled'] !== false);
  if (bindings.length === 0) return true;
  const passes = bindings.map((b) => {
    const g = b.group ? state.groups.get(b.group) : undefined;
    const member = g ? g.users.includes(TOKEN_USER_PK) : false;
    return b['negate'] ? !member : member;
  });
  return app['policy_engine_mode'] === 'all' ? passes.every(Boolean) : passes.some(Boolean);
}

const HANDLERS: Record<string, (ctx: Ctx) => Result> = {
  ...FLOW_OBJECT_HANDLERS,
  ...flowHandlers((state, slug) => flowJson(state, [...state.flows.values()].find((f) => f.slug === slug)!)),
  flows_instances_list: (ctx) => {
    const slug = ctx.query.get('slug');
    const flows = [...ctx.state.flows.values()].filter((f) => slug === null || f.slug === slug);
    return paginate(flows.map((f) => flowJson(ctx.state, f)), ctx);
  },

  core_groups_list: (ctx) => {
    const name = ctx.query.get('name');
    const groups = [...ctx.state.groups.values()].filter((g) => name === null || g.name === name);
    return paginate(groups.map(groupJson), ctx);
  },

  providers_proxy_list: (ctx) => {
    const name = ctx.query.get('name__iexact');
    const items = [...ctx.state.providers.values()].filter((p) => iexact(p.name, name));
    return paginate(items.map((p) => proxyProviderJson(ctx.state, p)), ctx);
  },
  providers_proxy_create: (ctx) => {
    const refError = validateProviderRefs(ctx.state, ctx.body);
    if (refError) return refError;
    return { status: 201, body: proxyProviderJson(ctx.state, createProviderRecord(ctx.state, ctx.body)) };
  },
  providers_proxy_retrieve: (ctx) => {
    const p = ctx.state.providers.get(Number(ctx.params['id']));
    return p ? { status: 200, body: proxyProviderJson(ctx.state, p) } : notFound('ProxyProvider');
  },
  providers_proxy_update: (ctx) => updateProvider(ctx),
  providers_proxy_partial_update: (ctx) => updateProvider(ctx),
  providers_proxy_destroy: (ctx) => {
    const pk = Number(ctx.params['id']);
    if (!ctx.state.providers.delete(pk)) return notFound('ProxyProvider');
    // M2M rows go with the provider; the application's FK is SET_NULL.
    for (const o of ctx.state.outposts.values()) o.providers = o.providers.filter((p) => p !== pk);
    for (const a of ctx.state.applications.values()) if (a.provider === pk) a.provider = null;
    return { status: 204 };
  },

  core_applications_list: (ctx) => {
    const slug = ctx.query.get('slug');
    const full = ctx.query.get('superuser_full_list') === 'true';
    const items = [...ctx.state.applications.values()]
      .filter((a) => slug === null || a.slug === slug)
      .filter((a) => full || userCanAccess(ctx.state, a));
    return paginate(items.map((a) => applicationJson(ctx.state, a)), ctx);
  },
  core_applications_create: (ctx) => {
    const error = validateApplication(ctx.state, ctx.body);
    if (error) return error;
    const app = { ...applicationDefaults(), provider: null, ...ctx.body, pk: randomUUID() } as FakeApplication;
    ctx.state.applications.set(app.slug, app);
    return { status: 201, body: applicationJson(ctx.state, app) };
  },
  core_applications_retrieve: (ctx) => {
    const app = ctx.state.applications.get(ctx.params['slug'] ?? '');
    return app ? { status: 200, body: applicationJson(ctx.state, app) } : notFound('Application');
  },
  core_applications_update: (ctx) => updateApplication(ctx),
  core_applications_partial_update: (ctx) => updateApplication(ctx),
  core_applications_destroy: (ctx) => {
    const app = ctx.state.applications.get(ctx.params['slug'] ?? '');
    if (!app) return notFound('Application');
    ctx.state.applications.delete(app.slug);
    for (const [pk, b] of ctx.state.bindings) if (b.target === app.pk) ctx.state.bindings.delete(pk);
    return { status: 204 };
  },

  outposts_instances_list: (ctx) => {
    const managed = ctx.query.get('managed__iexact');
    const name = ctx.query.get('name__iexact');
    const items = [...ctx.state.outposts.values()].filter((o) => iexact(o.managed, managed) && iexact(o.name, name));
    return paginate(items.map((o) => outpostJson(ctx.state, o)), ctx);
  },
  outposts_instances_retrieve: (ctx) => {
    const o = ctx.state.outposts.get(ctx.params['uuid'] ?? '');
    return o ? { status: 200, body: outpostJson(ctx.state, o) } : notFound('Outpost');
  },
  outposts_instances_partial_update: (ctx) => {
    const o = ctx.state.outposts.get(ctx.params['uuid'] ?? '');
    if (!o) return notFound('Outpost');
    const providers = ctx.body['providers'];
    if (Array.isArray(providers)) {
      const missing = providers.filter((pk) => !ctx.state.providers.has(pk as number));
      if (missing.length) return invalid({ providers: missing.map((pk) => `Invalid pk "${String(pk)}" - object does not exist.`) });
      // M2M assignment replaces the whole set (what makes read-modify-write necessary).
      o.providers = [...new Set(providers as number[])];
    }
    if (typeof ctx.body['name'] === 'string') o.name = ctx.body['name'];
    if (ctx.body['config'] && typeof ctx.body['config'] === 'object') o.config = ctx.body['config'] as Wire;
    return { status: 200, body: outpostJson(ctx.state, o) };
  },

  policies_bindings_list: (ctx) => {
    const target = ctx.query.get('target');
    const policy = ctx.query.get('policy');
    const items = [...ctx.state.bindings.values()].filter((b) => (target === null || b.target === target) && (policy === null || b['policy'] === policy));
    return paginate(items.map((b) => bindingJson(ctx.state, b)), ctx);
  },
  policies_bindings_create: (ctx) => {
    const error = validateBinding(ctx.state, ctx.body);
    if (error) return error;
    const binding: FakeBinding = { ...bindingDefaults(), ...(ctx.body as FakeBinding), pk: randomUUID() };
    ctx.state.bindings.set(binding.pk, binding);
    return { status: 201, body: bindingJson(ctx.state, binding) };
  },
  policies_bindings_retrieve: (ctx) => {
    const b = ctx.state.bindings.get(ctx.params['policy_binding_uuid'] ?? '');
    return b ? { status: 200, body: bindingJson(ctx.state, b) } : notFound('PolicyBinding');
  },
  policies_bindings_partial_update: (ctx) => HANDLERS['policies_bindings_update']!(ctx),
  policies_bindings_update: (ctx) => {
    const b = ctx.state.bindings.get(ctx.params['policy_binding_uuid'] ?? '');
    if (!b) return notFound('PolicyBinding');
    const error = validateBinding(ctx.state, ctx.body);
    if (error) return error;
    Object.assign(b, ctx.body);
    return { status: 200, body: bindingJson(ctx.state, b) };
  },
  policies_bindings_destroy: (ctx) => {
    return ctx.state.bindings.delete(ctx.params['policy_binding_uuid'] ?? '') ? { status: 204 } : notFound('PolicyBinding');
  },
};

function updateProvider(ctx: Ctx): Result {
  const p = ctx.state.providers.get(Number(ctx.params['id']));
  if (!p) return notFound('ProxyProvider');
  const refError = validateProviderRefs(ctx.state, ctx.body);
  if (refError) return refError;
  // DRF: only the fields sent change, for PUT as for PATCH.
  Object.assign(p, ctx.body);
  return { status: 200, body: proxyProviderJson(ctx.state, p) };
}

function updateApplication(ctx: Ctx): Result {
  const app = ctx.state.applications.get(ctx.params['slug'] ?? '');
  if (!app) return notFound('Application');
  const error = validateApplication(ctx.state, ctx.body, app);
  if (error) return error;
  Object.assign(app, ctx.body);
  if (app.slug !== ctx.params['slug']) {
    ctx.state.applications.delete(ctx.params['slug'] ?? '');
    ctx.state.applications.set(app.slug, app);
  }
  return { status: 200, body: applicationJson(ctx.state, app) };
}

function validateBinding(state: FakeState, body: Wire): Result | null {
  const errors: Record<string, string[]> = {};
  const target = body['target'];
  if (typeof target === 'string' && !policyTargets(state).has(target)) errors['target'] = [`Invalid pk "${target}" - object does not exist.`];
  const policy = body['policy'];
  if (typeof policy === 'string' && !state.policies.has(policy)) errors['policy'] = [`Invalid pk "${policy}" - object does not exist.`];
  const group = body['group'];
  if (typeof group === 'string' && !state.groups.has(group)) errors['group'] = [`Invalid pk "${group}" - object does not exist.`];
  const bound = [body['policy'], body['group'], body['user']].filter((v) => v !== null && v !== undefined);
  if (bound.length !== 1) errors['non_field_errors'] = ['Only one of \'policy\', \'group\' or \'user\' can be set.'];
  // authentik's unique_together is (policy, target, order); with policy NULL PostgreSQL never
  // sees a duplicate, so two bindings of one group to one app are possible. Hence adoption.
  return Object.keys(errors).length ? invalid(errors) : null;
}
