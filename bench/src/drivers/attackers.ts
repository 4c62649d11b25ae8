/**
 * The attack mode's hostile clients (issue #12), all on 127.0.0.1:
 *  - InvalidFlooder: an approved device that authenticates, then writes a
 *    flood of one-byte invalid messages as fast as its socket drains; when
 *    the relay closes it, it connects again and goes on.
 *  - FragmentHolder: up to `sockets` device connections that never
 *    authenticate and send a text message in fragments that never finish,
 *    growing each towards the relay's maximum message size; a refused or
 *    closed one is reopened.
 * Frames are built by hand (@booxstream/protocol/ws-frame: masked, as RFC 6455
 * requires of clients) and written to the raw socket, so the attacker costs the bench little CPU.
 */
import { clientFrame } from '@booxstream/protocol/ws-frame';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';

const rawOf = (ws: WebSocket): Socket => (ws as unknown as { _socket: Socket })._socket;

export interface AttackCounts {
  /** Connections opened (upgrades that succeeded). */
  connections: number;
  /** Upgrades the relay refused, and (flooder) auths it refused after the upgrade. */
  refused: number;
  /** Connections the relay closed (or cut). */
  closed: number;
  /** Bytes written as attack payload. */
  bytes: number;
}

function newCounts(): AttackCounts {
  return { connections: 0, refused: 0, closed: 0, bytes: 0 };
}

/** Invalid one-byte messages, 64 KiB of them per write (9,362 messages). */
const FLOOD_CHUNK = (() => {
  const one = clientFrame(0x1, Buffer.from('x'));
  const n = Math.floor(65536 / one.length);
  const out = Buffer.allocUnsafe(one.length * n);
  for (let i = 0; i < n; i++) one.copy(out, i * one.length);
  return out;
})();

/** Opens one device connection, counting it; `ended` runs once, when it is refused or closed. */
function connectOnce(url: string, counts: AttackCounts, ended: () => void): WebSocket {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  let done = false;
  const end = (): void => {
    if (done) return;
    done = true;
    ended();
  };
  ws.on('error', () => undefined);
  ws.once('unexpected-response', (req, res) => {
    counts.refused++;
    res.resume();
    req.destroy();
    end();
  });
  ws.once('open', () => {
    counts.connections++;
    ws.once('close', () => {
      counts.closed++;
      end();
    });
  });
  ws.once('close', end);
  return ws;
}

export class InvalidFlooder {
  readonly counts = newCounts();
  #running = true;
  #ws: WebSocket | null = null;
  readonly #done: Promise<void>;

  constructor(url: string, token: string) {
    this.#done = this.#loop(url, token);
  }

  async #loop(url: string, token: string): Promise<void> {
    while (this.#running) {
      await this.#once(url, token).catch(() => undefined);
      if (this.#running) await new Promise((r) => setTimeout(r, 20));
    }
  }

  #once(url: string, token: string): Promise<void> {
    return new Promise((resolve) => {
      const ws = connectOnce(url, this.counts, resolve);
      this.#ws = ws;
      ws.once('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
      // After the first reply, `authenticated` or a refusal (a device cooling down after a budget
      // close): flood either way, refilling whenever the socket drains; the relay must bound both.
      ws.once('message', (data) => {
        if (!String(data).includes('"authenticated"')) this.counts.refused++;
        ws.on('message', () => undefined); // the error replies: read and dropped
        const raw = rawOf(ws);
        const pump = (): void => {
          while (this.#running && ws.readyState === WebSocket.OPEN) {
            this.counts.bytes += FLOOD_CHUNK.length;
            if (!raw.write(FLOOD_CHUNK)) {
              raw.once('drain', pump);
              return;
            }
          }
        };
        pump();
      });
    });
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#ws?.terminate();
    await this.#done;
  }
}

export class FragmentHolder {
  readonly counts = newCounts();
  #running = true;
  readonly #open = new Set<WebSocket>();
  readonly #timer: NodeJS.Timeout;
  readonly #done: Promise<void>[] = [];

  /**
   * @param sockets connections it tries to keep open
   * @param maxBytes how far each unfinished message may grow (the relay's maximum message size)
   * @param stepBytes bytes of fragment added per socket every 100 ms
   */
  constructor(url: string, sockets: number, readonly maxBytes: number, readonly stepBytes = 64 * 1024) {
    const step = clientFrame(0x0, Buffer.alloc(stepBytes, 0x61), { fin: false });
    const held = new Map<WebSocket, number>();
    this.#timer = setInterval(() => {
      for (const ws of this.#open) {
        const sent = held.get(ws) ?? 0;
        if (sent >= maxBytes || ws.readyState !== WebSocket.OPEN) continue;
        rawOf(ws).write(step);
        held.set(ws, sent + stepBytes);
        this.counts.bytes += step.length;
      }
    }, 100);
    for (let i = 0; i < sockets; i++) this.#done.push(this.#loop(url, held));
  }

  async #loop(url: string, held: Map<WebSocket, number>): Promise<void> {
    while (this.#running) {
      await new Promise<void>((resolve) => {
        const ws = connectOnce(url, this.counts, () => {
          this.#open.delete(ws);
          held.delete(ws);
          resolve();
        });
        ws.once('open', () => {
          this.#open.add(ws);
          // The first fragment of a text message that never gets its FIN.
          rawOf(ws).write(clientFrame(0x1, Buffer.alloc(2048, 0x61), { fin: false }));
          held.set(ws, 2048);
        });
      });
      if (this.#running) await new Promise((r) => setTimeout(r, 100));
    }
  }

  get openSockets(): number {
    return this.#open.size;
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearInterval(this.#timer);
    for (const ws of this.#open) ws.terminate();
    await Promise.all(this.#done);
  }
}
