/**
 * One client→server WebSocket frame, built by hand and masked as RFC 6455
 * §5.3 requires of clients. For tests and the bench's attackers, which write
 * what a client library will not: unfinished fragments, floods of tiny
 * messages in one write, and lengths that promise more than follows.
 * Not used by the product: its clients are the app, browsers and `ws`.
 */

export const WsOpcode = { Continuation: 0x0, Text: 0x1, Binary: 0x2 } as const;

export interface ClientFrameOptions {
  /** FIN bit: false leaves the message unfinished (more fragments to come). [fin=true] */
  readonly fin?: boolean;
  /** The payload length written in the header; the bytes that follow are `payload` whatever it says. [declaredLength=payload.length] */
  readonly declaredLength?: number;
  /** The 4-byte masking key. [mask=4 random bytes] */
  readonly mask?: Uint8Array;
}

export function clientFrame(opcode: number, payload: Uint8Array, options: ClientFrameOptions = {}): Buffer {
  const declared = options.declaredLength ?? payload.length;
  const mask = options.mask ?? globalThis.crypto.getRandomValues(new Uint8Array(4));
  if (mask.length !== 4) throw new RangeError(`a masking key is 4 bytes, got ${mask.length}`);
  const head = declared < 126 ? 2 : declared < 65536 ? 4 : 10;
  const out = Buffer.alloc(head + 4 + payload.length);
  out[0] = (options.fin === false ? 0 : 0x80) | opcode;
  if (head === 2) out[1] = 0x80 | declared;
  else if (head === 4) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(declared, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(declared), 2);
  }
  out.set(mask, head);
  for (let i = 0; i < payload.length; i++) out[head + 4 + i] = payload[i]! ^ mask[i % 4]!;
  return out;
}
