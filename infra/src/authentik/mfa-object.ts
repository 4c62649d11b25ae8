/**
 * The requests behind one two-factor object (a step of `renderMfaSteps`). The steps name their
 * endpoint and body in authentik's wire format, so they are sent as they are, over authentik's
 * REST conventions (list with exact filters, POST, PATCH `<path><id>/`, DELETE), after the same
 * schema check every other request gets (request-contract.ts).
 *
 * - An object of ours (POST) is created, or taken back when one with its natural key exists
 *   (a run interrupted after the POST); destroy deletes it.
 * - An adopted default (PATCH) is found by name; the values of the fields the step changes are
 *   recorded first and written back, exactly, on destroy. Nothing else of it is ever written.
 */
import { AuthentikApiError, AuthentikLookupError } from '../errors.js';
import { apiBasePath } from './client.js';
import { observedFields, type WireObject } from './drift.js';
import { naturalKey, referencePk, restoreBody, urlId, type MfaObjectInputs } from './mfa-identity.js';
import { MAX_PAGES } from './pages.js';
import { assertAuthentikRequest } from './request-contract.js';

export interface RestConnection {
  readonly url: string;
  readonly token: string;
}

export interface MfaObjectState {
  /** The id in the object's URL (a flow's slug, otherwise its pk). */
  readonly id: string;
  /** What other objects refer to it by (see `referencePk`). */
  readonly pk: string;
  readonly adopted: boolean;
  /** An adopted default's values of the changed fields before adoption; null for objects of ours. */
  readonly previous: WireObject | null;
  /** The body's fields as authentik holds them (drift shows here after a refresh). */
  readonly observed: WireObject;
  readonly naturalKey: Record<string, string>;
}

export async function createMfaObject(conn: RestConnection, step: MfaObjectInputs): Promise<MfaObjectState> {
  const key = naturalKey(step);
  const existing = await findOne(conn, step.path, key.query, key.matches);
  if (step.adopt) {
    if (!existing) throw new AuthentikLookupError(`object at ${step.path}`, step.adopt.name, "authentik's default blueprints create it; restore it or use scope: apps");
    const previous = restoreBody(step, existing);
    const id = urlId(step.path, existing);
    const updated = await patch(conn, step, id, step.body);
    return toState(step, updated, true, previous);
  }
  if (existing) return toState(step, await patch(conn, step, urlId(step.path, existing), step.body), false, null);
  assertAuthentikRequest(step.schema, step.body);
  const created = await rest(conn, 'POST', step.path, step.body);
  return toState(step, created, false, null);
}

/** The object now, or null when it is gone. */
export async function readMfaObject(conn: RestConnection, step: MfaObjectInputs, id: string, previous: WireObject | null): Promise<MfaObjectState | null> {
  const current = await restOrNull(conn, 'GET', `${step.path}${id}/`);
  return current ? toState(step, current, step.adopt !== undefined, previous) : null;
}

export async function updateMfaObject(conn: RestConnection, step: MfaObjectInputs, id: string, previous: WireObject | null): Promise<MfaObjectState> {
  return toState(step, await patch(conn, step, id, step.body), step.adopt !== undefined, previous);
}

/** Ours: deleted (already gone counts). Adopted: the recorded fields written back, if it still exists. */
export async function deleteMfaObject(conn: RestConnection, step: MfaObjectInputs, id: string, previous: WireObject | null): Promise<void> {
  if (step.adopt) {
    if (!previous) return;
    const current = await restOrNull(conn, 'GET', `${step.path}${id}/`);
    if (current) await patch(conn, step, id, previous);
    return;
  }
  await restOrNull(conn, 'DELETE', `${step.path}${id}/`);
}

/** A default referred to but never changed (the default flow, its identification stage): its pk. */
export async function lookupByField(conn: RestConnection, path: string, field: string, value: string): Promise<{ pk: string }> {
  const found = await findOne(conn, path, { [field]: value }, (o) => o[field] === value);
  if (!found) throw new AuthentikLookupError(`object at ${path}`, value, `no object with ${field} '${value}'`);
  return { pk: String(found['pk']) };
}

function toState(step: MfaObjectInputs, object: WireObject, adopted: boolean, previous: WireObject | null): MfaObjectState {
  return {
    id: urlId(step.path, object),
    pk: referencePk(step.path, object),
    adopted,
    previous,
    observed: observedFields(object, step.body),
    naturalKey: naturalKey(step).query,
  };
}

function patch(conn: RestConnection, step: MfaObjectInputs, id: string, body: WireObject): Promise<WireObject> {
  // A PATCH body is the schema's Patched…Request (every field optional).
  const schema = step.schema.startsWith('Patched') ? step.schema : `Patched${step.schema}`;
  assertAuthentikRequest(schema, body);
  return rest(conn, 'PATCH', `${step.path}${id}/`, body);
}

async function findOne(conn: RestConnection, path: string, query: Record<string, string>, matches: (o: WireObject) => boolean): Promise<WireObject | undefined> {
  for (let page = 1; page <= MAX_PAGES; page++) {
    const params = new URLSearchParams({ ...query, page: String(page) });
    const result = (await rest(conn, 'GET', `${path}?${params}`)) as { pagination: { next: number }; results: WireObject[] };
    const found = result.results.find(matches);
    if (found) return found;
    if (!result.pagination.next || result.pagination.next <= page) return undefined;
  }
  throw new Error(`authentik GET ${path}: more than ${MAX_PAGES} pages; refusing to continue`);
}

async function restOrNull(conn: RestConnection, method: string, path: string): Promise<WireObject | null> {
  try {
    return await rest(conn, method, path);
  } catch (error) {
    if (error instanceof AuthentikApiError && error.status === 404) return null;
    throw error;
  }
}

/** One request; an error status becomes an AuthentikApiError with authentik's body, never the token. */
async function rest(conn: RestConnection, method: string, path: string, body?: WireObject): Promise<WireObject> {
  const response = await fetch(`${apiBasePath(conn.url)}${path}`, {
    method,
    headers: { authorization: `Bearer ${conn.token}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  const parsed = text === '' ? {} : (safeJson(text) as WireObject);
  if (!response.ok) throw new AuthentikApiError(`${method} ${path.split('?')[0]}`, response.status, parsed);
  return parsed;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.slice(0, 500);
  }
}
