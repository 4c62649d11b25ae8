/**
 * The HTTP plumbing the stateful vendor fakes share (fake-authentik.ts, fake-cloudflare.ts):
 * a loopback server on an ephemeral port whose handler crashes become recorded violations
 * instead of hanging the client, and the request body as text.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeHttpServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `handle` on 127.0.0.1; a throw inside it is pushed to `violations` and answered 500. */
export async function serveFake(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  violations: string[],
): Promise<FakeHttpServer> {
  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      violations.push(`fake crashed on ${req.method} ${req.url}: ${String(error)}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
