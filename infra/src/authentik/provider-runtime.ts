/**
 * What the Authentik dynamic providers actually run. Pulumi serializes a dynamic provider's
 * closure into the state and runs it later in a separate plain-Node process (the
 * `pulumi-resource-pulumi-nodejs` plugin, cwd = the project directory). Serializing the
 * @goauthentik/api client or our ESM TypeScript modules into that closure does not work
 * (pulumi/pulumi#6987, #18977), so the serialized methods (src/authentik/resources.ts) hold only
 * strings and load this module by path with tsx's `tsImport`. Everything real happens here,
 * as plain functions that tests call directly.
 *
 * Inputs and outputs are authentik's wire format (snake_case). Each kind documents its
 * identity, what changes replace it, and what `delete` does.
 */
import { containsUnknown, UNKNOWN } from '../dynamic/unknown.js';
import { AuthentikLookupError, AuthentikNotConfiguredError } from '../errors.js';
import { createApplication, deleteApplication, readApplication, updateApplication } from './application.js';
import { authentikApis, type AuthentikApis } from './client.js';
import { changedFields, sameValue, type WireObject } from './drift.js';
import { lookupFlow, lookupGroup, type OutpostSelector } from './lookups.js';
import { adoptedProviderRequest } from './adoption.js';
import { joinOutpost, leaveOutpost, readOutpostMembership } from './outpost-membership.js';
import { createPolicyBinding, deletePolicyBinding, readPolicyBinding, updatePolicyBinding } from './policy-binding.js';
import { createProxyProvider, deleteProxyProvider, readProxyProvider, updateProxyProvider } from './proxy-provider.js';
import { authentikRequestProblems } from './request-contract.js';
import { mfaObjectDiff, type MfaObjectInputs } from './mfa-identity.js';
import { createMfaObject, deleteMfaObject, lookupByField, readMfaObject, updateMfaObject, type MfaObjectState, type RestConnection } from './mfa-object.js';

export type AuthentikKind = 'flow' | 'group' | 'proxy-provider' | 'application' | 'outpost-membership' | 'policy-binding' | 'mfa-object' | 'named-lookup';

export const AUTHENTIK_KINDS: readonly AuthentikKind[] = [
  'flow',
  'group',
  'proxy-provider',
  'application',
  'outpost-membership',
  'policy-binding',
  'mfa-object',
  'named-lookup',
];

/** The connection as the dynamic provider's `configure` read it from the stack config. */
export interface RuntimeConnection {
  url?: string | undefined;
  token?: string | undefined;
  /** Config keys the values came from, for error messages. */
  urlKey: string;
  tokenKey: string;
}

/** Shapes of pulumi.dynamic's results, restated so this module does not load @pulumi/pulumi. */
export interface CheckFailure {
  property: string;
  reason: string;
}
export interface CheckResult {
  inputs: Record<string, unknown>;
  failures: CheckFailure[];
}
export interface DiffResult {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
}
export interface CreateResult {
  id: string;
  outs: Record<string, unknown>;
}
export interface ReadResult {
  /** Empty when the object is gone: Pulumi then drops it from the state. */
  id: string;
  props: Record<string, unknown>;
}

export { containsUnknown, UNKNOWN } from '../dynamic/unknown.js';

/** The authentik request schema each request-carrying kind is checked against. */
const REQUEST_SCHEMA: Partial<Record<AuthentikKind, string>> = {
  'proxy-provider': 'ProxyProviderRequest',
  application: 'ApplicationRequest',
  'policy-binding': 'PolicyBindingRequest',
};

/**
 * Validates inputs before any API call, so `pulumi preview` reports a bad body with
 * authentik's own schema wording. Values unknown during preview are checked at `up`.
 */
