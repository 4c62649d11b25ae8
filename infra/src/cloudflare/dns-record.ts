/**
 * An app's public name: one proxied CNAME to `<tunnel>.cfargotunnel.com`, through the official
 * SDK. The live zone decides what happens first (`planDnsRecord`, pure):
 *
 * - no record holds the name → create it; destroy deletes it;
 * - one CNAME already points at this tunnel → adopt it (nothing to write, or only `proxied`);
 *   destroy puts it back exactly as it was;
 * - anything else → stop before any change (`DnsCollisionError`), unless the hostname is
 *   listed in the explicit `adopt` setting: then it is taken over and destroy restores it.
 */
import type Cloudflare from 'cloudflare';
import type { RecordResponse, RecordUpdateParams } from 'cloudflare/resources/dns/records';
import { callCloudflare } from './client.js';
import { DnsCollisionError } from './errors.js';

export interface DnsRecordInputs {
  zoneId: string;
  /** The app's hostname. */
  name: string;
  /** `<tunnel-id>.cfargotunnel.com`. */
  content: string;
  /** Comment on a record we create (an adopted record keeps its own). */
  comment: string;
  /** Take over a record that points elsewhere (the operator said so). */
  adopt: boolean;
  /** The setting that says so, for the collision message. */
  adoptKey: string;
}

/** The fields of a record that a PUT writes; what we remember of an adopted record. */
export interface RecordBody {
  name: string;
  type: string;
  content: string;
  proxied: boolean;
  ttl: number;
  comment?: string;
  tags?: string[];
  settings?: Record<string, unknown>;
}

export interface DnsRecordState extends DnsRecordInputs {
  id: string;
  /** The record as it was before we took it over; null when we created it. */
  previous: RecordBody | null;
  /** `type content proxied` as the zone holds them (refresh updates this). */
  observed: { type: string; content: string; proxied: boolean } | null;
}

export type DnsPlan =
  | { action: 'create' }
  | { action: 'adopt'; record: RecordResponse; body: RecordBody }
  | { action: 'collide'; record: RecordResponse };

/** What to do with the records that already hold the name. Pure. */
export function planDnsRecord(existing: readonly RecordResponse[], inputs: Pick<DnsRecordInputs, 'content' | 'adopt'>): DnsPlan {
  if (existing.length === 0) return { action: 'create' };
  const first = existing[0] as RecordResponse;
  // A CNAME cannot share its name: taking over one of several records would need deleting the rest.
  if (existing.length > 1) return { action: 'collide', record: first };
  const pointsHere = first.type === 'CNAME' && (first.content ?? '').toLowerCase() === inputs.content.toLowerCase();
  if (!pointsHere && !inputs.adopt) return { action: 'collide', record: first };
  return { action: 'adopt', record: first, body: bodyOf(first) };
}

export function bodyOf(record: RecordResponse): RecordBody {
  return {
    name: record.name,
    type: record.type,
    content: record.content ?? '',
    proxied: record.proxied ?? false,
    ttl: record.ttl,
    ...(record.comment ? { comment: record.comment } : {}),
    ...(record.tags && record.tags.length > 0 ? { tags: [...record.tags] } : {}),
    ...(record.settings && Object.keys(record.settings).length > 0 ? { settings: { ...(record.settings as Record<string, unknown>) } } : {}),
  };
}

export async function findRecords(client: Cloudflare, zoneId: string, name: string): Promise<RecordResponse[]> {
  return callCloudflare('dns records list', async () => {
    const found: RecordResponse[] = [];
    for await (const r of client.dns.records.list({ zone_id: zoneId, name: { exact: name } })) found.push(r);
    return found;
  });
}

/** The collision check alone: run in `check`, so `pulumi preview` (and `up`'s own preview) stops first. */
export async function assertNoCollision(client: Cloudflare, inputs: DnsRecordInputs): Promise<void> {
  const plan = planDnsRecord(await findRecords(client, inputs.zoneId, inputs.name), inputs);
  if (plan.action === 'collide') throw collision(inputs, plan.record);
}

