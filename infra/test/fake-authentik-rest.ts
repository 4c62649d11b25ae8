/**
 * The REST plumbing the fake authentik's handlers share: a handler's context and result, and
 * authentik's pagination and error documents.
 */
import type { FakeState } from './fake-authentik.js';

export type Wire = Record<string, unknown>;

export interface Ctx {
  state: FakeState;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Wire;
  pageSize: number;
  path: string;
}
export interface Result {
  status: number;
  body?: unknown;
  /** The status is not in the operation's documented responses (e.g. 404); body is a GenericError. */
  undocumented?: boolean;
}

export function paginate(items: Wire[], ctx: Ctx): Result {
  const size = Number(ctx.query.get('page_size') ?? ctx.pageSize);
  const page = Number(ctx.query.get('page') ?? 1);
  const totalPages = Math.max(1, Math.ceil(items.length / size));
  const start = (page - 1) * size;
  const results = items.slice(start, start + size);
  return {
    status: 200,
    body: {
      pagination: {
        next: page < totalPages ? page + 1 : 0,
        previous: page > 1 ? page - 1 : 0,
        count: items.length,
        current: page,
        total_pages: totalPages,
        start_index: results.length ? start + 1 : 0,
        end_index: start + results.length,
      },
      results,
      autocomplete: {},
    },
  };
}

export const notFound = (model: string): Result => ({ status: 404, body: { detail: `No ${model} matches the given query.` }, undocumented: true });
export const invalid = (errors: Record<string, string[]>): Result => ({ status: 400, body: errors });
