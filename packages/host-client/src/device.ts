/**
 * The demo device: streams a {@link FrameSource} to a BooxStream server over the
 * device WebSocket, the way the installed Android app does
 * (packages/protocol/ANDROID-APP.md §2), or with binary v1 frames when
 * asked to and the server offers them.
 *
 * Behaviour kept from the app, on purpose:
 *  - `{"type":"auth","token"}` is the first message, sent on open;
 *  - a FIXED timer at `fps`: every tick sends the screen, changed or not (legacy mode);
 *  - in legacy mode the timer starts on open, without waiting for `authenticated`: the
 *    app "only logs" that answer and "stops streaming" on an `error`, so it is already
 *    streaming when the verdict arrives. `waitForAuth: true` waits instead;
 *  - no reconnection unless `reconnect` is set (the app has none).
 *
 * Added for a well-behaved demo: a tick is skipped (and counted) when the socket
 * still holds more than `maxBufferedFrames` frames, so a slow server never makes
 * the client queue without bound.
 */
import WebSocket from 'ws';
import { encodeDeviceFrame, encodeLegacyFrame, type DeviceEncoding } from '@booxstream/protocol';
import { AuthRejectedError, InvalidOptionError, SocketClosedError } from './errors.js';
import { registerDevice, type Registration } from './register.js';
import type { FrameSource } from './sources/frame-source.js';
import { deviceWebSocketUrl } from './ws-url.js';

/** How frames travel: the app's base64 JSON text, or binary v1 (raw JPEG, unchanged markers). */
export type DeviceEncodingOption = 'json-base64' | 'binary';

/** The server's `protocols` entry that enables binary mode. */
export const BINARY_PROTOCOL: DeviceEncoding = 'binary/1';

export interface DeviceOptions {
  /** The API URL as a user types it into the app, e.g. `http://127.0.0.1:3001`. */
  readonly apiUrl: string;
  /** The device's uuid (stable per tablet). */
  readonly uuid: string;
  /** [name=null] sent at registration. */
  readonly name?: string | null;
  /** [publicIp=null] sent at registration. */
  readonly publicIp?: string | null;
  /** What to stream. Not closed by the device: the caller owns it. */
  readonly source: FrameSource;
  /** [fps=10] ticks per second of the fixed send timer (the app: 10). */
  readonly fps?: number;
  /** [encoding='json-base64'] `binary` is used only if the server's `authenticated` lists `binary/1`. */
  readonly encoding?: DeviceEncodingOption;
  /** [wsUrl=derived from apiUrl by the app's rule, see {@link deviceWebSocketUrl}] */
  readonly wsUrl?: string;
  /** [lanPort=8080] LAN device port used when `apiUrl`'s host is a dotted IPv4 address. */
  readonly lanPort?: number;
  /** [token=none: register first] skip registration and authenticate with this token. */
  readonly token?: string;
  /** [waitForAuth=false] start the timer on `authenticated` instead of on open. Always true in binary mode. */
  readonly waitForAuth?: boolean;
  /** [maxBufferedFrames=2] skip a tick while the socket buffers more than this many frames' worth of bytes. */
  readonly maxBufferedFrames?: number;
  /**
   * [reconnect=false] reconnect after the socket closes (not after `stop()`, nor after close code
   * 4009 "replaced"), after `delayMs` [3000]. Useful for a demo waiting for approval.
   */
  readonly reconnect?: boolean | { readonly delayMs?: number };
  /** Called synchronously on every {@link DeviceEvent}. */
  readonly onEvent?: (event: DeviceEvent) => void;
}

/** The server's `authenticated` answer, and the encoding the device settled on. */
export interface AuthenticatedInfo {
  readonly uuid: string;
  readonly protocols: readonly string[];
  readonly encoding: DeviceEncodingOption;
}

export type DeviceEvent =
  | { readonly type: 'registered'; readonly host: Registration['host'] }
  | { readonly type: 'open'; readonly url: string }
  | ({ readonly type: 'authenticated' } & AuthenticatedInfo)
  /** `source`: who failed. For `server`, `message` is the server's text verbatim. */
  | { readonly type: 'error'; readonly source: 'server' | 'socket' | 'source'; readonly message: string }
  | { readonly type: 'close'; readonly code: number; readonly reason: string; readonly willReconnect: boolean };

