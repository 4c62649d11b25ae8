/**
 * An in-process Cloudflare API (v4) on 127.0.0.1 for the tunnel-ingress and DNS resources.
 * Cloudflare cannot run here, so this fake stands in for it, kept honest two ways:
 *
 * - Every request is checked against the official `cloudflare` SDK's request type for its
 *   operation (path params + body + query, as the SDK's `*Params` types declare them) and every
 *   response result against the SDK's response type (test/cloudflare-contract.ts). Violations
 *   are collected in `violations`; tests assert the list is empty. A request that violates the
 *   contract is also refused with 400, as the API would.
 * - It keeps real state with the API's rules: a CNAME cannot share its name with any other
 *   record (error 81053, the error the first `pulumi up` hit on a live gateway), PUT replaces a
 *   record wholesale, a tunnel configuration PUT replaces the whole config and is validated the
 *   way cloudflared validates ingress (error 1056), lists paginate.
 *
 * One documented exception to the SDK types: they mark `hostname` required on every ingress
 * rule, yet cloudflared's catch-all (the last rule) has none and the API returns it without
 * one. The last rule may therefore omit `hostname` when it has no `path`.
 *
 * Only the operations the program uses are implemented; anything else answers 501 and is
 * recorded as a violation.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, serveFake } from './fake-http.js';
import { validateIngress } from '@booxstream/gateway';
import { loadCloudflareContract, type SdkFile } from './cloudflare-contract.js';

type Json = Record<string, unknown>;

export interface FakeDnsRecord extends Json {
  id: string;
  name: string;
  type: string;
  content: string;
  proxied: boolean;
  ttl: number;
  comment: string | null;
  tags: string[];
  settings: Json;
  created_on: string;
  modified_on: string;
}

export interface FakeTunnelConfig {
  /** The tunnel's `config` object exactly as last PUT (or seeded). */
  config: Json;
  version: number;
  created_at: string;
}

export interface FakeCloudflareState {
  /** zone id → zone name. */
  zones: Map<string, string>;
  /** zone id → record id → record. */
  records: Map<string, Map<string, FakeDnsRecord>>;
  /** account id → tunnel id → configuration. */
  tunnels: Map<string, Map<string, FakeTunnelConfig>>;
}

export interface RecordedCloudflareRequest {
  method: string;
  path: string;
  query: string;
  body: unknown;
  status: number;
}

export interface FakeCloudflare {
  /** The SDK's `baseURL` (`…/client/v4`). */
  readonly baseUrl: string;
  readonly token: string;
  readonly state: FakeCloudflareState;
  readonly violations: string[];
  readonly requests: RecordedCloudflareRequest[];
  /** Page size of DNS lists (small values exercise pagination). */
  pageSize: number;
  /** Requests that changed something (not GET). */
  writes(): RecordedCloudflareRequest[];
  /** A deep copy of the state as plain JSON, for before/after comparisons. */
  snapshot(): unknown;
  close(): Promise<void>;
}

export const FAKE_ACCOUNT_ID = '0123456789abcdef0123456789abcdef';
export const FAKE_ZONE_ID = 'fedcba9876543210fedcba9876543210';
export const FAKE_ZONE_NAME = 'kevinvdb.dev';

interface Ctx {
  state: FakeCloudflareState;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Json;
  pageSize: number;
}
interface Result {
  status: number;
  result?: unknown;
  resultInfo?: Json;
  errors?: { code: number; message: string }[];
  /** SDK response type of `result`. */
  responseType?: [SdkFile, string];
}

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  /** SDK request type: [file, `*Params` type]. */
  requestType: [SdkFile, string];
  handle(ctx: Ctx): Result;
}

const route = (method: string, path: string, requestType: [SdkFile, string], handle: (ctx: Ctx) => Result): Route => {
  const names: string[] = [];
  const pattern = new RegExp(`^${path.replace(/\{(\w+)\}/g, (_m, n: string) => (names.push(n), '([^/]+)'))}$`);
  return { method, pattern, names, requestType, handle };
};

const fail = (status: number, code: number, message: string): Result => ({ status, errors: [{ code, message }] });

const now = () => new Date().toISOString();

function recordJson(_zoneId: string, _zoneName: string, r: FakeDnsRecord): Json {
  const { comment, ...rest } = r;
  // The SDK's RecordResponse has no zone fields and an optional (never null) comment.
  return { ...rest, ...(comment !== null ? { comment } : {}), proxiable: true, meta: {} };
}

