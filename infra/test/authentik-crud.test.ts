/**
 * The Authentik CRUD logic against the schema-checked fake (test/fake-authentik.ts): every
 * request and response of every test is validated against authentik's schema.yml, and the
 * fake keeps real state, so adoption, drift, the outpost's other providers and deletion are
 * observed in that state rather than assumed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authentikApis, type AuthentikApis } from '../src/authentik/client.js';
import { changedFields } from '../src/authentik/drift.js';
import { findOutpost, lookupFlow, lookupGroup } from '../src/authentik/lookups.js';
import {
  createApplication,
  deleteApplication,
  readApplication,
  updateApplication,
} from '../src/authentik/application.js';
import { joinOutpost, leaveOutpost, readOutpostMembership } from '../src/authentik/outpost-membership.js';
import { createPolicyBinding, deletePolicyBinding, readPolicyBinding, updatePolicyBinding } from '../src/authentik/policy-binding.js';
import {
  createProxyProvider,
  deleteProxyProvider,
  readProxyProvider,
  updateProxyProvider,
} from '../src/authentik/proxy-provider.js';
import * as runtime from '../src/authentik/provider-runtime.js';
import { AuthentikApiError, AuthentikLookupError } from '../src/errors.js';
import { EMBEDDED_OUTPOST_MANAGED, EMBEDDED_OUTPOST_NAME, SEED, startFakeAuthentik, type FakeAuthentik } from './fake-authentik.js';

let fake: FakeAuthentik;
let apis: AuthentikApis;

beforeEach(async () => {
  fake = await startFakeAuthentik();
  apis = authentikApis({ url: fake.url, token: fake.token });
});

afterEach(async () => {
  const violations = [...fake.violations];
  await fake.close();
  // Every request the code sent and every response it received matched authentik's schema.
  expect(violations).toEqual([]);
});

const EMBEDDED = { managed: EMBEDDED_OUTPOST_MANAGED, name: EMBEDDED_OUTPOST_NAME };

async function flows(): Promise<{ authorization: string; invalidation: string }> {
  const authorization = await lookupFlow(apis, SEED.flows.authorizationImplicit);
  const invalidation = await lookupFlow(apis, SEED.flows.invalidation);
  return { authorization: authorization.pk, invalidation: invalidation.pk };
}

async function booxstreamProviderRequest(): Promise<Record<string, unknown>> {
  const f = await flows();
  return {
    name: 'booxstream-proxy',
    authorization_flow: f.authorization,
    invalidation_flow: f.invalidation,
    mode: 'forward_single',
    external_host: 'https://booxstream.kevinvdb.dev',
    internal_host: 'http://192.168.1.202:3001',
  };
}

function appRequest(providerPk: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'BooxStream',
    slug: 'booxstream',
    provider: providerPk,
    meta_launch_url: 'https://booxstream.kevinvdb.dev/',
    meta_description: 'E-ink screen streaming',
    meta_publisher: 'BooxStream',
    policy_engine_mode: 'any',
    open_in_new_tab: false,
    ...overrides,
  };
}

describe('the fake is a real check', () => {
  it('records a request body that violates the schema (a typo the client would never send)', async () => {
    const response = await fetch(`${fake.url}/api/v3/providers/proxy/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', external_host: 'https://x.example', invalidationFlow: 'nope' }),
    });
    expect(response.status).toBe(400);
    expect(fake.violations.some((v) => v.includes("'invalidationFlow'"))).toBe(true);
    expect(fake.violations.some((v) => v.includes("required property 'authorization_flow'"))).toBe(true);
    expect(fake.state.providers.size).toBe(1); // nothing was created
    fake.violations.length = 0;
  });

  it('records a request without the bearer token', async () => {
    const response = await fetch(`${fake.url}/api/v3/flows/instances/`);
    expect(response.status).toBe(403);
    expect(fake.violations).toEqual([expect.stringContaining('missing or wrong bearer token')]);
    fake.violations.length = 0;
  });
});

describe('lookups', () => {
  it('resolves a flow slug to its uuid', async () => {
    const flow = await lookupFlow(apis, SEED.flows.invalidation);
    const seeded = [...fake.state.flows.values()].find((f) => f.slug === SEED.flows.invalidation);
    expect(flow).toEqual({ slug: SEED.flows.invalidation, pk: seeded?.pk, designation: 'invalidation' });
  });

  it('names the missing flow slug', async () => {
    await expect(lookupFlow(apis, 'no-such-flow')).rejects.toThrow(AuthentikLookupError);
    await expect(lookupFlow(apis, 'no-such-flow')).rejects.toThrow("authentik flow 'no-such-flow' was not found");
  });

  it('resolves a group by exact name and names a missing one', async () => {
    const group = await lookupGroup(apis, SEED.groups.booxstreamUsers);
    expect(fake.state.groups.get(group.pk)?.name).toBe(SEED.groups.booxstreamUsers);
    await expect(lookupGroup(apis, 'BooxStream-Users')).rejects.toThrow("authentik group 'BooxStream-Users' was not found");
  });

  it('finds the embedded outpost by its managed id even after a rename', async () => {
    const embedded = [...fake.state.outposts.values()].find((o) => o.managed === EMBEDDED_OUTPOST_MANAGED)!;
    embedded.name = 'Renamed Outpost';
    const found = await findOutpost(apis, EMBEDDED);
    expect(found.pk).toBe(embedded.pk);
  });

  it('follows pagination: a binding on the third page is still found and adopted', async () => {
    const provider = await createProxyProvider(apis, await booxstreamProviderRequest());
    const app = await createApplication(apis, appRequest(provider.pk));
    const groups = [SEED.groups.superusers, SEED.groups.affineUsers, SEED.groups.booxstreamUsers];
    const bindings = [];
    for (const [i, name] of groups.entries()) {
      const group = await lookupGroup(apis, name);
      bindings.push(await createPolicyBinding(apis, { group: group.pk, target: app.pk, order: i, enabled: true, negate: false, timeout: 30, failure_result: false }));
    }
    fake.pageSize = 1;
    fake.requests.length = 0;
    const last = await lookupGroup(apis, SEED.groups.booxstreamUsers);
    const adopted = await createPolicyBinding(apis, { group: last.pk, target: app.pk, order: 7, enabled: true, negate: false, timeout: 30, failure_result: false });
    expect(adopted.adopted).toBe(true);
    expect(adopted.pk).toBe(bindings[2]?.pk);
    const pages = fake.requests.filter((r) => r.operationId === 'policies_bindings_list').map((r) => r.query);
    expect(pages).toEqual([`?page=1&target=${app.pk}`, `?page=2&target=${app.pk}`, `?page=3&target=${app.pk}`]);
  });
});

describe('proxy provider', () => {
  it('creates a provider with the rendered fields', async () => {
    const request = await booxstreamProviderRequest();
    const state = await createProxyProvider(apis, request);
    expect(state.adopted).toBe(false);
    expect(state.observed).toEqual(request);
    const stored = fake.state.providers.get(state.pk);
    expect(stored).toMatchObject(request);
    expect(fake.state.providers.size).toBe(2); // Affine's and ours
  });

  it('adopts the provider serving the same external host whatever its name, keeps the name, and delete puts it back exactly', async () => {
    const f = await flows();
    const before = [...fake.state.providers.values()].find((p) => p.name === SEED.affine.providerName)!;
    before['name'] = 'Affine SSO (hand-made)';
    before['skip_path_regex'] = '^/public/';
    const snapshot = structuredClone(before);
    const outpostsBefore = [...fake.state.outposts.values()].map((o) => [...o.providers]);
    const request = {
      name: 'affine-proxy',
      authorization_flow: f.authorization,
      invalidation_flow: f.invalidation,
      mode: 'forward_single',
      external_host: 'https://affine.kevinvdb.dev',
      internal_host: 'http://192.168.1.201:3011',
    };
    const state = await createProxyProvider(apis, request);
    expect(state.adopted).toBe(true);
    expect(state.pk).toBe(before.pk);
    expect(fake.state.providers.size).toBe(1);
    expect(fake.state.providers.get(before.pk)?.['internal_host']).toBe('http://192.168.1.201:3011');
    expect(fake.state.providers.get(before.pk)?.['name']).toBe('Affine SSO (hand-made)');
    expect(state.previous).toMatchObject({ name: 'Affine SSO (hand-made)', internal_host: 'http://192.168.1.201:3010', skip_path_regex: '^/public/' });
    // The adopted provider keeps its application.
    expect(state.assignedApplicationSlug).toBe(SEED.affine.slug);

    // Destroy: the provider is put back, not deleted, and stays in its outposts.
    await deleteProxyProvider(apis, state.pk, { previous: state.previous, previousOutposts: state.previousOutposts });
    expect(fake.state.providers.get(before.pk)).toEqual(snapshot);
    expect([...fake.state.outposts.values()].map((o) => o.providers)).toEqual(outpostsBefore);
  });

  it('restoring an adopted provider that was in no outpost takes it out of the outpost we added it to', async () => {
    const affine = [...fake.state.providers.values()].find((p) => p.name === SEED.affine.providerName)!;
    const embedded = () => [...fake.state.outposts.values()].find((o) => o.managed === EMBEDDED_OUTPOST_MANAGED)!;
    embedded().providers = [];
    const f = await flows();
    const request = { name: 'x', authorization_flow: f.authorization, invalidation_flow: f.invalidation, mode: 'forward_single', external_host: 'https://affine.kevinvdb.dev' };
    const state = await createProxyProvider(apis, request);
    expect(state.previousOutposts).toEqual([]);
    await joinOutpost(apis, EMBEDDED, affine.pk);
    await deleteProxyProvider(apis, state.pk, { previous: state.previous, previousOutposts: state.previousOutposts });
    expect(embedded().providers).toEqual([]);
    expect(fake.state.providers.has(affine.pk)).toBe(true);
  });

  it('does not adopt a provider of another host, even one with the same name', async () => {
    const request = { ...(await booxstreamProviderRequest()), name: SEED.affine.providerName };
    const state = await createProxyProvider(apis, request);
    expect(state.adopted).toBe(false);
    expect(fake.state.providers.size).toBe(2);
  });

  it('reads drift made outside Pulumi and the update puts the declared values back', async () => {
    const request = await booxstreamProviderRequest();
    const { pk } = await createProxyProvider(apis, request);
    fake.state.providers.get(pk)!['internal_host'] = 'http://10.0.0.9:9999';

    const read = await readProxyProvider(apis, pk, request);
    expect(read?.observed['internal_host']).toBe('http://10.0.0.9:9999');
    expect(changedFields(read!.observed, request)).toEqual(['internal_host']);

    const updated = await updateProxyProvider(apis, pk, request);
    expect(changedFields(updated.observed, request)).toEqual([]);
    expect(fake.state.providers.get(pk)?.['internal_host']).toBe('http://192.168.1.202:3001');
  });

  it('reads a provider deleted outside Pulumi as gone, and deleting it again is a no-op', async () => {
    const request = await booxstreamProviderRequest();
    const { pk } = await createProxyProvider(apis, request);
    fake.state.providers.delete(pk);
    expect(await readProxyProvider(apis, pk, request)).toBeNull();
    await expect(deleteProxyProvider(apis, pk)).resolves.toBeUndefined();
  });

  it('surfaces authentik field errors (an unknown flow uuid) with the operation and status', async () => {
    const request = { ...(await booxstreamProviderRequest()), authorization_flow: '00000000-0000-4000-8000-000000000000' };
    const error = await createProxyProvider(apis, request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthentikApiError);
    expect((error as AuthentikApiError).status).toBe(400);
    expect((error as AuthentikApiError).message).toContain('providers_proxy_create');
    expect((error as AuthentikApiError).body).toEqual({ authorization_flow: [expect.stringContaining('does not exist')] });
  });
});

describe('application', () => {
  it('creates the application bound to the provider; authentik reports the launch URL', async () => {
    const provider = await createProxyProvider(apis, await booxstreamProviderRequest());
    const state = await createApplication(apis, appRequest(provider.pk));
    expect(state.adopted).toBe(false);
    expect(state.slug).toBe('booxstream');
    expect(state.launchUrl).toBe('https://booxstream.kevinvdb.dev/');
    expect(fake.state.applications.get('booxstream')?.provider).toBe(provider.pk);
    // The provider now reports its application (server-side relation, not our bookkeeping).
    const read = await readProxyProvider(apis, provider.pk, {});
    expect(read?.assignedApplicationSlug).toBe('booxstream');
  });

  it('adopts an existing application with the same slug', async () => {
    const provider = await createProxyProvider(apis, await booxstreamProviderRequest());
    const pk = fake.state.applications.get(SEED.affine.slug)!.pk;
    const state = await createApplication(apis, appRequest(provider.pk, { slug: SEED.affine.slug, name: 'Affine (managed)' }));
    expect(state.adopted).toBe(true);
    expect(state.pk).toBe(pk);
    expect(fake.state.applications.size).toBe(1);
    expect(fake.state.applications.get(SEED.affine.slug)?.name).toBe('Affine (managed)');
  });

  it('delete puts an adopted application back as it was and deletes only one it created', async () => {
    const provider = await createProxyProvider(apis, await booxstreamProviderRequest());
    const before = structuredClone(fake.state.applications.get(SEED.affine.slug));
    const adopted = await createApplication(apis, appRequest(provider.pk, { slug: SEED.affine.slug, name: 'Affine (managed)' }));
    await deleteApplication(apis, adopted.slug, adopted.previous);
    expect(fake.state.applications.get(SEED.affine.slug)).toEqual(before);
    const created = await createApplication(apis, appRequest(provider.pk));
    expect(created.previous).toBeNull();
    await deleteApplication(apis, created.slug, created.previous);
    expect(fake.state.applications.has('booxstream')).toBe(false);
  });

  it("refuses to take a provider another application holds (authentik's OneToOne)", async () => {
    const affineProviderPk = fake.state.applications.get(SEED.affine.slug)!.provider!;
    const error = await createApplication(apis, appRequest(affineProviderPk)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthentikApiError);
    expect((error as AuthentikApiError).body).toEqual({ provider: ['application with this provider already exists.'] });
    expect(fake.state.applications.has('booxstream')).toBe(false);
  });

  it('finds an application the token user may not open (superuser_full_list), reads drift, updates, deletes', async () => {
    const provider = await createProxyProvider(apis, await booxstreamProviderRequest());
    const request = appRequest(provider.pk);
    const app = await createApplication(apis, request);
    const group = await lookupGroup(apis, SEED.groups.booxstreamUsers);
    await createPolicyBinding(apis, { group: group.pk, target: app.pk, order: 0, enabled: true, negate: false, timeout: 30, failure_result: false });

    fake.state.applications.get('booxstream')!['meta_description'] = 'edited in the UI';
    const read = await readApplication(apis, 'booxstream', request);
    expect(read).not.toBeNull();
    expect(changedFields(read!.observed, request)).toEqual(['meta_description']);

    const updated = await updateApplication(apis, 'booxstream', request);
    expect(changedFields(updated.observed, request)).toEqual([]);

    await deleteApplication(apis, 'booxstream');
    expect(fake.state.applications.has('booxstream')).toBe(false);
    expect(await readApplication(apis, 'booxstream', request)).toBeNull();
    // authentik deletes the bindings that target a deleted application.
    expect([...fake.state.bindings.values()].some((b) => b.target === app.pk)).toBe(false);
    await expect(deleteApplication(apis, 'booxstream')).resolves.toBeUndefined();
  });

  it('will not turn a slug change into an update', async () => {
    await expect(updateApplication(apis, 'booxstream', appRequest(1, { slug: 'other' }))).rejects.toThrow('must be a replacement');
  });
});

describe('embedded outpost membership', () => {
  const embedded = () => [...fake.state.outposts.values()].find((o) => o.managed === EMBEDDED_OUTPOST_MANAGED)!;
  const affineProviderPk = () => fake.state.applications.get(SEED.affine.slug)!.provider!;

  it("adds our provider and keeps Affine's", async () => {
    const provider = await createProxyProvider(apis, await booxstreamProviderRequest());
    const state = await joinOutpost(apis, EMBEDDED, provider.pk);
    expect(state.member).toBe(true);
    expect(embedded().providers).toEqual([affineProviderPk(), provider.pk]);
    expect(state.providers).toEqual(embedded().providers);
  });

  it('joining twice is idempotent (no second PATCH)', async () => {
    const provider = await createProxyProvider(apis, await booxstreamProviderRequest());
    await joinOutpost(apis, EMBEDDED, provider.pk);
    await joinOutpost(apis, EMBEDDED, provider.pk);
    expect(embedded().providers).toEqual([affineProviderPk(), provider.pk]);
    expect(fake.requests.filter((r) => r.operationId === 'outposts_instances_partial_update')).toHaveLength(1);
  });

  it('leaving removes only ours, including providers added after we joined', async () => {
    const ours = await createProxyProvider(apis, await booxstreamProviderRequest());
    const state = await joinOutpost(apis, EMBEDDED, ours.pk);
    const later = await createProxyProvider(apis, { ...(await booxstreamProviderRequest()), name: 'homepage-proxy', external_host: 'https://homepage.kevinvdb.dev' });
    embedded().providers.push(later.pk); // someone adds another app in the UI

    await leaveOutpost(apis, state.outpostPk, ours.pk);
    expect(embedded().providers).toEqual([affineProviderPk(), later.pk]);
    const read = await readOutpostMembership(apis, state.outpostPk, ours.pk);
    expect(read?.member).toBe(false);
    // The LDAP outpost was never touched.
    expect([...fake.state.outposts.values()].find((o) => o.type === 'ldap')?.providers).toEqual([]);
  });

  it('reads a membership removed outside Pulumi, and a vanished outpost as gone', async () => {
    const ours = await createProxyProvider(apis, await booxstreamProviderRequest());
    const state = await joinOutpost(apis, EMBEDDED, ours.pk);
    embedded().providers = [affineProviderPk()];
    expect((await readOutpostMembership(apis, state.outpostPk, ours.pk))?.member).toBe(false);
    fake.state.outposts.delete(state.outpostPk);
    expect(await readOutpostMembership(apis, state.outpostPk, ours.pk)).toBeNull();
    await expect(leaveOutpost(apis, state.outpostPk, ours.pk)).resolves.toBeUndefined();
  });

  it('membership survives replacement: the new resource joins, the old one\'s delete leaves the provider in (no forward-auth gap)', async () => {
    const conn = { url: fake.url, token: fake.token, urlKey: 'booxstream:authentikUrl', tokenKey: 'booxstream:authentikToken' };
    const ours = await createProxyProvider(apis, await booxstreamProviderRequest());
    const inputs = { outpost: EMBEDDED, providerPk: ours.pk };
    const old = await runtime.create('outpost-membership', conn, inputs);
    // Renamed in the program (new URN) or `pulumi up --replace`: create-before-delete.
    const renamed = await runtime.create('outpost-membership', conn, { ...inputs, outpost: { ...EMBEDDED, name: 'renamed in the model' } });
    await runtime.remove('outpost-membership', conn, old.id, old.outs);
    expect(embedded().providers).toEqual([affineProviderPk(), ours.pk]);
    // The selector changing is an update in place, never a replacement.
    expect(runtime.diff('outpost-membership', old.outs, { ...inputs, outpost: { ...EMBEDDED, name: 'x' } }).replaces).toEqual([]);
    // Destroying the app: the provider's delete takes it out of the outpost.
    await runtime.remove('outpost-membership', conn, renamed.id, renamed.outs);
    await deleteProxyProvider(apis, ours.pk);
    expect(embedded().providers).toEqual([affineProviderPk()]);
  });

  it('two apps joining in parallel (as Pulumi runs independent resources) both end up in the outpost', async () => {
    const a = await createProxyProvider(apis, await booxstreamProviderRequest());
    const b = await createProxyProvider(apis, { ...(await booxstreamProviderRequest()), name: 'bookstack-proxy', external_host: 'https://bookstack.kevinvdb.dev' });
    await Promise.all([joinOutpost(apis, EMBEDDED, a.pk), joinOutpost(apis, EMBEDDED, b.pk)]);
    expect(embedded().providers.sort()).toEqual([affineProviderPk(), a.pk, b.pk].sort());
  });

  it('deleting the provider takes it out of the outpost (authentik cascades the M2M row)', async () => {
    const ours = await createProxyProvider(apis, await booxstreamProviderRequest());
    await joinOutpost(apis, EMBEDDED, ours.pk);
    await deleteProxyProvider(apis, ours.pk);
    expect(embedded().providers).toEqual([affineProviderPk()]);
  });
});

describe('group policy binding', () => {
  async function setup() {
    const provider = await createProxyProvider(apis, await booxstreamProviderRequest());
    const app = await createApplication(apis, appRequest(provider.pk));
    const group = await lookupGroup(apis, SEED.groups.booxstreamUsers);
    const request = { group: group.pk, target: app.pk, order: 0, enabled: true, negate: false, timeout: 30, failure_result: false };
    return { app, group, request };
  }

  it('binds the group to the application', async () => {
    const { app, group, request } = await setup();
    const state = await createPolicyBinding(apis, request);
    expect(state.adopted).toBe(false);
    expect(state.groupName).toBe(SEED.groups.booxstreamUsers);
    expect(fake.state.bindings.get(state.pk)).toMatchObject({ target: app.pk, group: group.pk, order: 0 });
  });

  it('adopts an existing binding of the same group to the same application', async () => {
    const { request } = await setup();
    const first = await createPolicyBinding(apis, { ...request, order: 5 });
    const second = await createPolicyBinding(apis, request);
    expect(second.adopted).toBe(true);
    expect(second.pk).toBe(first.pk);
    expect(fake.state.bindings.get(first.pk)?.order).toBe(0);
    expect([...fake.state.bindings.values()].filter((b) => b.target === request.target)).toHaveLength(1);
  });

  it('reads a binding moved to another group as drift and moves it back', async () => {
    const { request } = await setup();
    const state = await createPolicyBinding(apis, request);
    const admins = await lookupGroup(apis, SEED.groups.superusers);
    fake.state.bindings.get(state.pk)!.group = admins.pk;

    const read = await readPolicyBinding(apis, state.pk, request);
    expect(read?.groupName).toBe(SEED.groups.superusers);
    expect(changedFields(read!.observed, request)).toEqual(['group']);

    await updatePolicyBinding(apis, state.pk, request);
    expect(fake.state.bindings.get(state.pk)?.group).toBe(request.group);
  });

  it('deletes the binding; a binding already gone is a no-op', async () => {
    const { request } = await setup();
    const state = await createPolicyBinding(apis, request);
    await deletePolicyBinding(apis, state.pk);
    expect(fake.state.bindings.has(state.pk)).toBe(false);
    expect(await readPolicyBinding(apis, state.pk, request)).toBeNull();
    await expect(deletePolicyBinding(apis, state.pk)).resolves.toBeUndefined();
  });
});
