import { describe, expect, it } from 'vitest';
import { loadAuthentikOpenApi } from '../authentik/openapi.js';
import { BadInputError } from '../errors.js';
import { loadExampleGateway } from '../model/load.js';
import { validateGateway } from '../model/validate.js';
import {
  addProviderToOutpost,
  authentikLookups,
  removeProviderFromOutpost,
  renderAuthentikApplication,
  renderAuthentikProvider,
  renderOutpostProvidersPatch,
  renderPolicyBindings,
} from './authentik.js';

const gateway = loadExampleGateway();
const booxstream = gateway.apps[0]!;
const api = loadAuthentikOpenApi();
const FLOWS = { authorization: 'c4b3f1de-0c1a-4f1e-9c55-1f0e2f0a0001', invalidation: 'c4b3f1de-0c1a-4f1e-9c55-1f0e2f0a0002' };
const ADMINS = '7d9a2a51-3c2b-4b5e-8f0e-3a2b1c0d0003';
const PBM = '5e2f9c1a-8b7d-4c6e-9a1b-2c3d4e5f0004';

describe('renderAuthentikProvider', () => {
  // Rendered inside each test: a renderer that throws then fails tests, not the file's collection.
  const body = () => renderAuthentikProvider(gateway, booxstream, FLOWS);

  it('renders the forward_single provider of the seed checklist', () => {
    expect(body()).toEqual({
      name: 'booxstream-proxy',
      authorization_flow: FLOWS.authorization,
      invalidation_flow: FLOWS.invalidation,
      mode: 'forward_single',
      external_host: 'https://booxstream.kevinvdb.dev',
      internal_host: 'http://192.168.1.202:3001',
    });
  });

  it('is a valid create and update request for authentik', () => {
    expect(api.validateRequest('POST', '/api/v3/providers/proxy/', new URLSearchParams(), body())).toEqual([]);
    expect(api.validateRequest('PUT', '/api/v3/providers/proxy/7/', new URLSearchParams(), body())).toEqual([]);
  });

  it('passes an authentication flow only when the model names one', () => {
    const input = JSON.parse(JSON.stringify(gateway)) as Record<string, any>;
    input['authentik'].flows.authentication = 'default-authentication-flow';
    const g = validateGateway(input);
    expect(() => renderAuthentikProvider(g, g.apps[0]!, FLOWS)).toThrow(/flowPks.authentication \(flow 'default-authentication-flow'\) must be a UUID/);
    const withAuth = renderAuthentikProvider(g, g.apps[0]!, { ...FLOWS, authentication: 'c4b3f1de-0c1a-4f1e-9c55-1f0e2f0a0009' });
    expect(withAuth.authentication_flow).toBe('c4b3f1de-0c1a-4f1e-9c55-1f0e2f0a0009');
    expect(api.validateComponent('ProxyProviderRequest', withAuth)).toEqual([]);
  });

  it('refuses a flow slug where the pk belongs, naming the flow', () => {
    expect(() => renderAuthentikProvider(gateway, booxstream, { ...FLOWS, invalidation: 'default-provider-invalidation-flow' })).toThrow(BadInputError);
    expect(() => renderAuthentikProvider(gateway, booxstream, { ...FLOWS, invalidation: 'default-provider-invalidation-flow' })).toThrow(
      "flowPks.invalidation (flow 'default-provider-invalidation-flow') must be a UUID",
    );
  });
});

