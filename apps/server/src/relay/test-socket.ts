/**
 * A small in-memory stand-in for a `ws` WebSocket, for the relay's unit tests
 * (the end-to-end tests in `test/` use real sockets). It records what the
 * relay sends and lets a test play the peer and the kernel: deliver a
 * message, answer a ping, and decide when a send's bytes leave (`flush`),
 * which is what the viewer's flow control waits for.
 */
import { EventEmitter } from 'node:events';
import { WebSocket } from 'ws';
import type { RelaySocket } from './relay-socket.js';

export interface SentMessage {
  readonly data: Buffer | string;
  readonly binary: boolean;
}

type SendCallback = (err?: Error | null) => void;

export class TestSocket extends EventEmitter {
  readyState: number = WebSocket.OPEN;
  /** Bytes of sends not yet flushed, plus whatever a test adds to play a slow peer. */
  bufferedAmount = 0;
  readonly sent: SentMessage[] = [];
  closedWith: { code: number; reason: string } | null = null;
  pings = 0;
  terminated = false;
  readonly #pending: { bytes: number; cb: SendCallback | undefined }[] = [];

  /** This fake, typed as what the relay takes. */
  get socket(): RelaySocket {
    return this as unknown as RelaySocket;
  }

  send(data: Buffer | string, options?: { binary?: boolean } | SendCallback, cb?: SendCallback): void {
    const callback = typeof options === 'function' ? options : cb;
    const binary = typeof options === 'object' && options.binary === true;
    if (this.readyState !== WebSocket.OPEN) {
      callback?.(new Error('WebSocket is not open'));
      return;
    }
    this.sent.push({ data, binary });
    const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    this.bufferedAmount += bytes;
    this.#pending.push({ bytes, cb: callback });
  }

  /** The kernel takes every pending send: their callbacks run, oldest first. */
  flush(): void {
    for (const p of this.#pending.splice(0)) {
      this.bufferedAmount -= p.bytes;
      p.cb?.(null);
    }
  }

  get pendingSends(): number {
    return this.#pending.length;
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= WebSocket.CLOSING) return;
    this.readyState = WebSocket.CLOSING;
    this.closedWith = { code: code ?? 1005, reason: reason ?? '' };
  }

  /** The peer answered the close (or went away): the socket is closed. */
  finishClose(): void {
    if (this.readyState === WebSocket.CLOSED) return;
    this.readyState = WebSocket.CLOSED;
    this.emit('close', this.closedWith?.code ?? 1006, Buffer.from(this.closedWith?.reason ?? ''));
  }

  ping(): void {
    this.pings++;
  }

  terminate(): void {
    this.terminated = true;
    this.finishClose();
  }

  pause(): void {}

  /** The peer sends a message. */
  receive(data: string | Buffer, isBinary = typeof data !== 'string'): void {
    this.emit('message', typeof data === 'string' ? Buffer.from(data) : data, isBinary);
  }

  /** The text messages sent, parsed. */
  texts(): Record<string, unknown>[] {
    return this.sent.filter((m) => !m.binary).map((m) => JSON.parse(String(m.data)) as Record<string, unknown>);
  }

  binaries(): Buffer[] {
    return this.sent.filter((m) => m.binary).map((m) => m.data as Buffer);
  }
}
