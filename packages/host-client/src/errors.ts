/**
 * Errors of the demo device. Each class carries a stable `code` string so
 * callers (the CLI, tests, the benchmark) can branch without matching messages.
 */

export type HostClientErrorCode =
  | 'HOST_ERR_INVALID_OPTION'
  | 'HOST_ERR_REGISTRATION'
  | 'HOST_ERR_NETWORK'
  | 'HOST_ERR_BAD_RESPONSE'
  | 'HOST_ERR_AUTH_REJECTED'
  | 'HOST_ERR_SOCKET_CLOSED'
  | 'HOST_ERR_SOURCE';

/** Base class: every error this package throws is one of these. */
export class HostClientError extends Error {
  override readonly name: string = 'HostClientError';
  constructor(
    readonly code: HostClientErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An option or CLI flag has a bad value; `field` names it as the caller spelled it. */
export class InvalidOptionError extends HostClientError {
  override readonly name = 'InvalidOptionError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('HOST_ERR_INVALID_OPTION', `${field}: ${message}`);
  }
}

/**
 * The server answered `POST /api/hosts/register` (or `update-ip`) with a non-2xx status.
 * The message reads like the Android app's (`Erreur HTTP <code>: <body>`), in English.
 */
export class RegistrationError extends HostClientError {
  override readonly name = 'RegistrationError';
  constructor(
    readonly status: number,
    /** Response body as text, truncated to 2 KB. */
    readonly body: string,
    readonly url: string,
  ) {
    super('HOST_ERR_REGISTRATION', `HTTP error ${status}: ${body}`);
  }
}

/** The HTTP request could not complete: refused, DNS, or the 10 s timeout. */
export class NetworkError extends HostClientError {
  override readonly name = 'NetworkError';
  constructor(
    readonly url: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('HOST_ERR_NETWORK', `${url}: ${message}`, options);
  }
}

/** A 2xx answer whose body is not the shape the Android app parses. */
export class BadResponseError extends HostClientError {
  override readonly name = 'BadResponseError';
  constructor(
    readonly url: string,
    message: string,
  ) {
    super('HOST_ERR_BAD_RESPONSE', `${url}: ${message}`);
  }
}

/** The server refused the device: it sent `{"type":"error","message"}` before `authenticated`. */
export class AuthRejectedError extends HostClientError {
  override readonly name = 'AuthRejectedError';
  constructor(
    /** The server's `message`, verbatim. */
    readonly serverMessage: string,
  ) {
    super('HOST_ERR_AUTH_REJECTED', `server refused the device: ${serverMessage}`);
  }
}

/** The socket closed (or never opened) before the device was authenticated. */
export class SocketClosedError extends HostClientError {
  override readonly name = 'SocketClosedError';
  constructor(
    readonly closeCode: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super('HOST_ERR_SOCKET_CLOSED', `socket closed before authentication (code ${closeCode}${reason ? `: ${reason}` : ''})`, options);
  }
}

/** A frame source could not produce a frame (unreadable file, empty folder, bad image). */
export class FrameSourceError extends HostClientError {
  override readonly name = 'FrameSourceError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('HOST_ERR_SOURCE', message, options);
  }
}
