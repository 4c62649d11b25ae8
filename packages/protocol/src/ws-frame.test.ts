import * as ws from 'ws';
import { describe, expect, it } from 'vitest';
import { clientFrame, WsOpcode } from './ws-frame.js';

interface FrameParser {
  on(event: 'message', listener: (data: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  write(bytes: Buffer): unknown;
}
/** ws's own frame parser: exported at runtime (`Receiver`), not declared by @types/ws. */
const { Receiver } = ws as unknown as { Receiver: new (options: { isServer: boolean; maxPayload: number }) => FrameParser };

/** What ws's own server-side parser makes of some bytes: the messages it emits (some on a later turn), or its error. */
async function parse(bytes: Buffer): Promise<{ messages: string[]; error: string | null }> {
  const messages: string[] = [];
  let error: string | null = null;
  const receiver = new Receiver({ isServer: true, maxPayload: 1 << 30 });
  receiver.on('message', (data: Buffer) => messages.push(data.toString()));
  receiver.on('error', (err: Error) => (error = err.message));
  receiver.write(bytes);
  await new Promise((r) => setTimeout(r, 10));
  return { messages, error };
}

describe('clientFrame', () => {
  it('builds masked frames that ws parses back, for each length encoding (7-bit, 16-bit, 64-bit)', async () => {
    for (const n of [0, 5, 125, 126, 65535, 65536, 70000]) {
      const text = 'a'.repeat(n);
      expect((await parse(clientFrame(WsOpcode.Text, Buffer.from(text)))).messages).toEqual([text]);
    }
  });

  it('masks with the given key (RFC 6455 §5.3: byte i XOR key[i mod 4])', () => {
    const f = clientFrame(WsOpcode.Binary, Buffer.from([1, 2, 3, 4, 5]), { mask: Uint8Array.of(0xff, 0, 0xff, 0) });
    expect([...f]).toEqual([0x82, 0x85, 0xff, 0, 0xff, 0, 0xfe, 2, 0xfc, 4, 0xfa]);
  });

  it('leaves a message unfinished without FIN, and continuation frames finish it', async () => {
    // Fresh frames for each parse: ws unmasks in place.
    const a = () => clientFrame(WsOpcode.Text, Buffer.from('ab'), { fin: false });
    expect((await parse(a())).messages).toEqual([]);
    expect((await parse(Buffer.concat([a(), clientFrame(WsOpcode.Continuation, Buffer.from('cd'))]))).messages).toEqual(['abcd']);
  });

  it('can announce more bytes than it carries (a partial frame)', async () => {
    const f = clientFrame(WsOpcode.Text, Buffer.alloc(10), { declaredLength: 1 << 20 });
    expect(f.length).toBe(10 + 4 + 10);
    expect(f.readBigUInt64BE(2)).toBe(1n << 20n);
    expect((await parse(f)).messages).toEqual([]);
  });

  it('refuses a masking key that is not 4 bytes', () => {
    expect(() => clientFrame(WsOpcode.Text, Buffer.from('x'), { mask: new Uint8Array(3) })).toThrow(/4 bytes, got 3/);
  });
});
