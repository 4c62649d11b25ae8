/**
 * One device WebSocket, from the `auth` message to its close. Speaks the
 * installed Android app's protocol (JSON text frames) and binary v1 frames.
 */
import { CloseCode, DEVICE_ENCODINGS, ProtocolError, parseDeviceMessage, type AuthenticatedReply, type DeviceErrorReply } from '@booxstream/protocol';
import { WebSocket } from 'ws';
import type { Channel, DeviceLink } from './channel.js';
import type { RelaySocket } from './relay-socket.js';

export type DeviceSessionState = 'awaiting-auth' | 'streaming' | 'closed';

/** What the session needs from the hub (kept narrow so the session is testable on its own). */
export interface DeviceSessionHost {
  /** Resolves a token; on success attaches the session to its channel (replacing an older connection). */
  authenticate(session: DeviceSession, token: string): { ok: true; uuid: string; channel: Channel } | { ok: false; message: string; closeCode: number };
  onAuthTimeout(session: DeviceSession): void;
  onRejectedMessage(session: DeviceSession, err: ProtocolError): void;
  /** ws refused the socket's input (oversize message 1009, bad framing 1002) and is closing it. */
  onSocketError(session: DeviceSession, err: Error & { code?: string }): void;
  /** A bug or a database failure while handling a message: logged by the host; the session closes with 1011. */
  onInternalError(session: DeviceSession, err: unknown): void;
  onClose(session: DeviceSession): void;
}

export class DeviceSession implements DeviceLink {
  readonly ws: RelaySocket;
  /** Client address (for rate limits and the audit log; never an identity). */
  readonly address: string;
  state: DeviceSessionState = 'awaiting-auth';
  uuid: string | null = null;
  channel: Channel | null = null;
  readonly #host: DeviceSessionHost;
  #authTimer: NodeJS.Timeout | null;

  /** Takes an open socket and every listener on it (the heartbeat adds its own). */
  constructor(ws: RelaySocket, address: string, host: DeviceSessionHost, authTimeoutMs: number) {
    this.ws = ws;
    this.address = address;
    this.#host = host;
    this.#authTimer = setTimeout(this.#onAuthTimeout, authTimeoutMs);
    ws.on('message', this.#onMessage);
    ws.on('close', this.#onClose);
    // ws reports oversize messages (1009) and framing errors here, then closes by itself.
    ws.on('error', (err: Error & { code?: string }) => host.onSocketError(this, err));
  }

  /** Sends `{"type":"error","message":…}` (the app shows only `message`) and closes. */
  close(code: number, message: string): void {
    if (this.state === 'closed') return;
    this.#clearAuthTimer();
    this.state = 'closed';
    this.sendError(message);
    this.ws.close(code, truncateReason(message));
  }

  sendError(message: string, extra?: { code: string; field?: string }): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const reply: DeviceErrorReply & { code?: string; field?: string } = { type: 'error', message, ...extra };
    this.ws.send(JSON.stringify(reply));
  }

  readonly #onMessage = (data: Buffer, isBinary: boolean): void => {
    try {
      this.#handle(data, isBinary);
    } catch (err) {
      // Never let one device's failure escape into the event loop and stop the server for everyone.
      this.#host.onInternalError(this, err);
      this.close(1011, 'The server failed to handle this message.');
    }
  };

  #handle(data: Buffer, isBinary: boolean): void {
    const channel = this.channel;
    if (this.state === 'streaming' && channel !== null) {
      // Hot path: no logging, no allocation beyond the decoded frame.
      try {
        const msg = parseDeviceMessage(data, isBinary);
        switch (msg.type) {
          case 'frame':
            channel.ingestBase64(msg.base64, msg.timestamp, data.length);
            return;
          case 'binary-frame':
            channel.ingestJpeg(msg.jpeg, msg.timestamp, data.length);
            return;
          case 'unchanged':
            channel.ingestUnchanged(data.length);
            return;
          case 'auth':
            // The app sends auth once; a repeat changes nothing.
            return;
        }
      } catch (err) {
        this.#reject(err);
      }
      return;
    }
    if (this.state !== 'awaiting-auth') return;
    let token: string;
    try {
      const msg = parseDeviceMessage(data, isBinary);
      if (msg.type !== 'auth') {
        this.#host.onRejectedMessage(this, new ProtocolError('PROTO_ERR_INVALID_FIELD', 'authenticate first', 'type'));
        this.close(CloseCode.Unauthorized, 'Authenticate first: the first message must be {"type":"auth","token":"<token from registration>"}.');
        return;
      }
      token = msg.token;
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.#host.onRejectedMessage(this, err);
      this.sendError(err.message, { code: err.code, ...(err.field ? { field: err.field } : {}) });
      this.close(CloseCode.ProtocolError, `Invalid auth message: ${err.message}`);
      return;
    }
    this.#clearAuthTimer();
    const result = this.#host.authenticate(this, token);
    if (!result.ok) {
      this.close(result.closeCode, result.message);
      return;
    }
    this.state = 'streaming';
    this.uuid = result.uuid;
    this.channel = result.channel;
    const reply: AuthenticatedReply = { type: 'authenticated', uuid: result.uuid, protocols: DEVICE_ENCODINGS };
    this.ws.send(JSON.stringify(reply));
  }

  #reject(err: unknown): void {
    if (!(err instanceof ProtocolError)) throw err;
    this.#host.onRejectedMessage(this, err);
    // The message is dropped and the stream goes on: the app does not reconnect by itself.
    this.sendError(err.message, { code: err.code, ...(err.field ? { field: err.field } : {}) });
  }

  readonly #onAuthTimeout = (): void => {
    this.#authTimer = null;
    if (this.state !== 'awaiting-auth') return;
    this.#host.onAuthTimeout(this);
    this.close(CloseCode.AuthTimeout, 'No auth message arrived in time; the app must send {"type":"auth","token":"…"} right after connecting.');
  };

  readonly #onClose = (): void => {
    this.#clearAuthTimer();
    this.state = 'closed';
    this.#host.onClose(this);
  };

  #clearAuthTimer(): void {
    if (this.#authTimer) {
      clearTimeout(this.#authTimer);
      this.#authTimer = null;
    }
  }
}

/** Close reasons are limited to 123 bytes by RFC 6455 §5.5. */
export function truncateReason(message: string): string {
  const buf = Buffer.from(message, 'utf8');
  if (buf.length <= 123) return message;
  let end = 120;
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return `${buf.toString('utf8', 0, end)}...`;
}
