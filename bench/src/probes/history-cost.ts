/**
 * What keeping the screen's history costs the relay's hot path: CPU per
 * ingested distinct frame with history on (the default budget) and off
 * (HISTORY_MAX_BYTES_PER_HOST=0), measured in the same run, alternating which
 * goes first each round so drift in the machine's load spreads over both.
 *
 *   pnpm --filter @booxstream/bench probe:history [--rounds 3] [--seconds 20] [--viewers 10]
 *
 * Each window is the steady mode's (bench/src/modes/steady.ts): one host sending
 * distinct 60 KiB JPEG-shaped frames at 10 fps to N acking viewers, after the
 * same JIT warm-up, against the server bundled and run on plain node in its own
 * process, CPU from getrusage there. The history writes go to the server's
 * fresh temp data directory, so they include the real disk writes.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleChildren } from '../bundle-children.js';
import type { ModeContext } from '../modes/context.js';
import { runSteady } from '../modes/steady.js';
import { realPools, shapedPools, staticPools } from '../pools.js';
import { killAllRelays } from '../relay-process.js';

const { values: args } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '20' }, viewers: { type: 'string', default: '10' } },
});
const rounds = Number(args.rounds);
const seconds = Number(args.seconds);
const viewers = Number(args.viewers);
for (const [name, v] of [['--rounds', rounds], ['--seconds', seconds], ['--viewers', viewers]] as const) {
  if (!Number.isInteger(v) || v < 1 || v > 1000) throw new Error(`${name} must be a whole number from 1 to 1000`);
}

const outDir = join(dirname(dirname(dirname(fileURLToPath(import.meta.url)))), 'out', 'history-probe');
mkdirSync(outDir, { recursive: true });
const bundles = await bundleChildren(outDir);
const pools = { shaped: shapedPools(), static: staticPools(), real: await realPools(1) };
const base = { host: '127.0.0.1', port: 0, devicePort: null, deviceApproval: 'manual', maxViewersPerHost: 2000, logLevel: 'info' };
const variants = { on: { ...base }, off: { ...base, historyMaxBytesPerHost: 0 } } as const;

type Variant = keyof typeof variants;
const perFrame: Record<Variant, number[]> = { on: [], off: [] };
const ratios: number[] = [];
try {
  for (let r = 1; r <= rounds; r++) {
    const order: Variant[] = r % 2 === 1 ? ['on', 'off'] : ['off', 'on'];
    const round: Partial<Record<Variant, number>> = {};
    for (const variant of order) {
      const ctx: ModeContext = {
        outDir, serverConfig: variants[variant], profile: new Set(), pools, smoke: false,
        label: `history-${variant}-r${r}`, log: (l) => console.log(l), bundles, experiments: new Set(),
      };
      const f = await runSteady(ctx, 'server', {
        hosts: 1, viewersPerHost: viewers, fps: 10, warmupFrames: 500, warmupMs: 2000, durationMs: seconds * 1000, payload: 'shaped',
      });
      round[variant] = f.cpuPerIngested!;
      perFrame[variant].push(f.cpuPerIngested!);
      console.log(`round ${r} history ${variant}: ${f.cpuPerIngested!.toFixed(3)} ms CPU per ingested distinct frame, ${f.delivered} delivered, p99 ${f.latP99!.toFixed(2)} ms`);
    }
    ratios.push(round.on! / round.off!);
  }
} finally {
  killAllRelays();
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
console.log('');
console.log(`| history | CPU per ingested distinct frame, median of ${rounds} [min-max] |`);
console.log('|---|---|');
for (const v of ['off', 'on'] as const) {
  console.log(`| ${v} | ${median(perFrame[v]).toFixed(3)} ms [${Math.min(...perFrame[v]).toFixed(3)}-${Math.max(...perFrame[v]).toFixed(3)}] |`);
}
console.log(`| on/off, per round | ${median(ratios).toFixed(3)}x [${Math.min(...ratios).toFixed(3)}-${Math.max(...ratios).toFixed(3)}] (target <= 1.10x) |`);