/** The record fields a create or PUT body sets; everything else takes the API's default. */
function recordFromBody(body: Json, existing?: FakeDnsRecord): FakeDnsRecord {
  const at = now();
  return {
    id: existing?.id ?? randomBytes(16).toString('hex'),
    name: String(body['name']).toLowerCase(),
    type: String(body['type']),
    content: String(body['content'] ?? ''),
    proxied: body['proxied'] === true,
    ttl: Number(body['ttl']),
    comment: typeof body['comment'] === 'string' ? body['comment'] : null,
    tags: Array.isArray(body['tags']) ? (body['tags'] as string[]) : [],
    settings: (body['settings'] as Json | undefined) ?? {},
    created_on: existing?.created_on ?? at,
    modified_on: at,
  };
}

function conflict(zone: Map<string, FakeDnsRecord>, candidate: FakeDnsRecord): Result | null {
  for (const other of zone.values()) {
    if (other.id === candidate.id || other.name !== candidate.name) continue;
    if (candidate.type === 'CNAME' || other.type === 'CNAME') {
      return fail(400, 81053, 'An A, AAAA, or CNAME record with that host already exists. For more details, refer to <https://developers.cloudflare.com/dns/manage-dns-records/troubleshooting/records-with-same-name/>.');
    }
    if (other.type === candidate.type && other.content === candidate.content) return fail(400, 81058, 'An identical record already exists.');
  }
  return null;
}

function zoneOf(ctx: Ctx): { zone: Map<string, FakeDnsRecord>; zoneName: string } | Result {
  const zoneName = ctx.state.zones.get(ctx.params['zone_id'] ?? '');
  const zone = ctx.state.records.get(ctx.params['zone_id'] ?? '');
  if (!zoneName || !zone) return fail(404, 7003, 'Could not route to /zones/…, perhaps your object identifier is invalid?');
  return { zone, zoneName };
}

function tunnelOf(ctx: Ctx): FakeTunnelConfig | Result {
  const tunnel = ctx.state.tunnels.get(ctx.params['account_id'] ?? '')?.get(ctx.params['tunnel_id'] ?? '');
  return tunnel ?? fail(404, 1003, 'Tunnel not found');
}

const isResult = (v: unknown): v is Result => typeof (v as Result).status === 'number';

function tunnelConfigJson(ctx: Ctx, t: FakeTunnelConfig): Json {
  return {
    account_id: ctx.params['account_id'],
    tunnel_id: ctx.params['tunnel_id'],
    config: t.config,
    created_at: t.created_at,
    source: 'cloudflare',
    version: t.version,
  };
}

