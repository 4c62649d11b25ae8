/**
 * A recording harness for wire-conformance tests: a real `ws` server on
 * 127.0.0.1 that stores exactly what a client sends and answers only what the
 * test tells it to. It is not a model of the BooxStream server.
 */
import { once } from 'node:events';
import { WebSocketServer, type WebSocket } from 'ws';

export interface Received {
  readonly data: Buffer;
  readonly isBinary: boolean;
  readonly text: string;
}

export interface RecordingPeer {
  readonly port: number;
  readonly url: string;
  /** Every message of every connection, in order. */
  readonly received: Received[];
  /** Request paths of the connections, in order. */
  readonly paths: string[];
  /** The latest connection. */
  socket(): WebSocket;
  /** Resolves once `received.length >= n`, or rejects after `timeoutMs`. */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startRecordingPeer(onMessage?: (ws: WebSocket, msg: Received) => void): Promise<RecordingPeer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await once(wss, 'listening');
  const port = (wss.address() as { port: number }).port;
  const received: Received[] = [];
  const paths: string[] = [];
  const waiters: Array<() => void> = [];
  let latest: WebSocket | undefined;
  wss.on('connection', (ws, req) => {
    latest = ws;
    paths.push(req.url ?? '');
    ws.on('message', (data, isBinary) => {
      const buf = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
      const msg = { data: buf, isBinary, text: isBinary ? '' : buf.toString('utf8') };
      received.push(msg);
      onMessage?.(ws, msg);
      for (const w of waiters.splice(0)) w();
    });
  });
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    received,
    paths,
    socket() {
      if (!latest) throw new Error('no connection yet');
      return latest;
    },
    async waitFor(n, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < n) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`waited ${timeoutMs} ms for ${n} messages, got ${received.length}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