describe('renderAuthentikApplication', () => {
  it('renders the application with its provider and metadata, valid for authentik', () => {
    const body = renderAuthentikApplication(booxstream, 12);
    expect(body).toEqual({
      name: 'BooxStream',
      slug: 'booxstream',
      provider: 12,
      meta_launch_url: 'https://booxstream.kevinvdb.dev',
      meta_icon: 'fa://fa-tablet',
      meta_description: "Live view of the Onyx Boox tablet's screen",
      meta_publisher: 'kevinvdb',
      policy_engine_mode: 'any',
      open_in_new_tab: false,
    });
    expect(api.validateRequest('POST', '/api/v3/core/applications/', new URLSearchParams(), body)).toEqual([]);
    expect(api.validateRequest('PUT', '/api/v3/core/applications/booxstream/', new URLSearchParams(), body)).toEqual([]);
  });

  it('leaves meta_icon out when the model has none', () => {
    const input = JSON.parse(JSON.stringify(gateway)) as Record<string, any>;
    delete input['apps'][1].authentik.icon;
    const g = validateGateway(input);
    expect(renderAuthentikApplication(g.apps[1]!, 13)).not.toHaveProperty('meta_icon');
  });

  it('accepts the smallest primary key, 1', () => {
    expect(renderAuthentikApplication(booxstream, 1).provider).toBe(1);
    expect(addProviderToOutpost([], 1)).toEqual([1]);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses provider pk %s', (pk) => {
    expect(() => renderAuthentikApplication(booxstream, pk)).toThrow('providerPk must be a positive integer primary key');
  });
});

describe('renderPolicyBindings', () => {
  it('binds each allowed group to the application, valid for authentik', () => {
    const bindings = renderPolicyBindings(booxstream, { admins: ADMINS }, PBM);
    expect(bindings).toEqual([{ group: ADMINS, target: PBM, order: 0, enabled: true, negate: false, timeout: 30, failure_result: false }]);
    for (const b of bindings) expect(api.validateRequest('POST', '/api/v3/policies/bindings/', new URLSearchParams(), b)).toEqual([]);
  });

  it('orders several groups 0, 10, 20', () => {
    const input = JSON.parse(JSON.stringify(gateway)) as Record<string, any>;
    input['apps'][0].allowedGroups = ['admins', 'family', 'friends'];
    const app = validateGateway(input).apps[0]!;
    const pks = { admins: ADMINS, family: '7d9a2a51-3c2b-4b5e-8f0e-3a2b1c0d0005', friends: '7d9a2a51-3c2b-4b5e-8f0e-3a2b1c0d0006' };
    expect(renderPolicyBindings(app, pks, PBM).map((b) => [b.order, b.group])).toEqual([
      [0, ADMINS],
      [10, pks.family],
      [20, pks.friends],
    ]);
  });

  it('names the group whose pk is not a UUID, however close', () => {
    for (const pk of ['admins', `x${ADMINS}`, `${ADMINS}0`, ADMINS.replace(/-/g, '')]) {
      expect(() => renderPolicyBindings(booxstream, { admins: pk }, PBM), pk).toThrow(`groupPks['admins'] must be a UUID`);
    }
    expect(renderPolicyBindings(booxstream, { admins: ADMINS.toUpperCase() }, PBM)[0]!.group).toBe(ADMINS.toUpperCase());
  });

  it('names a group whose pk is missing, and refuses a slug as target', () => {
    expect(() => renderPolicyBindings(booxstream, {}, PBM)).toThrow("groupPks has no pk for allowed group 'admins' of app 'booxstream'");
    expect(() => renderPolicyBindings(booxstream, { admins: ADMINS }, 'booxstream')).toThrow('applicationPbmUuid must be a UUID');
  });
});

