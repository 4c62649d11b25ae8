/**
 * The same authentik objects as `render/authentik.ts`, mapped by the same functions
 * (`render/authentik-objects.ts`), as an authentik blueprint (for people who apply blueprints
 * instead of calling the API). Blueprints resolve references themselves with
 * YAML tags, so no primary keys are needed: `!Find` looks objects up, `!KeyOf` points at an
 * entry of the same blueprint.
 *
 * The embedded outpost entry sets `attrs.providers`, which REPLACES the outpost's provider list
 * (blueprint attrs overwrite; there is no append for many-to-many fields, goauthentik/authentik
 * #6779). The entry therefore lists every provider of the gateway, and a provider attached to
 * the embedded outpost by hand is detached when the blueprint applies.
 */
import yaml from 'js-yaml';
import { appResourceNames, blueprintNames } from '../model/names.js';
import type { Gateway, ProtectedApp } from '../model/types.js';
import { applicationFields, EMBEDDED_OUTPOST_MANAGED, policyBindingFields, proxyProviderFields } from './authentik-objects.js';

/** `!Find [model, [field, value], ...]`: the pk of the object matching every pair. */
export class FindTag {
  readonly model: string;
  readonly query: readonly (readonly [string, string])[];
  constructor(model: string, ...query: (readonly [string, string])[]) {
    this.model = model;
    this.query = query;
  }
}

/** `!KeyOf id`: the pk of the entry with that `id` in the same blueprint. */
export class KeyOfTag {
  readonly id: string;
  constructor(id: string) {
    this.id = id;
  }
}

const findType = new yaml.Type('!Find', {
  kind: 'sequence',
  instanceOf: FindTag,
  represent: (value) => {
    const find = value as FindTag;
    return [find.model, ...find.query.map((pair) => [...pair])];
  },
  resolve: (data: unknown) => Array.isArray(data) && typeof data[0] === 'string' && data.slice(1).every((p) => Array.isArray(p) && p.length === 2),
  construct: (data: [string, ...[string, string][]]) => new FindTag(data[0], ...data.slice(1).map(([k, v]) => [String(k), String(v)] as const)),
});

const keyOfType = new yaml.Type('!KeyOf', {
  kind: 'scalar',
  instanceOf: KeyOfTag,
  represent: (value) => (value as KeyOfTag).id,
  resolve: (data: unknown) => typeof data === 'string' && data.length > 0,
  construct: (data: string) => new KeyOfTag(data),
});

/** js-yaml schema that reads and writes authentik's `!Find` and `!KeyOf` tags. */
export const BLUEPRINT_SCHEMA = yaml.DEFAULT_SCHEMA.extend([findType, keyOfType]);

/** One blueprint entry (authentik `website/docs/customize/blueprints/v1/structure.mdx`). */
export interface BlueprintEntry {
  model: string;
  state: 'present';
  id?: string;
  identifiers: Record<string, unknown>;
  attrs: Record<string, unknown>;
}

export interface Blueprint {
  version: 1;
  metadata: { name: string; labels: Record<string, string> };
  entries: BlueprintEntry[];
}

export interface RenderedBlueprint {
  /** e.g. `booxstream-gateway-booxstream.yaml` */
  fileName: string;
  document: Blueprint;
  yaml: string;
}

const MODEL = {
  flow: 'authentik_flows.flow',
  group: 'authentik_core.group',
  provider: 'authentik_providers_proxy.proxyprovider',
  application: 'authentik_core.application',
  binding: 'authentik_policies.policybinding',
  outpost: 'authentik_outposts.outpost',
} as const;

const providerId = (app: ProtectedApp): string => appResourceNames(app).provider;
const applicationId = (app: ProtectedApp): string => appResourceNames(app).application;
const flow = (slug: string): FindTag => new FindTag(MODEL.flow, ['slug', slug]);

function appEntries(gateway: Gateway, app: ProtectedApp): BlueprintEntry[] {
  // Blueprints find an object by its identifiers and set the rest as attrs.
  const { name, ...providerAttrs } = proxyProviderFields(gateway, app, (_role, slug) => flow(slug));
  const { slug, ...applicationAttrs } = applicationFields(app, new KeyOfTag(providerId(app)));
  return [
    { model: MODEL.provider, state: 'present', id: providerId(app), identifiers: { name }, attrs: providerAttrs },
    { model: MODEL.application, state: 'present', id: applicationId(app), identifiers: { slug }, attrs: applicationAttrs },
    ...app.allowedGroups.map((group, i): BlueprintEntry => {
      const { group: groupRef, target, ...attrs } = policyBindingFields(new FindTag(MODEL.group, ['name', group]), new KeyOfTag(applicationId(app)), i);
      return { model: MODEL.binding, state: 'present', identifiers: { target, group: groupRef }, attrs };
    }),
  ];
}

/** The embedded-outpost entry listing every provider of the gateway (see the module comment). */
function outpostEntry(gateway: Gateway, inThisBlueprint: readonly ProtectedApp[]): BlueprintEntry {
  return {
    model: MODEL.outpost,
    state: 'present',
    identifiers: { managed: EMBEDDED_OUTPOST_MANAGED },
    attrs: {
      providers: gateway.apps.map((app) =>
        inThisBlueprint.includes(app) ? new KeyOfTag(providerId(app)) : new FindTag(MODEL.provider, ['name', app.authentik.providerName]),
      ),
    },
  };
}

/**
 * The blueprint of one app (provider, application, group bindings, embedded outpost
 * membership), or of every app of the gateway when `app` is omitted. Pure.
 *
 * A per-app blueprint finds the other apps' providers with `!Find` for the outpost entry, so
 * apply it after theirs exist; the whole-gateway blueprint has no such ordering constraint.
 */
export function renderAuthentikBlueprint(gateway: Gateway, app?: ProtectedApp): RenderedBlueprint {
  const apps = app ? [app] : gateway.apps;
  const names = blueprintNames(app ? app.name : 'all');
  const document: Blueprint = {
    version: 1,
    metadata: {
      name: names.name,
      labels: { 'blueprints.goauthentik.io/description': `Generated by @booxstream/gateway for ${apps.map((a) => a.hostname).join(', ')}` },
    },
    entries: [...apps.flatMap((a) => appEntries(gateway, a)), outpostEntry(gateway, apps)],
  };
  return {
    fileName: names.fileName,
    document,
    yaml:
      '# yaml-language-server: $schema=https://goauthentik.io/blueprints/schema.json\n' +
      '# Generated by @booxstream/gateway. The embedded outpost entry REPLACES its provider list\n' +
      '# with the providers below: providers attached to it by hand are detached on apply.\n' +
      yaml.dump(document, { schema: BLUEPRINT_SCHEMA, lineWidth: -1, noRefs: true, quotingType: '"' }),
  };
}

/** Parses a blueprint YAML with the `!Find`/`!KeyOf` tags (for tests and round trips). */
export function parseBlueprint(text: string): Blueprint {
  return yaml.load(text, { schema: BLUEPRINT_SCHEMA }) as Blueprint;
}