export function check(kind: AuthentikKind, news: Record<string, unknown>): CheckResult {
  const failures: CheckFailure[] = [];
  const requireString = (property: string) => {
    const v = news[property];
    if (v !== UNKNOWN && (typeof v !== 'string' || v.trim() === '')) failures.push({ property, reason: `${property} must be a non-empty string` });
  };
  switch (kind) {
    case 'flow':
      requireString('slug');
      break;
    case 'group':
      requireString('name');
      break;
    case 'outpost-membership': {
      const pk = news['providerPk'];
      if (pk !== UNKNOWN && !(typeof pk === 'number' && Number.isInteger(pk) && pk > 0)) {
        failures.push({ property: 'providerPk', reason: 'providerPk must be a positive integer (a proxy provider pk)' });
      }
      const outpost = news['outpost'] as Partial<OutpostSelector> | undefined;
      if (!outpost || (typeof outpost.managed !== 'string' && typeof outpost.name !== 'string')) {
        failures.push({ property: 'outpost', reason: 'outpost must name the outpost by managed id or name' });
      }
      break;
    }
    case 'named-lookup':
      for (const p of ['path', 'field', 'value']) requireString(p);
      break;
    case 'mfa-object': {
      const body = news['body'];
      if (body === UNKNOWN || containsUnknown(body)) break;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        failures.push({ property: 'body', reason: 'body must be an object (authentik wire format)' });
        break;
      }
      for (const problem of authentikRequestProblems(String(news['schema']), body)) failures.push({ property: 'body', reason: problem });
      break;
    }
    case 'proxy-provider':
    case 'application':
    case 'policy-binding': {
      const request = news['request'];
      // A first preview has the whole body unknown (it is built from lookups not run yet).
      if (request === UNKNOWN) break;
      if (request === null || typeof request !== 'object' || Array.isArray(request)) {
        failures.push({ property: 'request', reason: 'request must be an object (authentik wire format)' });
      } else if (!containsUnknown(request)) {
        const schema = REQUEST_SCHEMA[kind] as string;
        for (const problem of authentikRequestProblems(schema, request)) {
          failures.push({ property: 'request', reason: problem });
        }
      }
      break;
    }
    default:
      assertNever(kind);
  }
  return { inputs: news, failures };
}

/** What changed between the state (`olds`, outputs incl. refreshed observations) and the program (`news`). */
export function diff(kind: AuthentikKind, olds: Record<string, unknown>, news: Record<string, unknown>): DiffResult {
  const none: DiffResult = { changes: false, replaces: [], deleteBeforeReplace: false };
  switch (kind) {
    case 'flow':
      // A lookup owns nothing; a new slug is a new lookup.
      return sameValue(olds['slug'], news['slug']) ? none : { changes: true, replaces: ['slug'], deleteBeforeReplace: false };
    case 'group':
      return sameValue(olds['name'], news['name']) ? none : { changes: true, replaces: ['name'], deleteBeforeReplace: false };
    case 'proxy-provider': {
      // authentik keys providers by pk: every field, the name included, is updatable in place.
      // An adopted provider keeps its owner's name, so the name is not compared for it.
      const oldRequest = asWire(olds['request']);
      const newRequest = olds['adopted'] === true ? adoptedProviderRequest(asWire(news['request']), oldRequest['name']) : asWire(news['request']);
      const changed = changedFields(oldRequest, newRequest);
      return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
    }
    case 'application': {
      const oldSlug = asWire(olds['request'])['slug'];
      const newSlug = asWire(news['request'])['slug'];
      if (!sameValue(oldSlug, newSlug)) {
        // The slug is the application's key. The provider can belong to one application only
        // (OneToOne), so the old application must go before the new one takes the provider.
        return { changes: true, replaces: ['request'], deleteBeforeReplace: true };
      }
      const changed = changedFields(asWire(olds['request']), asWire(news['request']));
      return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
    }
    case 'outpost-membership': {
      // Never a replacement: a new provider or outpost is joined in place by `update` (join
      // first, so forward auth never has a gap), and leaving is the provider's own delete.
      const moved = ['providerPk', 'outpost'].some((k) => !sameValue(olds[k], news[k]));
      // Refresh found the provider removed from the outpost: join again.
      return { changes: moved || olds['member'] === false, replaces: [], deleteBeforeReplace: false };
    }
    case 'policy-binding': {
      const oldTarget = asWire(olds['request'])['target'];
      const newTarget = asWire(news['request'])['target'];
      if (!sameValue(oldTarget, newTarget)) return { changes: true, replaces: ['request'], deleteBeforeReplace: false };
      const changed = changedFields(asWire(olds['request']), asWire(news['request']));
      return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
    }
    case 'named-lookup':
      return ['path', 'field', 'value'].every((k) => sameValue(olds[k], news[k])) ? none : { changes: true, replaces: ['value'], deleteBeforeReplace: false };
    case 'mfa-object':
      return mfaObjectDiff(olds, news as unknown as MfaObjectInputs);
    default:
      return assertNever(kind);
  }
}

