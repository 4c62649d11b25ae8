import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { encodeLegacyFrame } from '@booxstream/protocol';
import { startFloorRelay, type FloorRelay } from '../src/floor-relay.js';
import { jpegShaped, readMarker, withMarker, writeMarker } from '../src/payloads.js';

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data: Buffer, isBinary: boolean) => resolve({ data, isBinary })));
}

describe('floor relay', () => {
  let relay: FloorRelay | null = null;
  const sockets: WebSocket[] = [];
  afterEach(async () => {
    for (const s of sockets) s.terminate();
    sockets.length = 0;
    await relay?.close();
    relay = null;
  });

  it("relays a legacy frame's JPEG bytes unchanged to every viewer of that host only", async () => {
    relay = await startFloorRelay();
    const ws = relay.url.replace('http', 'ws');
    const device = await open(`${ws}/device/h1`);
    const viewers = [await open(`${ws}/view/h1`), await open(`${ws}/view/h1`)];
    const other = await open(`${ws}/view/h2`);
    sockets.push(device, ...viewers, other);
    let otherGot = 0;
    other.on('message', () => otherGot++);

    const auth = nextMessage(device);
    device.send(JSON.stringify({ type: 'auth', token: 'x' }));
    expect(JSON.parse((await auth).data.toString())).toEqual({ type: 'authenticated' });

    const { jpeg, markerOffset } = withMarker(jpegShaped(5000, 3));
    writeMarker(jpeg, markerOffset, 1, 7);
    const received = viewers.map(nextMessage);
    device.send(encodeLegacyFrame(jpeg, Date.now()));
    for (const r of await Promise.all(received)) {
      expect(r.isBinary).toBe(true);
      expect(r.data.equals(jpeg)).toBe(true);
      expect(readMarker(r.data)).toEqual({ tag: 1, id: 7 });
    }
    // A round trip on the device socket orders after the relay handled the frame.
    const pong = new Promise((resolve) => device.once('pong', resolve));
    device.ping();
    await pong;
    expect(otherGot).toBe(0);
  });

  it('refuses unknown paths', async () => {
    relay = await startFloorRelay();
    await expect(open(`${relay.url.replace('http', 'ws')}/nope`)).rejects.toThrow();
  });
});
