/**
 * WebSocket close codes used by BooxStream. 1000-1015 are RFC 6455's; 4000-4999
 * are private-use codes (RFC 6455 §7.4.2) we give fixed meanings.
 */
export const CloseCode = {
  Normal: 1000,
  /** Server shutting down (SIGTERM) or the peer navigating away. */
  GoingAway: 1001,
  /** A message broke the protocol. */
  ProtocolError: 1002,
  /** A message exceeded the size limit (ws closes with this by itself). */
  MessageTooBig: 1009,
  /** The device token is unknown, revoked or superseded. */
  Unauthorized: 4001,
  /** The signed-in user may not see this host. */
  Forbidden: 4003,
  /** The host does not exist (or no longer does). */
  NotFound: 4004,
  /** The device is registered but waits for an admin's approval. */
  PendingApproval: 4005,
  /** The socket sent messages (or invalid messages) faster than its budget allows. */
  TooManyMessages: 4008,
  /** A newer streaming connection for the same device took over. */
  Replaced: 4009,
  /** No `auth` message arrived in time. */
  AuthTimeout: 4010,
  /** The peer stopped reading: what the server queued for it passed the socket's cap. */
  NotReading: 4012,
  /** The host already has the maximum number of viewers. */
  TooManyViewers: 4029,
  /** The share link this viewer came through was revoked or expired. */
  ShareEnded: 4410,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
