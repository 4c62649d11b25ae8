/**
 * Child-process entry for the server under test: `startServer` from
 * @booxstream/server with the overrides in BENCH_SERVER_CONFIG (JSON), run
 * from its TypeScript source through tsx like the floor, so both pay the same
 * loader overhead.
 */
import { startServer, type ServerConfig } from '@booxstream/server';
import { serveChild } from './child-ipc.js';

const overrides = JSON.parse(process.env.BENCH_SERVER_CONFIG ?? '{}') as Partial<ServerConfig>;

await serveChild(async () => {
  const server = await startServer(overrides);
  return {
    url: server.url,
    approve: (uuid, owner) => server.approveDevice(uuid, owner),
    counters: (uuid) => {
      const s = server.relayStats(uuid);
      return s && { framesIn: s.framesIn, framesDeduplicated: s.framesDeduplicated, framesOut: s.framesOut, framesSkipped: s.framesSkipped };
    },
    close: () => server.close(),
  };
});
