/**
 * One device WebSocket, from the `auth` message to its close. Speaks the
 * installed Android app's protocol (JSON text frames) and binary v1 frames.
 */
import { CloseCode, DEVICE_ENCODINGS, ProtocolError, parseDeviceMessage, type AuthenticatedReply, type DeviceErrorReply } from '@booxstream/protocol';
import { WebSocket } from 'ws';
import type { Channel, DeviceLink } from './channel.js';
import { MessageBudget } from './message-budget.js';
import { cutOff, type RelaySocket } from './relay-socket.js';

export type DeviceSessionState = 'awaiting-auth' | 'streaming' | 'closed';

/** Why the relay cut a socket off (the label of `booxstream_sockets_cut_total`). */
export type CutReason = 'message-rate' | 'reject-rate' | 'not-reading' | 'preauth-bytes';

/** A device socket's budgets (ServerConfig, README "Budgets"). */
export interface DeviceSessionLimits {
  readonly authTimeoutMs: number;
  /** Messages per second (bursts of twice that). */
  readonly messageRate: number;
  /** Invalid messages per second (bursts of twice that). */
  readonly rejectRate: number;
  /** Unsent bytes the socket may hold before the device is cut off as not reading. */
  readonly maxQueuedBytes: number;
  /** Bytes the peer may send before it has authenticated. */
  readonly preAuthMaxBytes: number;
}

/** The raw byte stream under the WebSocket (the upgraded TCP socket), counted until auth. */
export interface RawInput {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer) => void): unknown;
}

/** What the session needs from the hub (kept narrow so the session is testable on its own). */
export interface DeviceSessionHost {
  /** Resolves a token; on success attaches the session to its channel (replacing an older connection). */
  authenticate(
    session: DeviceSession,
    token: string,
  ): { ok: true; uuid: string; channel: Channel } | { ok: false; message: string; closeCode: number; stopReading?: boolean };
  onAuthTimeout(session: DeviceSession): void;
  onRejectedMessage(session: DeviceSession, err: ProtocolError): void;
  /** ws refused the socket's input (oversize message 1009, bad framing 1002) and is closing it. */
  onSocketError(session: DeviceSession, err: Error & { code?: string }): void;
  /** A bug or a database failure while handling a message: logged by the host; the session closes with 1011. */
  onInternalError(session: DeviceSession, err: unknown): void;
  /** The session broke a budget and is being cut off. */
  onCut(session: DeviceSession, reason: CutReason): void;
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
  readonly #limits: DeviceSessionLimits;
  readonly #messages: MessageBudget;
  readonly #rejects: MessageBudget;
  #authTimer: NodeJS.Timeout | null;
  #raw: RawInput | null = null;
  #preAuthBytes = 0;
  #isCut = false;

  /**
   * Takes an open socket and every listener on it (the heartbeat adds its own).
   * `raw`, the TCP socket under it, lets the session bound what an
   * unauthenticated peer may send, unfinished fragments included: ws's
   * maxPayload is one figure per server, and the device's frames need megabytes.
   */
  constructor(ws: RelaySocket, address: string, host: DeviceSessionHost, limits: DeviceSessionLimits, raw?: RawInput) {
    this.ws = ws;
    this.address = address;
    this.#host = host;
    this.#limits = limits;
    this.#messages = new MessageBudget(limits.messageRate);
    this.#rejects = new MessageBudget(limits.rejectRate);
    this.#authTimer = setTimeout(this.#onAuthTimeout, limits.authTimeoutMs);
    if (raw) {
      this.#raw = raw;
      raw.on('data', this.#onRawData);
    }
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
    const reply: DeviceErrorReply & { code?: string; field?: string } = { type: 'error', message, ...extra };
    this.#send(JSON.stringify(reply));
  }

  /** Sends a reply unless the device has stopped reading them: then it is cut off, never buffered for. */
  #send(text: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount + text.length > this.#limits.maxQueuedBytes) {
      this.#cut('not-reading', CloseCode.NotReading, 'The device does not read what the server sends.');
      return;
    }
    this.ws.send(text);
  }

  /** Cuts the socket off (also one already closing: a refused peer that keeps sending). */
  #cut(reason: CutReason, code: number, message: string): void {
    if (this.#isCut) return;
    this.#isCut = true;
    this.#clearAuthTimer();
    this.#stopCountingRaw();
    this.state = 'closed';
    this.#host.onCut(this, reason);
    cutOff(this.ws, code, truncateReason(message));
  }

  readonly #onRawData = (chunk: Buffer): void => {
    // Stopped while this chunk was being parsed (auth in it): the rest is not counted.
    if (this.#raw === null) return;
    this.#preAuthBytes += chunk.length;
    if (this.#preAuthBytes <= this.#limits.preAuthMaxBytes) return;
    this.#stopCountingRaw();
    // Still waiting, or refused and closing but still sending: too much either way.
    if (this.state !== 'streaming') this.#cut('preauth-bytes', CloseCode.MessageTooBig, `More than ${this.#limits.preAuthMaxBytes} bytes arrived before authentication.`);
  };

  #stopCountingRaw(): void {
    this.#raw?.off('data', this.#onRawData);
    this.#raw = null;
  }

  readonly #onMessage = (data: Buffer, isBinary: boolean): void => {
    if (this.state === 'closed') return;
    if (!this.#messages.take()) {
      this.#cut('message-rate', CloseCode.TooManyMessages, `Too many messages: more than ${this.#limits.messageRate} per second.`);
      return;
    }
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
      if (result.stopReading) this.#refuseAndStopReading(result.closeCode, result.message);
      else this.close(result.closeCode, result.message);
      return;
    }
    this.#stopCountingRaw();
    this.state = 'streaming';
    this.uuid = result.uuid;
    this.channel = result.channel;
    const reply: AuthenticatedReply = { type: 'authenticated', uuid: result.uuid, protocols: DEVICE_ENCODINGS };
    this.#send(JSON.stringify(reply));
  }

  /**
   * A refusal whose peer is expected to go on sending (a device cooling down after a flood):
   * the error and the close frame go out, but nothing more is read or parsed, and the socket
   * is destroyed after the close grace, as for a cut, without counting one.
   */
  #refuseAndStopReading(code: number, message: string): void {
    this.#stopCountingRaw();
    this.state = 'closed';
    this.sendError(message);
    cutOff(this.ws, code, truncateReason(message));
  }

  #reject(err: unknown): void {
    if (!(err instanceof ProtocolError)) throw err;
    this.#host.onRejectedMessage(this, err);
    if (!this.#rejects.take()) {
      this.#cut('reject-rate', CloseCode.TooManyMessages, `Too many invalid messages: more than ${this.#limits.rejectRate} per second.`);
      return;
    }
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
    this.#stopCountingRaw();
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
