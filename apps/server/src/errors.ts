/**
 * The server's coded errors. Anything sent to a client goes through `toJSON()`,
 * which produces the `ApiErrorBody.error` shape of `@booxstream/protocol`.
 */
import { type ConfigIssue, formatIssue } from '@booxstream/config-kit';

/** Configuration values are missing, unknown or malformed; startup stops. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_ERR_INVALID';
  /** The environment variable (or `ServerConfig` field) of the first problem. */
  readonly variable: string;
  /** Every problem found, each naming its variable (or field). */
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly [ConfigIssue, ...ConfigIssue[]]) {
    // One line per problem, the first starting with its variable: `DEVICE_APPROVAL: must be one of …`.
    super(issues.map(formatIssue).join('\n'));
    this.variable = issues[0].path;
    this.issues = Object.freeze([...issues]);
  }
}

/** Every `error.code` the HTTP API and refused WebSocket upgrades answer with (README.md lists each). */
export const HTTP_ERROR_CODES = [
  'HTTP_ERR_MALFORMED_JSON',
  'HTTP_ERR_INVALID_FIELD',
  'HTTP_ERR_BODY_TOO_LARGE',
  'HTTP_ERR_RATE_LIMITED',
  'HTTP_ERR_TOO_MANY_SOCKETS',
  'HTTP_ERR_NOT_FOUND',
  'HTTP_ERR_UPGRADE_REQUIRED',
  'AUTH_ERR_UNAUTHENTICATED',
  'AUTH_ERR_FORBIDDEN',
  'AUTH_ERR_BAD_ORIGIN',
  'DEVICE_ERR_TOKEN_MISSING',
  'DEVICE_ERR_TOKEN_UNKNOWN',
  'DEVICE_ERR_TOKEN_REPLACED',
  'DEVICE_ERR_REVOKED',
  'DEVICE_ERR_UNCONFIRMED',
  'HOST_ERR_NO_REREGISTRATION',
  'HOST_ERR_REREGISTRATION_CHANGED',
  'HOST_ERR_NOT_FOUND',
  'HOST_ERR_FORBIDDEN',
  'HOST_ERR_NO_FRAME',
  'HOST_ERR_TOO_MANY_VIEWERS',
  'SHARE_ERR_NOT_FOUND',
  'SHARE_ERR_EXPIRED',
  'SHARE_ERR_TOO_MANY_VIEWERS',
  'HISTORY_ERR_NOT_FOUND',
  'HISTORY_ERR_TOO_LARGE',
  'SERVER_ERR_NOT_READY',
  'SERVER_ERR_INTERNAL',
] as const;
export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];

/** An HTTP answer other than success: status, stable code, plain-words message. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: HttpErrorCode,
    message: string,
    /** The request field at fault, when one is. */
    readonly field?: string,
    /** Extra response headers (e.g. `Retry-After`). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  toJSON(): { error: { code: HttpErrorCode; message: string; field?: string } } {
    return this.field === undefined
      ? { error: { code: this.code, message: this.message } }
      : { error: { code: this.code, message: this.message, field: this.field } };
  }
}

export type DeviceAuthFailure = 'unknown' | 'replaced' | 'unconfirmed' | 'revoked' | 'pending' | 'timeout' | 'protocol' | 'cooling-down';