const ROUTES: Route[] = [
  route('GET', '/accounts/{account_id}/cfd_tunnel/{tunnel_id}/configurations', ['configurations', 'ConfigurationGetParams'], (ctx) => {
    const t = tunnelOf(ctx);
    if (isResult(t)) return t;
    return { status: 200, result: tunnelConfigJson(ctx, t), responseType: ['configurations', 'ConfigurationGetResponse'] };
  }),
  route('PUT', '/accounts/{account_id}/cfd_tunnel/{tunnel_id}/configurations', ['configurations', 'ConfigurationUpdateParams'], (ctx) => {
    const t = tunnelOf(ctx);
    if (isResult(t)) return t;
    const config = (ctx.body['config'] ?? {}) as Json;
    const ingress = (config['ingress'] ?? []) as { hostname?: string; path?: string; service: string }[];
    const problems = ingress.length > 0 ? validateIngress(ingress) : [];
    if (problems.length > 0) return fail(400, 1056, `Bad Configuration: Validation failed: ${problems[0]}`);
    // The whole config is replaced: what the PUT leaves out is gone.
    t.config = structuredClone(config);
    t.version += 1;
    return { status: 200, result: tunnelConfigJson(ctx, t), responseType: ['configurations', 'ConfigurationUpdateResponse'] };
  }),
  route('GET', '/zones/{zone_id}/dns_records', ['records', 'RecordListParams'], (ctx) => {
    const z = zoneOf(ctx);
    if (isResult(z)) return z;
    const name = ctx.query.get('name.exact') ?? ctx.query.get('name');
    const type = ctx.query.get('type');
    const all = [...z.zone.values()].filter(
      (r) => (name === null || r.name === name.toLowerCase()) && (type === null || r.type === type),
    );
    const perPage = Number(ctx.query.get('per_page') ?? ctx.pageSize);
    const page = Number(ctx.query.get('page') ?? 1);
    const results = all.slice((page - 1) * perPage, page * perPage);
    return {
      status: 200,
      result: results.map((r) => recordJson(ctx.params['zone_id'] as string, z.zoneName, r)),
      resultInfo: { page, per_page: perPage, count: results.length, total_count: all.length, total_pages: Math.max(1, Math.ceil(all.length / perPage)) },
      responseType: ['records', 'RecordResponse'],
    };
  }),
  route('POST', '/zones/{zone_id}/dns_records', ['records', 'RecordCreateParams'], (ctx) => {
    const z = zoneOf(ctx);
    if (isResult(z)) return z;
    const record = recordFromBody(ctx.body);
    const clash = conflict(z.zone, record);
    if (clash) return clash;
    z.zone.set(record.id, record);
    return { status: 200, result: recordJson(ctx.params['zone_id'] as string, z.zoneName, record), responseType: ['records', 'RecordResponse'] };
  }),
  route('GET', '/zones/{zone_id}/dns_records/{dns_record_id}', ['records', 'RecordGetParams'], (ctx) => {
    const z = zoneOf(ctx);
    if (isResult(z)) return z;
    const r = z.zone.get(ctx.params['dns_record_id'] ?? '');
    if (!r) return fail(404, 81044, 'Record does not exist.');
    return { status: 200, result: recordJson(ctx.params['zone_id'] as string, z.zoneName, r), responseType: ['records', 'RecordResponse'] };
  }),
  route('PUT', '/zones/{zone_id}/dns_records/{dns_record_id}', ['records', 'RecordUpdateParams'], (ctx) => {
    const z = zoneOf(ctx);
    if (isResult(z)) return z;
    const existing = z.zone.get(ctx.params['dns_record_id'] ?? '');
    if (!existing) return fail(404, 81044, 'Record does not exist.');
    // PUT overwrites: fields the body leaves out take their defaults again.
    const record = recordFromBody(ctx.body, existing);
    const clash = conflict(z.zone, record);
    if (clash) return clash;
    z.zone.set(record.id, record);
    return { status: 200, result: recordJson(ctx.params['zone_id'] as string, z.zoneName, record), responseType: ['records', 'RecordResponse'] };
  }),
  route('DELETE', '/zones/{zone_id}/dns_records/{dns_record_id}', ['records', 'RecordDeleteParams'], (ctx) => {
    const z = zoneOf(ctx);
    if (isResult(z)) return z;
    const id = ctx.params['dns_record_id'] ?? '';
    if (!z.zone.delete(id)) return fail(404, 81044, 'Record does not exist.');
    return { status: 200, result: { id }, responseType: ['records', 'RecordDeleteResponse'] };
  }),
];

/** The SDK's params object for a request: path params, then query (dotted keys nested), then body. */
function sdkParams(params: Record<string, string>, query: URLSearchParams, body: unknown): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(params)) if (k.endsWith('_id') && k !== 'tunnel_id' && k !== 'dns_record_id') out[k] = v;
  for (const [key, raw] of query) {
    const value: unknown = raw === 'true' ? true : raw === 'false' ? false : /^\d+$/.test(raw) ? Number(raw) : raw;
    const parts = key.split('.');
    let node = out;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Json;
    node[parts[parts.length - 1] as string] = value;
  }
  if (body !== null && typeof body === 'object') Object.assign(out, body);
  return out;
}

/** A copy where a hostname-less catch-all (last rule, no path) carries `hostname: ''` (see the header). */
function withCatchAllHostname(value: unknown, ingressAt: (v: Json) => unknown): unknown {
  const copy = structuredClone(value) as Json;
  const ingress = ingressAt(copy);
  if (Array.isArray(ingress) && ingress.length > 0) {
    const last = ingress[ingress.length - 1] as Json;
    if (last && last['hostname'] === undefined && last['path'] === undefined) last['hostname'] = '';
  }
  return copy;
}

export interface FakeCloudflareSeed {
  /** Records of the zone (id and timestamps generated when missing). */
  records?: Partial<FakeDnsRecord>[];
  /** Tunnel id → its `config` object. */
  tunnels?: Record<string, Json>;
}

