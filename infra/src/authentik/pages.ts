/**
 * authentik paginates every list (`pagination.next` is the next page number, 0 at the end).
 * Lookups by name or slug normally fit in one page; following `next` keeps them correct when
 * a filter is loose (`search`) or the server's page size is small.
 */
import { callApi } from './client.js';

/** Stop after this many pages: a lookup that needs more is a filter bug, not a big install. */
export const MAX_PAGES = 50;

interface Page<T> {
  pagination: { next: number };
  results: T[];
}

export async function listAll<T>(operation: string, fetchPage: (page: number) => Promise<Page<T>>): Promise<T[]> {
  const all: T[] = [];
  let page = 1;
  for (let i = 0; i < MAX_PAGES; i++) {
    const result = await callApi(operation, () => fetchPage(page));
    all.push(...result.results);
    if (!result.pagination.next || result.pagination.next <= page) return all;
    page = result.pagination.next;
  }
  throw new Error(`authentik ${operation}: more than ${MAX_PAGES} pages; refusing to continue`);
}
