/**
 * Coded errors of the infra package. Every message names the thing the operator must fix:
 * a stack config key, an authentik object, a verification target.
 */

import { type ConfigIssue, formatIssues } from '@booxstream/config-kit';

/** One problem with the stack config, located by its full key (`booxstream:vm.sshPort`) as `path`. */
export type { ConfigIssue };

/**
 * The stack config is missing keys or has invalid values. Carries every problem found, each
 * naming its key, so one `pulumi preview` shows everything to fix.
 */
export class ConfigError extends Error {
  readonly code = 'INFRA_ERR_CONFIG';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(formatIssues('invalid stack config', issues));
    this.name = 'ConfigError';
    this.issues = Object.freeze([...issues]);
  }
}

/** An authentik object the program depends on (flow, group, outpost) does not exist. */
export class AuthentikLookupError extends Error {
  readonly code = 'INFRA_ERR_AUTHENTIK_LOOKUP';
  constructor(
    readonly kind: string,
    readonly ref: string,
    hint = '',
  ) {
    super(`authentik ${kind} '${ref}' was not found${hint ? `: ${hint}` : ''}`);
    this.name = 'AuthentikLookupError';
  }
}

/**
 * authentik answered with an error status. `body` is authentik's own error document
 * (`GenericError` / `ValidationError`), kept because its field messages say what to fix.
 */
export class AuthentikApiError extends Error {
  readonly code = 'INFRA_ERR_AUTHENTIK_API';
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`authentik ${operation} failed with HTTP ${status}: ${JSON.stringify(body)}`);
    this.name = 'AuthentikApiError';
  }
}

/** The dynamic provider ran without an authentik connection (no `configure` call, missing keys). */
export class AuthentikNotConfiguredError extends Error {
  readonly code = 'INFRA_ERR_AUTHENTIK_NOT_CONFIGURED';
  constructor(detail: string) {
    super(`authentik connection is not configured: ${detail}`);
    this.name = 'AuthentikNotConfiguredError';
  }
}