describe('embedded outpost membership', () => {
  it('adds a provider once and keeps the others', () => {
    expect(addProviderToOutpost([3, 9], 12)).toEqual([3, 9, 12]);
    expect(addProviderToOutpost([3, 12, 9], 12)).toEqual([3, 12, 9]);
    expect(addProviderToOutpost([], 12)).toEqual([12]);
  });

  it('removes only its own provider', () => {
    expect(removeProviderFromOutpost([3, 12, 9], 12)).toEqual([3, 9]);
    expect(removeProviderFromOutpost([3, 9], 12)).toEqual([3, 9]);
  });

  it('refuses a provider pk that is not one, naming it', () => {
    expect(() => addProviderToOutpost([3], 0)).toThrow('providerPk must be a positive integer primary key, got 0');
    expect(() => removeProviderFromOutpost([3], -2)).toThrow('providerPk must be a positive integer primary key, got -2');
  });

  it('does not mutate the list it was given', () => {
    const existing = Object.freeze([3, 9]);
    addProviderToOutpost(existing, 12);
    removeProviderFromOutpost(existing, 3);
    expect(existing).toEqual([3, 9]);
  });

  it('renders a PATCH body valid for the outpost endpoint', () => {
    const patch = renderOutpostProvidersPatch(addProviderToOutpost([3], 12));
    expect(patch).toEqual({ providers: [3, 12] });
    expect(api.validateRequest('PATCH', '/api/v3/outposts/instances/0b9f3c2e-6c1a-4b7e-9d53-2f8e5a1c7d40/', new URLSearchParams(), patch)).toEqual([]);
    expect(() => renderOutpostProvidersPatch([3, 0])).toThrow('providers[1] must be a positive integer');
  });
});

describe('authentikLookups', () => {
  it('lists what to resolve before rendering', () => {
    expect(authentikLookups(gateway, booxstream)).toEqual({
      flowSlugs: { authorization: 'default-provider-authorization-implicit-consent', invalidation: 'default-provider-invalidation-flow' },
      groupNames: ['admins'],
      embeddedOutpost: { managed: 'goauthentik.io/outposts/embedded', name: 'authentik Embedded Outpost' },
      providerName: 'booxstream-proxy',
      applicationSlug: 'booxstream',
    });
  });

  it('uses lookups the API documents', () => {
    const q = new URLSearchParams({ managed__iexact: 'goauthentik.io/outposts/embedded' });
    expect(api.validateRequest('GET', '/api/v3/outposts/instances/', q, undefined)).toEqual([]);
    expect(api.validateRequest('GET', '/api/v3/flows/instances/default-provider-invalidation-flow/', new URLSearchParams(), undefined)).toEqual([]);
    expect(api.validateRequest('GET', '/api/v3/core/groups/', new URLSearchParams({ name: 'admins' }), undefined)).toEqual([]);
    expect(api.validateRequest('GET', '/api/v3/providers/proxy/', new URLSearchParams({ name__iexact: 'booxstream-proxy' }), undefined)).toEqual([]);
  });
});

describe("every body the example and its variants render meets authentik's schema", () => {
  // The renderers do not check this themselves (they are pure); this is where it is proven.
  const variants: [string, (g: Record<string, any>) => void][] = [
    ['the example', () => {}],
    ['with an authentication flow', (g) => (g['authentik'].flows.authentication = 'default-authentication-flow')],
    ['without icons', (g) => g['apps'].forEach((a: Record<string, any>) => delete a['authentik'].icon)],
    ['with three groups and policy mode all', (g) => {
      g['apps'][0].allowedGroups = ['admins', 'family', 'friends'];
      g['apps'][0].authentik.policyEngineMode = 'all';
    }],
  ];
  it.each(variants)('%s', (_name, change) => {
    const input = JSON.parse(JSON.stringify(gateway)) as Record<string, any>;
    change(input);
    const g = validateGateway(input);
    const flows = { ...FLOWS, authentication: 'c4b3f1de-0c1a-4f1e-9c55-1f0e2f0a0009' };
    g.apps.forEach((app, i) => {
      const groupPks = Object.fromEntries(app.allowedGroups.map((name, j) => [name, `7d9a2a51-3c2b-4b5e-8f0e-3a2b1c0d00${i}${j}`]));
      expect(api.validateComponent('ProxyProviderRequest', renderAuthentikProvider(g, app, flows)), app.name).toEqual([]);
      expect(api.validateComponent('ApplicationRequest', renderAuthentikApplication(app, 100 + i)), app.name).toEqual([]);
      for (const b of renderPolicyBindings(app, groupPks, PBM)) expect(api.validateComponent('PolicyBindingRequest', b), app.name).toEqual([]);
    });
    expect(api.validateComponent('PatchedOutpostRequest', renderOutpostProvidersPatch([100, 101]))).toEqual([]);
  });
});
