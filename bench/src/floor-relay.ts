/**
 * The floor: the least a relay can do for this load, written only for the
 * benchmark. Per device message: parse the JSON, decode the base64 once, send
 * that one buffer to every viewer socket of the host. No auth, no headers, no
 * dedup, no stats.
 *
 * One addition to "nothing else": a viewer whose socket already holds more
 * than `maxBufferedBytes` unsent bytes is skipped. Without it the floor's
 * memory grows without bound in the burst and stalled-viewer modes, and those
 * runs would measure the allocator and the kernel rather than a relay; in the
 * steady modes it is one getter per viewer per frame and never triggers.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FloorRelay {
  readonly url: string;
  close(): Promise<void>;
}

export interface FloorOptions {
  /** [host='127.0.0.1'] */
  readonly host?: string;
  /** [port=0] */
  readonly port?: number;
  /** [maxBufferedBytes=1048576] the same skip threshold as the server's default */
  readonly maxBufferedBytes?: number;
}

const PATH = /^\/(device|view)\/([\w-]{1,64})$/;

export async function startFloorRelay(options: FloorOptions = {}): Promise<FloorRelay> {
  const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
  const viewersByHost = new Map<string, Set<WebSocket>>();
  // Same socket options as the server under test: no compression, and no
  // UTF-8 validation of the device's (ASCII) JSON.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, skipUTF8Validation: true });
  const http = createServer((_req, res) => {
    res.writeHead(404).end();
  });

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const m = PATH.exec(req.url ?? '');
    if (!m) {
      socket.destroy();
      return;
    }
    const [, role, host] = m as unknown as [string, 'device' | 'view', string];
    wss.handleUpgrade(req, socket, head, (ws) => {
      let viewers = viewersByHost.get(host);
      if (!viewers) viewersByHost.set(host, (viewers = new Set()));
      if (role === 'view') {
        viewers.add(ws);
        ws.on('close', () => viewers.delete(ws));
        return;
      }
      const audience = viewers;
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) return;
        const msg = JSON.parse(data.toString()) as { type?: string; data?: string };
        if (msg.type === 'auth') {
          ws.send('{"type":"authenticated"}');
          return;
        }
        if (msg.type !== 'frame' || typeof msg.data !== 'string') return;
        const jpeg = Buffer.from(msg.data, 'base64');
        for (const viewer of audience) {
          if (viewer.bufferedAmount <= maxBuffered) viewer.send(jpeg);
        }
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        http.close(() => resolve());
      }),
  };
}