export async function createDnsRecord(client: Cloudflare, inputs: DnsRecordInputs): Promise<DnsRecordState> {
  const plan = planDnsRecord(await findRecords(client, inputs.zoneId, inputs.name), inputs);
  if (plan.action === 'collide') throw collision(inputs, plan.record);
  if (plan.action === 'create') {
    const created = await callCloudflare('dns records create', () =>
      client.dns.records.create({ zone_id: inputs.zoneId, type: 'CNAME', name: inputs.name, content: inputs.content, proxied: true, ttl: 1, comment: inputs.comment }),
    );
    return { ...inputs, id: created.id, previous: null, observed: observedOf(created) };
  }
  // Adopt: change only what routing needs (target, orange cloud); the rest stays the owner's.
  const wanted: RecordBody = { ...plan.body, type: 'CNAME', content: inputs.content, proxied: true };
  const record = sameBody(wanted, plan.body) ? plan.record : await putRecord(client, inputs.zoneId, plan.record.id, wanted);
  return { ...inputs, id: plan.record.id, previous: plan.body, observed: observedOf(record) };
}

export async function readDnsRecord(client: Cloudflare, state: DnsRecordState): Promise<DnsRecordState | null> {
  const record = await getRecord(client, state.zoneId, state.id);
  return record ? { ...state, observed: observedOf(record) } : null;
}

/** Puts target and orange cloud back (drift), keeping the record's other fields. */
export async function updateDnsRecord(client: Cloudflare, state: DnsRecordState, news: DnsRecordInputs): Promise<DnsRecordState> {
  const current = await getRecord(client, state.zoneId, state.id);
  if (!current) throw new Error(`DNS record ${state.id} (${state.name}) is gone; run \`pulumi refresh\` to recreate it`);
  const body = bodyOf(current);
  const wanted: RecordBody = { ...body, type: 'CNAME', content: news.content, proxied: true };
  const record = sameBody(wanted, body) ? current : await putRecord(client, state.zoneId, state.id, wanted);
  return { ...news, id: state.id, previous: state.previous, observed: observedOf(record) };
}

/** Created → deleted. Adopted → put back exactly as it was before adoption. */
export async function deleteDnsRecord(client: Cloudflare, state: DnsRecordState): Promise<void> {
  const current = await getRecord(client, state.zoneId, state.id);
  if (state.previous) {
    if (current && sameBody(bodyOf(current), state.previous)) return;
    if (current) await putRecord(client, state.zoneId, state.id, state.previous);
    else await callCloudflare('dns records create', () => client.dns.records.create({ zone_id: state.zoneId, ...state.previous } as never));
    return;
  }
  if (current) await callCloudflare('dns records delete', () => client.dns.records.delete(state.id, { zone_id: state.zoneId }));
}

function collision(inputs: DnsRecordInputs, record: RecordResponse): DnsCollisionError {
  return new DnsCollisionError(inputs.name, { id: record.id, type: record.type, content: record.content ?? '' }, inputs.content, inputs.adoptKey);
}

async function getRecord(client: Cloudflare, zoneId: string, id: string): Promise<RecordResponse | null> {
  // A list by name would do too; `get` by id follows a record the owner renamed.
  try {
    return await callCloudflare('dns records get', () => client.dns.records.get(id, { zone_id: zoneId }));
  } catch (error) {
    if ((error as { status?: number }).status === 404) return null;
    throw error;
  }
}

function putRecord(client: Cloudflare, zoneId: string, id: string, body: RecordBody): Promise<RecordResponse> {
  return callCloudflare('dns records update', () => client.dns.records.update(id, { zone_id: zoneId, ...body } as RecordUpdateParams));
}

function observedOf(record: RecordResponse): DnsRecordState['observed'] {
  return { type: record.type, content: record.content ?? '', proxied: record.proxied ?? false };
}

function sameBody(a: RecordBody, b: RecordBody): boolean {
  const norm = (x: RecordBody) => JSON.stringify(Object.fromEntries(Object.entries(x).sort(([p], [q]) => p.localeCompare(q))));
  return norm(a) === norm(b);
}
