/**
 * The viewer WebSocket of one host, reconnecting by itself with exponential
 * backoff and jitter when the server restarts or the network drops.
 *
 * Binary messages (frames) and JSON text messages (events) are handed over
 * unparsed beyond the JSON; the live view decides what they mean.
 */
import { ViewerAcker, VIEWER_HEADER_BYTES, type ViewerEvent } from '@booxstream/protocol/viewer';
import { CloseCode } from '@booxstream/protocol/close-codes';
import { backoffDelay, type BackoffOptions } from './backoff.js';

/**
 * - `connecting`: first attempt under way.
 * - `live`: open.
 * - `reconnecting`: lost (or never got) the connection; a retry is scheduled or under way.
 * - `offline`: the browser says it has no network; retries resume on its `online` event.
 * - `stopped`: closed for good, by {@link StreamSocket.close} or a close code that retrying cannot fix.
 */
export type SocketState = 'connecting' | 'live' | 'reconnecting' | 'offline' | 'stopped';

/** Why the socket is in its state. */
export interface SocketStatus {
  readonly state: SocketState;
  /** Retry number, 1-based, while reconnecting. */
  readonly attempt: number;
  /** Close code of the last connection, if it closed. */
  readonly closeCode: number | null;
  readonly closeReason: string;
  /** False when the last connection closed before it ever opened (the upgrade was refused or the server is down). */
  readonly everOpened: boolean;
  /** Delay before the next retry, while one is scheduled. */
  readonly retryInMs: number | null;
}

/** What to do after a close code. */
export type CloseAction = 'retry' | 'retry-slowly' | 'stop';

/**
 * Close-code policy: a device that is not approved yet, or a host that is full,
 * may change its mind, so those retry slowly; "forbidden" and "not found" won't.
 */
export function closeAction(code: number): CloseAction {
  switch (code) {
    case CloseCode.Forbidden:
    case CloseCode.NotFound:
    case CloseCode.ShareEnded:
      return 'stop';
    case CloseCode.PendingApproval:
    case CloseCode.TooManyViewers:
      return 'retry-slowly';
    default:
      return 'retry';
  }
}

export interface StreamSocketHandlers {
  onFrame(data: ArrayBuffer): void;
  onEvent(event: ViewerEvent): void;
  onStatus(status: SocketStatus): void;
}

export interface StreamSocketOptions {
  readonly backoff?: BackoffOptions;
  /** Delay between retries for `retry-slowly` close codes. [slowRetryMs=5000] */
  readonly slowRetryMs?: number;
  /** WebSocket subprotocols to offer (a share link's secret travels here, never in the URL). */
  readonly protocols?: readonly string[];
}

/** One host's viewer stream; call {@link StreamSocket.close} when leaving the view. */
export class StreamSocket {
  private socket: WebSocket | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  private status: SocketStatus = {
    state: 'connecting', attempt: 0, closeCode: null, closeReason: '', everOpened: false, retryInMs: null,
  };
  private readonly onOnline = (): void => {
    if (this.status.state === 'offline') this.connect();
  };

  constructor(
    private readonly url: string,
    private readonly handlers: StreamSocketHandlers,
    private readonly options: StreamSocketOptions = {},
  ) {
    window.addEventListener('online', this.onOnline);
    this.connect();
  }

  /** Current state and why. */
  get current(): SocketStatus {
    return this.status;
  }

  /** Retries now, skipping any scheduled delay (a "Retry" button, or after a sign-in). */
  retryNow(): void {
    if (this.socket) return;
    this.clearTimer();
    this.connect();
  }

  /**
   * Stops retrying until {@link StreamSocket.retryNow}: for a refusal no retry can
   * fix by itself, such as an expired gateway session (the page must sign in again).
   */
  suspend(reason: string): void {
    if (this.socket || this.status.state === 'stopped') return;
    this.clearTimer();
    this.setStatus({ state: 'stopped', closeReason: reason, retryInMs: null });
  }

  /** Closes for good; no more callbacks after this. */
  close(): void {
    this.clearTimer();
    window.removeEventListener('online', this.onOnline);
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      detach(socket);
      socket.close(CloseCode.Normal, 'viewer left');
    }
    this.status = { ...this.status, state: 'stopped', retryInMs: null };
  }

  private connect(): void {
    let opened = false;
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url, this.options.protocols ? [...this.options.protocols] : undefined);
    } catch (err) {
      // Only a malformed URL throws here, which no retry fixes.
      this.setStatus({ state: 'stopped', closeCode: null, closeReason: String(err), everOpened: false, retryInMs: null });
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    const acker = new ViewerAcker();
    this.setStatus({ state: this.attempt === 0 ? 'connecting' : 'reconnecting', retryInMs: null });

    socket.onopen = () => {
      opened = true;
      this.setStatus({ state: 'live', everOpened: true, closeCode: null, closeReason: '', retryInMs: null });
    };
    socket.onmessage = (msg: MessageEvent) => {
      // A message, not the open itself, proves the server accepted us; only then
      // does the backoff start over (a server that accepts and drops at once must not be hammered).
      this.attempt = 0;
      if (msg.data instanceof ArrayBuffer) {
        // Ack on receipt (cumulative, every few frames): the relay keeps at most
        // VIEWER_ACK_WINDOW frames unacked for us, so after a stall we read the newest
        // frame, not what the kernel's buffers held. Decoding is separate: the
        // pipeline drops frames it can't keep up with.
        const ack = msg.data.byteLength >= VIEWER_HEADER_BYTES ? acker.onFrame(new DataView(msg.data).getUint32(4)) : null;
        if (ack !== null) socket.send(ack);
        this.handlers.onFrame(msg.data);
      } else if (typeof msg.data === 'string') {
        let event: ViewerEvent;
        try {
          event = JSON.parse(msg.data) as ViewerEvent;
        } catch {
          return; // A garbled event is not worth the stream.
        }
        this.handlers.onEvent(event);
      }
    };
    socket.onclose = (ev: CloseEvent) => {
      detach(socket);
      if (this.socket !== socket) return;
      this.socket = null;
      this.afterClose(ev.code, ev.reason, opened);
    };
    // `error` is always followed by `close`, which carries all we can know.
    socket.onerror = null;
  }

  private afterClose(code: number, reason: string, opened: boolean): void {
    const action = closeAction(code);
    if (action === 'stop') {
      this.setStatus({ state: 'stopped', closeCode: code, closeReason: reason, everOpened: opened, retryInMs: null });
      return;
    }
    if (!navigator.onLine) {
      this.setStatus({ state: 'offline', closeCode: code, closeReason: reason, everOpened: opened, retryInMs: null });
      return;
    }
    this.attempt += 1;
    const delay = action === 'retry-slowly'
      ? backoffDelay(1, { baseMs: this.options.slowRetryMs ?? 5000, maxMs: this.options.slowRetryMs ?? 5000, jitter: 0.2 })
      : backoffDelay(this.attempt, this.options.backoff);
    this.setStatus({
      state: 'reconnecting', attempt: this.attempt, closeCode: code, closeReason: reason, everOpened: opened, retryInMs: delay,
    });
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }

  private setStatus(change: Partial<SocketStatus>): void {
    this.status = { ...this.status, attempt: this.attempt, ...change };
    this.handlers.onStatus(this.status);
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

function detach(socket: WebSocket): void {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onclose = null;
  socket.onerror = null;
}
