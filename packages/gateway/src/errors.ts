/**
 * Every error this package throws. Each class carries a stable `code` so callers (the Pulumi
 * program, the preview CLI) can branch on it without matching message text.
 */
import { type ConfigIssue, formatIssues } from '@booxstream/config-kit';

/** Stable codes of the errors thrown by @booxstream/gateway (documented in README.md, "Errors"). */
export const GATEWAY_ERROR_CODES = Object.freeze([
  'GATEWAY_ERR_CONFIG_INVALID',
  'GATEWAY_ERR_UNKNOWN_SCHEMA',
  'GATEWAY_ERR_RENDERED_INVALID',
  'GATEWAY_ERR_BAD_INPUT',
] as const);

export type GatewayErrorCode = (typeof GATEWAY_ERROR_CODES)[number];

/** Base class: a message plus a stable code. */
export class GatewayError extends Error {
  readonly code: GatewayErrorCode;

  constructor(code: GatewayErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One problem with a gateway declaration, located by its field path (e.g. `apps[1].bypassPaths[0]`). */
export type { ConfigIssue };

/**
 * The gateway declaration is invalid. Carries every problem found, not only the first, so a
 * user fixes the whole file in one pass.
 */
export class GatewayConfigError extends GatewayError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super('GATEWAY_ERR_CONFIG_INVALID', formatIssues('invalid gateway configuration', issues));
    this.issues = Object.freeze([...issues]);
  }
}

/** A component schema name that authentik's OpenAPI document does not define. */
export class UnknownSchemaError extends GatewayError {
  constructor(name: string) {
    super('GATEWAY_ERR_UNKNOWN_SCHEMA', `authentik's OpenAPI schema has no component named '${name}'`);
  }
}

/**
 * A renderer produced something its vendor contract rejects. This is a bug in the renderer or a
 * model that slipped past validation; it is thrown rather than shipping a config that fails live.
 */
export class RenderedInvalidError extends GatewayError {
  readonly problems: readonly string[];

  constructor(what: string, problems: readonly string[]) {
    super('GATEWAY_ERR_RENDERED_INVALID', `rendered ${what} is invalid:\n` + problems.map((p) => `  - ${p}`).join('\n'));
    this.problems = Object.freeze([...problems]);
  }
}

/** A renderer argument outside the model (e.g. a flow pk that is not a UUID). */
export class BadInputError extends GatewayError {
  constructor(message: string) {
    super('GATEWAY_ERR_BAD_INPUT', message);
  }
}
