import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { cutOff } from './relay-socket.js';

let servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const s of servers) s.close();
  servers = [];
});

/** A loopback ws server whose first connection cuts itself off at its `cutAt`-th message; resolves with the messages it saw. */
async function cutAfter(cutAt: number, allowSynchronousEvents: boolean): Promise<{ seen: number; code: number; reason: string }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', allowSynchronousEvents });
  servers.push(wss);
  await once(wss, 'listening');
  let seen = 0;
  wss.on('connection', (ws) => {
    ws.on('message', () => {
      seen++;
      if (seen === cutAt) cutOff(ws, 4008, 'too many');
    });
  });
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  await once(client, 'open');
  // 5,000 messages in one write: one read on the server side holds thousands of them.
  client.send('x');
  const raw = (client as unknown as { _socket: import('node:net').Socket })._socket;
  const frames: Buffer[] = [];
  for (let i = 0; i < 5000; i++) frames.push(Buffer.from([0x81, 0x81, 0, 0, 0, 0, 0x78]));
  raw.write(Buffer.concat(frames));
  const [code, reason] = (await once(client, 'close')) as [number, Buffer];
  return { seen, code, reason: reason.toString() };
}

describe('cutOff', () => {
  it.each([true, false])('closes with the code and reason and parses nothing more of what was already read (synchronous events: %s)', async (sync) => {
    const r = await cutAfter(10, sync);
    expect(r.code).toBe(4008);
    expect(r.reason).toBe('too many');
    // Only what ws had already parsed when the cut came: not the thousands left in the read.
    expect(r.seen).toBeLessThan(20);
  });
});
