/**
 * Closes a driver's WebSocket with 1000 and waits for the close, but never for
 * more than `timeoutMs`: a relay that stopped answering must not hang the bench.
 */
import { WebSocket } from 'ws';

export function closeSocket(ws: WebSocket, timeoutMs = 2000): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate();
      resolve();
    }, timeoutMs);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(1000);
  });
}
