/**
 * What the relay uses of a `ws` WebSocket. Device sessions and viewers take
 * this narrow shape, so their unit tests drive them with a small fake socket
 * (`test-socket.ts`) the way ws tests each of its own lib files.
 */
import type { WebSocket } from 'ws';

export type RelaySocket = Pick<WebSocket, 'readyState' | 'bufferedAmount' | 'send' | 'close' | 'ping' | 'terminate' | 'pause' | 'on' | 'once'>;

/** How long a socket cut for abuse may take to finish the close handshake. */
export const CUT_GRACE_MS = 1000;

/**
 * Closes a socket that broke a budget: the close frame says why (code and
 * reason), reading stops at once and what was read but not parsed yet is
 * dropped, and the socket is destroyed if the peer has not
 * finished the close handshake within CUT_GRACE_MS, instead of ws's 30 s.
 */
export function cutOff(ws: RelaySocket, code: number, reason: string): void {
  ws.close(code, reason);
  ws.pause();
  discardUnparsedInput(ws);
  const timer = setTimeout(() => ws.terminate(), CUT_GRACE_MS);
  timer.unref();
  ws.once('close', () => clearTimeout(timer));
}

/**
 * Drops what ws has read from the socket but not parsed yet. One read holds up
 * to 64 KiB, over 9,000 one-byte messages of a flood; ws would parse every one
 * of them after the socket was closed for its budget. ws has no public call
 * for this, so this reaches into its receiver (ws 8: `_receiver._buffers` and
 * `_bufferedBytes`, checked by relay-socket.test.ts) and does nothing when the
 * shape is not there.
 */
function discardUnparsedInput(ws: RelaySocket): void {
  const receiver = (ws as unknown as { _receiver?: { _buffers?: unknown; _bufferedBytes?: unknown } })._receiver;
  if (!receiver || !Array.isArray(receiver._buffers) || typeof receiver._bufferedBytes !== 'number') return;
  receiver._buffers.length = 0;
  receiver._bufferedBytes = 0;
}