export async function create(kind: AuthentikKind, connection: RuntimeConnection, inputs: Record<string, unknown>): Promise<CreateResult> {
  const apis = connect(connection);
  switch (kind) {
    case 'flow': {
      const flow = await lookupFlow(apis, String(inputs['slug']));
      return { id: flow.pk, outs: { slug: flow.slug, pk: flow.pk, designation: flow.designation } };
    }
    case 'group': {
      const group = await lookupGroup(apis, String(inputs['name']));
      return { id: group.pk, outs: { name: group.name, pk: group.pk } };
    }
    case 'proxy-provider': {
      const s = await createProxyProvider(apis, asWire(inputs['request']));
      return {
        id: String(s.pk),
        outs: { request: s.observed, pk: s.pk, adopted: s.adopted, assignedApplicationSlug: s.assignedApplicationSlug, previous: s.previous, previousOutposts: s.previousOutposts },
      };
    }
    case 'application': {
      const s = await createApplication(apis, asWire(inputs['request']));
      return { id: s.slug, outs: { request: s.observed, pk: s.pk, slug: s.slug, adopted: s.adopted, launchUrl: s.launchUrl, previous: s.previous } };
    }
    case 'outpost-membership': {
      const providerPk = Number(inputs['providerPk']);
      const s = await joinOutpost(apis, inputs['outpost'] as OutpostSelector, providerPk);
      return { id: `${s.outpostPk}/${providerPk}`, outs: membershipOuts(inputs, s) };
    }
    case 'policy-binding': {
      const s = await createPolicyBinding(apis, asWire(inputs['request']));
      return { id: s.pk, outs: { request: s.observed, pk: s.pk, adopted: s.adopted, groupName: s.groupName, previous: s.previous } };
    }
    case 'named-lookup': {
      const found = await lookupByField(connectRest(connection), String(inputs['path']), String(inputs['field']), String(inputs['value']));
      return { id: found.pk, outs: lookupOuts(inputs, found.pk) };
    }
    case 'mfa-object': {
      const s = await createMfaObject(connectRest(connection), mfaInputs(inputs));
      return { id: s.id, outs: mfaOuts(inputs, s) };
    }
    default:
      return assertNever(kind);
  }
}

