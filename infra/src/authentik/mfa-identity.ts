/**
 * Pure rules for the two-factor objects (the steps of `renderMfaSteps`): how each is found
 * again in authentik, which of its ids other objects refer to, what an adopted default looked
 * like before, and what counts as a change. mfa-object.ts does the requests.
 */
import { changedFields, sameValue, type WireObject } from './drift.js';

/** One step as the dynamic resource receives it (the renderer's `MfaStep`, wire format). */
export interface MfaObjectInputs {
  readonly key: string;
  readonly method: 'POST' | 'PATCH';
  /** Collection under /api/v3, e.g. `/stages/deny/`. */
  readonly path: string;
  readonly schema: string;
  readonly body: WireObject;
  readonly adopt?: { readonly name: string; readonly restoreFields: readonly string[] };
}

/** The filter that finds an object again by its natural key, and the exact match on the results. */
export interface NaturalKey {
  readonly query: Record<string, string>;
  matches(object: WireObject): boolean;
}

const FLOW_BINDINGS = '/flows/bindings/';
const POLICY_BINDINGS = '/policies/bindings/';
const FLOWS = '/flows/instances/';

/**
 * How authentik keys the object: flows by slug; stage bindings by (target, stage, order), its
 * unique constraint; policy bindings by (policy, target); stages and policies by their unique
 * name. An adopted default is found by the name the renderer gives.
 */
export function naturalKey(step: MfaObjectInputs): NaturalKey {
  const b = step.body;
  if (step.adopt) return byFields({ name: step.adopt.name });
  if (step.path === FLOWS) return byFields({ slug: String(b['slug']) });
  if (step.path === FLOW_BINDINGS) return byFields({ target: String(b['target']), stage: String(b['stage']), order: String(b['order']) });
  if (step.path === POLICY_BINDINGS) return byFields({ target: String(b['target']), policy: String(b['policy']) });
  return byFields({ name: String(b['name']) });
}

function byFields(query: Record<string, string>): NaturalKey {
  return { query, matches: (o) => Object.entries(query).every(([k, v]) => String(o[k]) === v) };
}

/** The id in the object's URL: a flow's slug, otherwise its pk. */
export function urlId(path: string, object: WireObject): string {
  return String(path === FLOWS ? object['slug'] : object['pk']);
}

/**
 * The id other objects refer to this one by. A stage binding is referred to only as the target
 * of a policy binding, which takes its policy-binding-model id, not its own pk (in authentik
 * a binding, like a flow, is a PolicyBindingModel with a separate primary key).
 */
export function referencePk(path: string, object: WireObject): string {
  return String(path === FLOW_BINDINGS ? object['policybindingmodel_ptr_id'] : object['pk']);
}

/** The adopted default's values of exactly the fields the step changes: what destroy writes back. */
export function restoreBody(step: MfaObjectInputs, object: WireObject): WireObject {
  const fields = step.adopt?.restoreFields ?? [];
  return Object.fromEntries(fields.map((f) => [f, object[f] === undefined ? null : object[f]]));
}

/** What a new program asks of the object: update in place, replace, or nothing. */
export function mfaObjectDiff(olds: Record<string, unknown>, news: MfaObjectInputs): { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean } {
  // Another endpoint, another adopted default, or ours becoming adopted: a different object.
  const identity = ['key', 'method', 'path'].filter((k) => !sameValue(olds[k], (news as unknown as Record<string, unknown>)[k]));
  if (!sameValue((olds['adopt'] as MfaObjectInputs['adopt'])?.name, news.adopt?.name)) identity.push('adopt');
  const oldKey = olds['naturalKey'] as Record<string, string> | undefined;
  if (identity.length === 0 && oldKey && !sameValue(oldKey, naturalKey(news).query) && !news.adopt) identity.push('body');
  if (identity.length > 0) return { changes: true, replaces: identity, deleteBeforeReplace: false };
  const changed = changedFields(olds['observed'] as WireObject | undefined, news.body);
  return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
}