export async function startFakeCloudflare(seed: FakeCloudflareSeed = {}): Promise<FakeCloudflare> {
  const contract = loadCloudflareContract();
  const token = `cf-fake-${randomUUID()}`;
  const state: FakeCloudflareState = {
    zones: new Map([[FAKE_ZONE_ID, FAKE_ZONE_NAME]]),
    records: new Map([[FAKE_ZONE_ID, new Map()]]),
    tunnels: new Map([[FAKE_ACCOUNT_ID, new Map()]]),
  };
  for (const r of seed.records ?? []) {
    const record = recordFromBody({ ttl: 1, ...r });
    if (r.id) record.id = r.id;
    state.records.get(FAKE_ZONE_ID)!.set(record.id, record);
  }
  for (const [tunnelId, config] of Object.entries(seed.tunnels ?? {})) {
    state.tunnels.get(FAKE_ACCOUNT_ID)!.set(tunnelId, { config: structuredClone(config), version: 1, created_at: now() });
  }
  const violations: string[] = [];
  const requests: RecordedCloudflareRequest[] = [];

  const fake = {
    baseUrl: '',
    token,
    state,
    violations,
    requests,
    pageSize: 100,
    writes: () => requests.filter((r) => r.method !== 'GET'),
    snapshot: () =>
      JSON.parse(
        JSON.stringify({
          records: [...state.records.get(FAKE_ZONE_ID)!.values()].sort((a, b) => a.id.localeCompare(b.id)),
          tunnels: Object.fromEntries([...state.tunnels.get(FAKE_ACCOUNT_ID)!].map(([id, t]) => [id, t.config])),
        }),
      ) as unknown,
    close: async () => {},
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readBody(req);
    let body: unknown;
    if (raw.length > 0) {
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) violations.push(`${method} ${url.pathname}: body without application/json`);
      try {
        body = JSON.parse(raw) as unknown;
      } catch {
        violations.push(`${method} ${url.pathname}: body is not JSON`);
      }
    }
    const record: RecordedCloudflareRequest = { method, path: url.pathname, query: url.search, body, status: 0 };
    requests.push(record);
    const send = (result: Result) => {
      record.status = result.status;
      const ok = result.status < 400;
      if (ok && result.responseType) {
        const [file, type] = result.responseType;
        const items = Array.isArray(result.result) ? result.result : [result.result];
        items.forEach((item, i) => {
          const checked = file === 'configurations' ? withCatchAllHostname(item, (v) => (v['config'] as Json | undefined)?.['ingress']) : item;
          for (const e of contract.check(file, type, checked, `response ${method} ${url.pathname}${Array.isArray(result.result) ? `[${i}]` : ''}`)) violations.push(e);
        });
      }
      const envelope = {
        success: ok,
        errors: result.errors ?? [],
        messages: [],
        result: ok ? (result.result ?? null) : null,
        ...(result.resultInfo ? { result_info: result.resultInfo } : {}),
      };
      res.writeHead(result.status, { 'content-type': 'application/json' }).end(JSON.stringify(envelope));
    };

    const prefix = '/client/v4';
    if (!url.pathname.startsWith(`${prefix}/`)) {
      violations.push(`request outside ${prefix}: ${method} ${url.pathname}`);
      send(fail(404, 7000, 'No route for that URI'));
      return;
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      violations.push(`${method} ${url.pathname}: missing or wrong API token`);
      send(fail(403, 10000, 'Authentication error'));
      return;
    }
    const path = url.pathname.slice(prefix.length);
    const matched = ROUTES.map((r) => ({ r, m: r.method === method ? r.pattern.exec(path) : null })).find((x) => x.m);
    if (!matched || !matched.m) {
      violations.push(`operation ${method} ${path} is not implemented by the fake`);
      send(fail(501, 7000, 'not implemented by the fake'));
      return;
    }
    const params = Object.fromEntries(matched.r.names.map((n, i) => [n, decodeURIComponent(matched.m![i + 1] as string)]));
    const [file, type] = matched.r.requestType;
    let sdkValue: unknown = sdkParams(params, url.searchParams, body);
    if (file === 'configurations') sdkValue = withCatchAllHostname(sdkValue, (v) => (v['config'] as Json | undefined)?.['ingress']);
    const problems = contract.check(file, type, sdkValue, `request ${method} ${path}`);
    if (problems.length > 0) {
      violations.push(...problems);
      send(fail(400, 9207, `Request body is invalid: ${problems.join('; ')}`));
      return;
    }
    send(matched.r.handle({ state, params, query: url.searchParams, body: (body ?? {}) as Json, pageSize: fake.pageSize }));
  }

  const server = await serveFake(handle, violations);
  const port = server.port;
  fake.baseUrl = `http://127.0.0.1:${port}/client/v4`;
  fake.close = () => server.close();
  return fake;
}

