/**
 * One heartbeat for every relay socket, devices and viewers alike: a ping
 * each period, and a socket that has not answered the previous ping by the
 * next one is terminated (the peer vanished, or a NAT dropped the flow, and
 * TCP alone would keep the socket for hours).
 */
import type { WebSocket } from 'ws';

/** What the heartbeat needs of a socket (a `ws` WebSocket; a fake in unit tests). */
export type HeartbeatSocket = Pick<WebSocket, 'ping' | 'terminate' | 'on' | 'once'>;

export class Heartbeat {
  /** Socket → answered the last ping. */
  readonly #alive = new Map<HeartbeatSocket, boolean>();
  readonly #timer: NodeJS.Timeout;
  readonly #onTimeout: (ws: HeartbeatSocket) => void;

  /** @param onTimeout called for each socket terminated for not answering */
  constructor(intervalMs: number, onTimeout: (ws: HeartbeatSocket) => void = () => undefined) {
    this.#onTimeout = onTimeout;
    this.#timer = setInterval(this.#tick, intervalMs).unref();
  }

  /** Starts watching an open socket; it is forgotten when it closes. */
  watch(ws: HeartbeatSocket): void {
    this.#alive.set(ws, true);
    ws.on('pong', () => {
      if (this.#alive.has(ws)) this.#alive.set(ws, true);
    });
    ws.once('close', () => this.#alive.delete(ws));
  }

  get size(): number {
    return this.#alive.size;
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  readonly #tick = (): void => {
    for (const [ws, alive] of this.#alive) {
      if (!alive) {
        this.#alive.delete(ws);
        this.#onTimeout(ws);
        ws.terminate();
        continue;
      }
      this.#alive.set(ws, false);
      ws.ping();
    }
  };
}
