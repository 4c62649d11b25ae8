/**
 * Child-process entry for the floor relay, so its CPU time in /proc/<pid>/stat
 * is its own. Speaks the same small IPC protocol as server-child.ts.
 */
import { serveChild } from './child-ipc.js';
import { startFloorRelay } from './floor-relay.js';

await serveChild(async () => {
  const relay = await startFloorRelay({ host: '127.0.0.1', port: 0 });
  return { url: relay.url, approve: () => {}, counters: () => null, close: () => relay.close() };
});