/** Refresh: what authentik holds now. An empty id tells Pulumi the object is gone. */
export async function read(kind: AuthentikKind, connection: RuntimeConnection, id: string, props: Record<string, unknown>): Promise<ReadResult> {
  const apis = connect(connection);
  const gone: ReadResult = { id: '', props: {} };
  switch (kind) {
    case 'flow': {
      // Re-resolve: a flow deleted and re-imported under the same slug has a new pk.
      const flow = await lookupFlow(apis, String(props['slug'])).catch(goneOnLookupError);
      return flow ? { id: flow.pk, props: { slug: flow.slug, pk: flow.pk, designation: flow.designation } } : gone;
    }
    case 'group': {
      const group = await lookupGroup(apis, String(props['name'])).catch(goneOnLookupError);
      return group ? { id: group.pk, props: { name: group.name, pk: group.pk } } : gone;
    }
    case 'proxy-provider': {
      const s = await readProxyProvider(apis, Number(id), asWire(props['request']));
      return s
        ? { id, props: { ...props, request: s.observed, pk: s.pk, assignedApplicationSlug: s.assignedApplicationSlug } }
        : gone;
    }
    case 'application': {
      const s = await readApplication(apis, id, asWire(props['request']));
      return s ? { id, props: { ...props, request: s.observed, pk: s.pk, slug: s.slug, launchUrl: s.launchUrl } } : gone;
    }
    case 'outpost-membership': {
      const outpostPk = String(props['outpostPk']);
      const s = await readOutpostMembership(apis, outpostPk, Number(props['providerPk']));
      return s ? { id, props: membershipOuts(props, s) } : gone;
    }
    case 'policy-binding': {
      const s = await readPolicyBinding(apis, id, asWire(props['request']));
      return s ? { id, props: { ...props, request: s.observed, pk: s.pk, groupName: s.groupName } } : gone;
    }
    case 'named-lookup': {
      const found = await lookupByField(connectRest(connection), String(props['path']), String(props['field']), String(props['value'])).catch(goneOnLookupError);
      return found ? { id: found.pk, props: lookupOuts(props, found.pk) } : gone;
    }
    case 'mfa-object': {
      const s = await readMfaObject(connectRest(connection), mfaInputs(props), id, previousOf(props));
      return s ? { id, props: mfaOuts(props, s) } : gone;
    }
    default:
      return assertNever(kind);
  }
}