/** Counters since `startDevice`, across reconnections. A snapshot: read `handle.stats` again for fresh values. */
export interface DeviceStats {
  /** Timer ticks, whether or not they sent anything. */
  readonly ticks: number;
  /** Frame messages sent (JSON frames, binary frames and unchanged markers). */
  readonly framesSent: number;
  /** Of `framesSent`, binary unchanged markers. */
  readonly unchangedSent: number;
  /** Bytes of frame messages handed to the socket (payload, not WebSocket framing). */
  readonly bytesSent: number;
  /** Ticks skipped because the socket still buffered more than `maxBufferedFrames` frames. */
  readonly skippedBackpressure: number;
  /** Ticks skipped because the source had not yet produced the previous tick's frame. */
  readonly skippedBusy: number;
  /** Connections opened. */
  readonly connections: number;
  /** The encoding in use on the current connection, or null before it is known. */
  readonly encoding: DeviceEncodingOption | null;
}

export interface DeviceClose {
  readonly code: number;
  readonly reason: string;
  /** The server's `error` message, if it sent one on the last connection. */
  readonly serverMessage?: string;
}

export interface DeviceHandle {
  readonly uuid: string;
  /** The WebSocket URL in use. */
  readonly wsUrl: string;
  /**
   * Resolves on the first `authenticated`. Rejects with AuthRejectedError (the server's
   * `error`) or SocketClosedError (closed or unreachable) if the device closes for good
   * before that. With `reconnect`, refusals and failed connections are retried, so this
   * settles on the first success (e.g. once a pending device is approved) or on `stop()`.
   */
  readonly authenticated: Promise<AuthenticatedInfo>;
  /** Resolves (never rejects) once the device is closed for good. */
  readonly closed: Promise<DeviceClose>;
  readonly stats: DeviceStats;
  /** Stops the timer and closes the socket with 1000; resolves when closed. Idempotent. */
  stop(): Promise<DeviceClose>;
}

interface Resolved {
  readonly fps: number;
  readonly encoding: DeviceEncodingOption;
  readonly waitForAuth: boolean;
  readonly maxBufferedFrames: number;
  readonly reconnectDelayMs: number | null;
}

function resolveOptions(o: DeviceOptions): Resolved {
  if (typeof o !== 'object' || o === null) throw new InvalidOptionError('options', 'must be an object');
  if (typeof o.uuid !== 'string' || o.uuid.trim() === '') throw new InvalidOptionError('uuid', 'must be a non-empty string');
  if (typeof o.source?.frameAt !== 'function') throw new InvalidOptionError('source', 'must be a FrameSource (an object with frameAt(nowMs))');
  const fps = o.fps ?? 10;
  if (typeof fps !== 'number' || !Number.isFinite(fps) || fps <= 0 || fps > 120) throw new InvalidOptionError('fps', `must be a number above 0 and at most 120, got ${String(fps)}`);
  const encoding = o.encoding ?? 'json-base64';
  if (encoding !== 'json-base64' && encoding !== 'binary') throw new InvalidOptionError('encoding', `must be 'json-base64' or 'binary', got ${JSON.stringify(encoding)}`);
  if (o.token !== undefined && (typeof o.token !== 'string' || o.token === '')) throw new InvalidOptionError('token', 'must be a non-empty string when given');
  const maxBufferedFrames = o.maxBufferedFrames ?? 2;
  if (typeof maxBufferedFrames !== 'number' || !(maxBufferedFrames > 0)) throw new InvalidOptionError('maxBufferedFrames', `must be a positive number, got ${String(maxBufferedFrames)}`);
  let reconnectDelayMs: number | null = null;
  if (o.reconnect) {
    reconnectDelayMs = o.reconnect === true ? 3000 : (o.reconnect.delayMs ?? 3000);
    if (!Number.isFinite(reconnectDelayMs) || reconnectDelayMs < 0) throw new InvalidOptionError('reconnect.delayMs', `must be a non-negative number, got ${String(reconnectDelayMs)}`);
  }
  return { fps, encoding, waitForAuth: encoding === 'binary' || o.waitForAuth === true, maxBufferedFrames, reconnectDelayMs };
}

/** Close codes after which reconnecting would only fight another connection. */
const NO_RECONNECT_CODES = new Set([4009]);
const STOP_GRACE_MS = 2000;

/**
 * Registers the device (unless `token` is given), opens the device socket and starts
 * streaming. Resolves once the socket is being opened; await `handle.authenticated` to
 * know the server's verdict.
 *
 * @throws InvalidOptionError for a bad option, naming it
 * @throws RegistrationError / NetworkError / BadResponseError from registration
 */
