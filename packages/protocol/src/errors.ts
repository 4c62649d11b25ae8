/**
 * Protocol errors. Each carries a stable `code` and the WebSocket close code a
 * peer should be closed with when the error ends the connection.
 */
export type ProtocolErrorCode =
  | 'PROTO_ERR_MALFORMED_JSON'
  | 'PROTO_ERR_UNKNOWN_TYPE'
  | 'PROTO_ERR_INVALID_FIELD'
  | 'PROTO_ERR_INVALID_BASE64'
  | 'PROTO_ERR_NOT_JPEG'
  | 'PROTO_ERR_BAD_HEADER'
  | 'PROTO_ERR_UNSUPPORTED_VERSION';

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    /** The message field at fault, when one is. */
    readonly field?: string,
  ) {
    super(message);
  }

  toJSON(): { code: ProtocolErrorCode; message: string; field?: string } {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}
