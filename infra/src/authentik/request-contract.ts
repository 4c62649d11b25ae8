/**
 * authentik's own contract for what we send it: every request body is held to its component in
 * authentik's OpenAPI `schema.yml` at the edge, just before it leaves (the gateway renderers are
 * pure and do not load the schema). The schema is compiled once per process, on first use.
 */
import { RenderedInvalidError } from '@booxstream/gateway';
import { loadAuthentikOpenApi } from '@booxstream/gateway/authentik-openapi';

/** authentik's complaints about `body` as a `schema` request, in its own wording; `[]` if none. */
export function authentikRequestProblems(schema: string, body: unknown): string[] {
  return loadAuthentikOpenApi().validateComponent(schema, body, 'request');
}

/** @throws RenderedInvalidError listing every problem, when `body` is not a valid `schema` request. */
export function assertAuthentikRequest(schema: string, body: unknown): void {
  const problems = authentikRequestProblems(schema, body);
  if (problems.length > 0) throw new RenderedInvalidError(`authentik ${schema}`, problems);
}
