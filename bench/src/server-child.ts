/**
 * Child-process entry for the server under test: `startServer` from
 * @booxstream/server with the overrides in BENCH_SERVER_CONFIG (JSON).
 *
 * BENCH_EXPERIMENTS (comma-separated) applies a what-if to the server from
 * outside, to size a proposed fix before anyone edits apps/server; runs with
 * experiments never write RESULTS.md:
 *  - `eld-<ms>`: the event-loop-delay monitor prom-client's default metrics
 *    start samples every <ms> ms (its default is 10 ms, the server's 1000 ms);
 *  - `stats-<ms>`: the relay's stats/last_seen tick runs every <ms> ms (the
 *    server's default is 1000 ms);
 *  - `history-off`: no frame history (HISTORY_MAX_BYTES_PER_HOST=0), to tell
 *    what the history writes cost in CPU and memory.
 */
import perfHooks from 'node:perf_hooks';
import { startServer, type ServerConfig } from '@booxstream/server';
import { serveChild } from './child-ipc.js';

const experiments = new Set((process.env.BENCH_EXPERIMENTS ?? '').split(',').filter(Boolean));
const stats = [...experiments].map((e) => /^stats-(\d+)$/.exec(e)).find((m) => m !== null);
const overrides = {
  ...(JSON.parse(process.env.BENCH_SERVER_CONFIG ?? '{}') as Partial<ServerConfig>),
  ...(stats ? { statsIntervalMs: Number(stats[1]) } : {}),
  ...(experiments.has('history-off') ? { historyMaxBytesPerHost: 0 } : {}),
};

const eld = [...experiments].map((e) => /^eld-(\d+)$/.exec(e)).find((m) => m !== null);
if (eld) {
  const resolution = Number(eld[1]);
  const original = perfHooks.monitorEventLoopDelay;
  perfHooks.monitorEventLoopDelay = (options) => original({ ...options, resolution });
}

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