export async function startDevice(options: DeviceOptions): Promise<DeviceHandle> {
  const cfg = resolveOptions(options);
  const wsUrl = options.wsUrl ?? deviceWebSocketUrl(options.apiUrl, options.lanPort === undefined ? {} : { lanPort: options.lanPort });
  if (options.wsUrl !== undefined && !/^wss?:\/\//.test(options.wsUrl)) throw new InvalidOptionError('wsUrl', `must start with ws:// or wss://, got ${JSON.stringify(options.wsUrl)}`);
  const emit = (e: DeviceEvent): void => options.onEvent?.(e);

  let token = options.token;
  if (token === undefined) {
    const reg = await registerDevice(options.apiUrl, { uuid: options.uuid, name: options.name ?? null, publicIp: options.publicIp ?? null });
    token = reg.token;
    emit({ type: 'registered', host: reg.host });
  }
  return new DeviceSession(options, cfg, wsUrl, token, emit).handle();
}

class DeviceSession {
  private ws: WebSocket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private busy = false;
  private encoding: DeviceEncodingOption | null = null;
  /** Previous JPEG sent in binary mode, to detect an unchanged screen. */
  private lastJpeg: Buffer | undefined;
  /** Size of the last frame message, the unit of the backpressure threshold. */
  private lastMessageBytes = 0;
  private legacyPrefix: { readonly jpeg: Buffer; readonly bytes: Buffer } | undefined;
  private serverMessage: string | undefined;
  private firstAuthSettled = false;
  private readonly counters = { ticks: 0, framesSent: 0, unchangedSent: 0, bytesSent: 0, skippedBackpressure: 0, skippedBusy: 0, connections: 0 };

  private resolveAuth!: (info: AuthenticatedInfo) => void;
  private rejectAuth!: (err: Error) => void;
  private readonly authenticated = new Promise<AuthenticatedInfo>((res, rej) => {
    this.resolveAuth = res;
    this.rejectAuth = rej;
  });
  private resolveClosed!: (c: DeviceClose) => void;
  private readonly closed = new Promise<DeviceClose>((res) => {
    this.resolveClosed = res;
  });

  constructor(
    private readonly options: DeviceOptions,
    private readonly cfg: Resolved,
    private readonly wsUrl: string,
    private readonly token: string,
    private readonly emit: (e: DeviceEvent) => void,
  ) {
    // Callers that only watch `closed` or events must not get an unhandled rejection.
    this.authenticated.catch(() => undefined);
    this.connect();
  }

  handle(): DeviceHandle {
    const self = this;
    return {
      uuid: this.options.uuid,
      wsUrl: this.wsUrl,
      authenticated: this.authenticated,
      closed: this.closed,
      get stats(): DeviceStats {
        return Object.freeze({ ...self.counters, encoding: self.encoding });
      },
      stop: () => this.stop(),
    };
  }

  private connect(): void {
    this.encoding = null;
    this.lastJpeg = undefined;
    this.serverMessage = undefined;
    // No permessage-deflate: base64 JPEG barely compresses and it costs CPU on both ends.
    const ws = new WebSocket(this.wsUrl, { perMessageDeflate: false, handshakeTimeout: 10_000, maxPayload: 1 << 20 });
    this.ws = ws;
    ws.on('open', () => {
      this.counters.connections++;
      this.emit({ type: 'open', url: this.wsUrl });
      ws.send(JSON.stringify({ type: 'auth', token: this.token }));
      if (!this.cfg.waitForAuth) this.startTimer('json-base64');
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onServerText(data.toString());
    });
    ws.on('error', (err) => {
      if (!this.stopped) this.emit({ type: 'error', source: 'socket', message: err.message });
    });
    ws.on('close', (code, reasonBuf) => this.onClose(ws, code, reasonBuf.toString()));
  }

  private onServerText(text: string): void {
    let msg: { type?: unknown; uuid?: unknown; protocols?: unknown; message?: unknown };
    try {
      msg = JSON.parse(text);
    } catch {
      return; // the app ignores what it cannot read
    }
    if (msg?.type === 'authenticated') {
      const protocols = Array.isArray(msg.protocols) ? msg.protocols.filter((p): p is string => typeof p === 'string') : [];
      const encoding: DeviceEncodingOption = this.cfg.encoding === 'binary' && protocols.includes(BINARY_PROTOCOL) ? 'binary' : 'json-base64';
      const info: AuthenticatedInfo = { uuid: typeof msg.uuid === 'string' ? msg.uuid : this.options.uuid, protocols, encoding };
      if (!this.timer) this.startTimer(encoding);
      this.emit({ type: 'authenticated', ...info });
      if (!this.firstAuthSettled) {
        this.firstAuthSettled = true;
        this.resolveAuth(info);
      }
    } else if (msg?.type === 'error') {
      const message = typeof msg.message === 'string' ? msg.message : 'error without a message';
      this.serverMessage = message;
      // The app stops streaming when it reads an error; the server closes the socket next.
      this.stopTimer();
      this.emit({ type: 'error', source: 'server', message });
      // With reconnect on, a refusal (e.g. pending approval) is not final: settle on close instead.
      if (!this.firstAuthSettled && this.cfg.reconnectDelayMs === null) {
        this.firstAuthSettled = true;
        this.rejectAuth(new AuthRejectedError(message));
      }
    }
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.stopTimer();
    const willReconnect = !this.stopped && this.cfg.reconnectDelayMs !== null && !NO_RECONNECT_CODES.has(code);
    this.emit({ type: 'close', code, reason, willReconnect });
    if (willReconnect) {
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = undefined;
        if (!this.stopped) this.connect();
      }, this.cfg.reconnectDelayMs!);
      return;
    }
    this.stopped = true;
    this.finish(code, reason);
  }

  /** Closed for good: settle `closed`, and `authenticated` if it never succeeded. */
  private finish(code: number, reason: string): void {
    if (!this.firstAuthSettled) {
      this.firstAuthSettled = true;
      this.rejectAuth(this.serverMessage === undefined ? new SocketClosedError(code, reason) : new AuthRejectedError(this.serverMessage));
    }
    this.resolveClosed(this.serverMessage === undefined ? { code, reason } : { code, reason, serverMessage: this.serverMessage });
  }

  private startTimer(encoding: DeviceEncodingOption): void {
    this.encoding = encoding;
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), 1000 / this.cfg.fps);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    this.counters.ticks++;
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (this.busy) {
      this.counters.skippedBusy++;
      return;
    }
    if (ws.bufferedAmount > this.cfg.maxBufferedFrames * Math.max(this.lastMessageBytes, 1)) {
      this.counters.skippedBackpressure++;
      return;
    }
    this.busy = true;
    const ts = Date.now();
    this.options.source.frameAt(ts).then(
      (jpeg) => {
        this.busy = false;
        // The connection may have closed or changed while the source worked.
        if (this.ws !== ws || ws.readyState !== WebSocket.OPEN || !this.timer) return;
        this.send(ws, jpeg, ts);
      },
      (err: unknown) => {
        this.busy = false;
        this.emit({ type: 'error', source: 'source', message: (err as Error)?.message ?? String(err) });
      },
    );
  }

  private send(ws: WebSocket, jpeg: Buffer, ts: number): void {
    if (this.encoding === 'binary') {
      const unchanged = this.lastJpeg !== undefined && (jpeg === this.lastJpeg || jpeg.equals(this.lastJpeg));
      const msg = encodeDeviceFrame(unchanged ? null : jpeg, ts);
      if (unchanged) this.counters.unchangedSent++;
      else this.lastMessageBytes = msg.length;
      this.lastJpeg = jpeg;
      ws.send(msg);
      this.counters.bytesSent += msg.length;
    } else {
      const msg = this.legacyMessage(jpeg, ts);
      this.lastMessageBytes = msg.length;
      ws.send(msg, { binary: false });
      this.counters.bytesSent += msg.length;
    }
    this.counters.framesSent++;
  }

  /**
   * The exact bytes of `encodeLegacyFrame(jpeg, ts)`, without re-encoding base64 for a
   * screen that has not changed: the prefix up to the timestamp is cached per JPEG. This
   * keeps a benchmark's fleet of demo devices cheap (10 ticks/s each, mostly unchanged).
   */
  private legacyMessage(jpeg: Buffer, ts: number): Buffer {
    if (this.legacyPrefix?.jpeg !== jpeg) {
      const full = encodeLegacyFrame(jpeg, 0);
      // `…"timestamp":0}` → keep everything up to and including the colon. Should the
      // protocol package ever serialise differently, fall back to calling it every time.
      if (!full.endsWith(':0}')) return Buffer.from(encodeLegacyFrame(jpeg, ts), 'latin1');
      this.legacyPrefix = { jpeg, bytes: Buffer.from(full.slice(0, full.length - 2), 'latin1') };
    }
    return Buffer.concat([this.legacyPrefix.bytes, Buffer.from(`${Math.trunc(ts)}}`, 'latin1')]);
  }

  private stop(): Promise<DeviceClose> {
    if (this.stopped) return this.closed;
    this.stopped = true;
    this.stopTimer();
    if (this.reconnectTimer) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = undefined;
      this.finish(1000, 'device stopped');
      return this.closed;
    }
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) {
      this.finish(1000, 'device stopped');
      return this.closed;
    }
    ws.close(1000, 'device stopped');
    // A peer that never answers the close handshake must not hold the caller.
    const force = setTimeout(() => ws.terminate(), STOP_GRACE_MS);
    void this.closed.finally(() => clearTimeout(force));
    return this.closed;
  }
}
