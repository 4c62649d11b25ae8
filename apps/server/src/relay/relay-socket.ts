/**
 * What the relay uses of a `ws` WebSocket. Device sessions and viewers take
 * this narrow shape, so their unit tests drive them with a small fake socket
 * (`test-socket.ts`) the way ws tests each of its own lib files.
 */
import type { WebSocket } from 'ws';

export type RelaySocket = Pick<WebSocket, 'readyState' | 'bufferedAmount' | 'send' | 'close' | 'ping' | 'terminate' | 'on' | 'once'>;