export async function update(
  kind: AuthentikKind,
  connection: RuntimeConnection,
  id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<{ outs: Record<string, unknown> }> {
  const apis = connect(connection);
  switch (kind) {
    case 'flow':
    case 'group':
      // Identity changes are replacements (see diff); nothing else to write.
      return { outs: { ...olds, ...news } };
    case 'proxy-provider': {
      const liveName = olds['adopted'] === true ? asWire(olds['request'])['name'] : undefined;
      const s = await updateProxyProvider(apis, Number(id), asWire(news['request']), liveName);
      return { outs: { ...adoptionOf(olds), request: s.observed, pk: s.pk, adopted: olds['adopted'] ?? false, assignedApplicationSlug: s.assignedApplicationSlug } };
    }
    case 'application': {
      const s = await updateApplication(apis, id, asWire(news['request']));
      return { outs: { ...adoptionOf(olds), request: s.observed, pk: s.pk, slug: s.slug, adopted: olds['adopted'] ?? false, launchUrl: s.launchUrl } };
    }
    case 'outpost-membership': {
      // Join the new outpost/provider first; then leave an old outpost we joined ourselves.
      const s = await joinOutpost(apis, news['outpost'] as OutpostSelector, Number(news['providerPk']));
      if (olds['joined'] === true && olds['outpostPk'] !== s.outpostPk) {
        await leaveOutpost(apis, String(olds['outpostPk']), Number(olds['providerPk']));
      }
      return { outs: { ...membershipOuts(news, s), joined: olds['joined'] === true || s.joined } };
    }
    case 'policy-binding': {
      const s = await updatePolicyBinding(apis, id, asWire(news['request']));
      return { outs: { ...adoptionOf(olds), request: s.observed, pk: s.pk, adopted: olds['adopted'] ?? false, groupName: s.groupName } };
    }
    case 'named-lookup':
      return { outs: { ...olds, ...news } };
    case 'mfa-object': {
      // The record of an adopted default is kept from its adoption, never re-read.
      const s = await updateMfaObject(connectRest(connection), mfaInputs(news), id, previousOf(olds));
      return { outs: mfaOuts(news, s) };
    }
    default:
      return assertNever(kind);
  }
}

/** Deletes what the resource owns. Lookups own nothing: deleting them never touches authentik. */
export async function remove(kind: AuthentikKind, connection: RuntimeConnection, id: string, props: Record<string, unknown>): Promise<void> {
  switch (kind) {
    case 'flow':
    case 'group':
      return;
    case 'proxy-provider':
      return deleteProxyProvider(connect(connection), Number(id), {
        previous: (props['previous'] as WireObject | null | undefined) ?? null,
        previousOutposts: (props['previousOutposts'] as string[] | null | undefined) ?? null,
      });
    case 'application':
      return deleteApplication(connect(connection), id, (props['previous'] as WireObject | null | undefined) ?? null);
    case 'outpost-membership':
      // Deliberately nothing. Leaving here would open a window without forward auth whenever
      // a membership is replaced or renamed (create-before-delete: the new one joins as a
      // no-op, then this delete would remove the same provider). The provider's own delete
      // leaves every outpost (authentik drops the M2M rows), and an adopted provider's restore
      // puts back exactly the outposts it was in before.
      return;
    case 'policy-binding':
      return deletePolicyBinding(connect(connection), id, (props['previous'] as WireObject | null | undefined) ?? null);
    case 'named-lookup':
      return;
    case 'mfa-object':
      return deleteMfaObject(connectRest(connection), mfaInputs(props), id, previousOf(props));
    default:
      return assertNever(kind);
  }
}

function connect(connection: RuntimeConnection): AuthentikApis {
  const missing = [
    connection.url ? null : connection.urlKey,
    connection.token ? null : connection.tokenKey,
  ].filter((k): k is string => k !== null);
  if (missing.length > 0) {
    throw new AuthentikNotConfiguredError(`set ${missing.join(' and ')} in the stack config (the token with --secret)`);
  }
  return authentikApis({ url: connection.url as string, token: connection.token as string });
}

function connectRest(connection: RuntimeConnection): RestConnection {
  connect(connection);
  return { url: connection.url as string, token: connection.token as string };
}

function mfaInputs(props: Record<string, unknown>): MfaObjectInputs {
  const adopt = props['adopt'] as MfaObjectInputs['adopt'] | undefined;
  return {
    key: String(props['key']),
    method: props['method'] === 'PATCH' ? 'PATCH' : 'POST',
    path: String(props['path']),
    schema: String(props['schema']),
    body: asWire(props['body']),
    ...(adopt ? { adopt } : {}),
  };
}

function mfaOuts(inputs: Record<string, unknown>, s: MfaObjectState): Record<string, unknown> {
  const i = mfaInputs(inputs);
  return { ...i, body: i.body, pk: s.pk, adopted: s.adopted, previous: s.previous, observed: s.observed, naturalKey: s.naturalKey };
}

function previousOf(props: Record<string, unknown>): WireObject | null {
  return (props['previous'] as WireObject | null | undefined) ?? null;
}

function lookupOuts(inputs: Record<string, unknown>, pk: string): Record<string, unknown> {
  return { path: inputs['path'], field: inputs['field'], value: inputs['value'], pk };
}

function membershipOuts(inputs: Record<string, unknown>, s: { outpostPk: string; outpostName: string; providerPk: number; member: boolean; joined?: boolean }) {
  return { outpost: inputs['outpost'], providerPk: s.providerPk, outpostPk: s.outpostPk, outpostName: s.outpostName, member: s.member, joined: s.joined ?? false };
}

/** The pre-adoption record carried through updates and refreshes. */
function adoptionOf(olds: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['previous', 'previousOutposts']) if (k in olds) out[k] = olds[k];
  return out;
}

/** Only "not found" means gone; an outage or a bad token must fail the refresh, not empty the state. */
function goneOnLookupError(error: unknown): null {
  if (error instanceof AuthentikLookupError) return null;
  throw error;
}

function asWire(value: unknown): WireObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as WireObject) : {};
}

function assertNever(value: never): never {
  throw new Error(`unknown authentik resource kind: ${String(value)}`);
}
