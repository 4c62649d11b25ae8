/**
 * `pnpm bench`: runs the relay benchmark of issue #6 against the server under
 * test and the floor relay, each in its own child process, and writes
 * RESULTS.md plus raw JSON under bench/out/.
 *
 *   tsx src/run.ts                   full suite, 3 runs, writes bench/RESULTS.md
 *   tsx src/run.ts --smoke           every mode for about a second (CI); exit 1 only on a crash or a failed correctness check
 *   tsx src/run.ts --mode steady-10,stall-10 --runs 1
 *   tsx src/run.ts --mode steady-100 --profile server   adds --cpu-prof and a self-time summary
 *   tsx src/run.ts --mode static-10 --experiment eld-100,bufferutil   sizes a proposed server fix (what-if)
 *   tsx src/run.ts --source          relays from TypeScript through tsx instead of esbuild bundles
 *   tsx src/run.ts --mode soak --soak-minutes 2   a shorter soak (default 20 min)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ModeContext } from './modes/context.js';
import { bundleChildren } from './bundle-children.js';
import { DEFAULT_SOAK_MINUTES, plan } from './plan.js';
import { realPools, shapedPools, staticPools } from './pools.js';
import { formatProfileSummary, summarizeProfile, type CpuProfile } from './profile-summary.js';
import { killAllRelays, serverHasBufferutil, type RelayKind } from './relay-process.js';
import { correctnessFailures, renderResults, targets, type BenchResults, type MachineInfo, type ModeRecord } from './report.js';

const BENCH_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    runs: { type: 'string' },
    mode: { type: 'string' },
    profile: { type: 'string' },
    out: { type: 'string' },
    results: { type: 'string' },
    'list-modes': { type: 'boolean', default: false },
    source: { type: 'boolean', default: false },
    experiment: { type: 'string' },
    render: { type: 'string' },
    'soak-minutes': { type: 'string' },
  },
});

const smoke = args.smoke ?? false;
const runs = Number(args.runs ?? (smoke ? 1 : 3));
if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new Error(`--runs must be an integer from 1 to 20, got ${args.runs}`);
const soakMinutes = Number(args['soak-minutes'] ?? DEFAULT_SOAK_MINUTES);
if (!(soakMinutes > 0 && soakMinutes <= 120)) throw new Error(`--soak-minutes must be a number of minutes above 0 and at most 120, got ${args['soak-minutes']}`);
const allModes = plan(smoke, { soakMinutes });
if (args['list-modes']) {
  for (const m of allModes) console.log(`${m.name}\t${m.title}`);
  process.exit(0);
}
if (args.render) {
  // Re-renders a results JSON (e.g. after a report change) without running anything.
  const saved = JSON.parse(readFileSync(args.render, 'utf8'), (_k, v) => (v === null ? Number.NaN : v)) as BenchResults & { commandNote?: string };
  const n100r = saved.modes.find((m) => /^steady-\d+$/.test(m.name) && !['steady-1', 'steady-10'].includes(m.name))?.name ?? 'steady-100';
  const idler = saved.modes.find((m) => m.name.startsWith('idle-'))?.name ?? 'idle-1000';
  const out = args.results ?? join(BENCH_ROOT, 'RESULTS.md');
  writeFileSync(out, renderResults(saved, targets({ n100: n100r, idle: idler }), saved.commandNote ?? '') + '\n');
  console.log(`bench: rendered ${args.render} to ${out}`);
  process.exit(0);
}
const wanted = args.mode ? args.mode.split(',').map((s) => s.trim()) : null;
const unknown = wanted?.filter((w) => !allModes.some((m) => m.name === w)) ?? [];
if (unknown.length) throw new Error(`unknown mode(s) ${unknown.join(', ')}; known: ${allModes.map((m) => m.name).join(', ')}`);
const modes = wanted ? allModes.filter((m) => wanted.includes(m.name)) : allModes;
const profile = new Set<RelayKind>(
  args.profile === 'both' ? ['server', 'floor'] : args.profile ? [args.profile as RelayKind] : [],
);
for (const p of profile) if (p !== 'server' && p !== 'floor') throw new Error(`--profile takes server, floor or both, got ${args.profile}`);

const KNOWN_EXPERIMENTS = /^(eld-\d+|stats-\d+|bufferutil|history-off)$/;
const experiments = new Set(args.experiment ? args.experiment.split(',').map((s) => s.trim()) : []);
for (const e of experiments) if (!KNOWN_EXPERIMENTS.test(e)) throw new Error(`unknown --experiment ${e}; known: eld-<ms>, stats-<ms>, bufferutil, history-off`);

const outDir = args.out ?? join(BENCH_ROOT, 'out');
mkdirSync(outDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');

function machine(): MachineInfo {
  let limit = 'unknown';
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    if (line) limit = line.split(/\s{2,}/)[1] ?? limit;
  } catch {
    // not Linux; leave unknown
  }
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    ramGiB: totalmem() / 1024 ** 3,
    node: process.version,
    kernel: release(),
    date: new Date().toISOString(),
    loadAtStart: loadavg(),
    openFilesLimit: limit,
  };
}

// The bench stops by itself whatever happens: a hard ceiling on the whole run.
// Modes with a long window of their own (the soak) add it on top, once per run they take part in.
const extraMs = modes.reduce((sum, m) => sum + (m.extraMs ?? 0) * (m.once ? 1 : runs), 0);
const ceilingMs = (smoke ? 5 : 60) * 60_000 * (runs / (smoke ? 1 : 3)) * (modes.length / allModes.length) + 1.5 * extraMs + 5 * 60_000;
const ceiling = setTimeout(() => {
  console.error(`bench: still running after ${Math.round(ceilingMs / 60000)} min; stopping`);
  killAllRelays();
  process.exit(3);
}, ceilingMs);
ceiling.unref();
process.on('SIGINT', () => {
  console.error('bench: interrupted; stopping relays');
  killAllRelays();
  process.exit(130);
});

const serverConfig: Record<string, unknown> = {
  host: '127.0.0.1',
  port: 0,
  devicePort: null,
  deviceApproval: 'manual',
  // The default (50) is below the 100-viewer and 1,000-idle runs.
  maxViewersPerHost: 2000,
  logLevel: 'info',
};

const info = machine();
// Taken before the runs: the relays are bundled from the working tree now, and a commit landing mid-run is not in them.
const serverCommit = (() => {
  try {
    return execFileSync('git', ['log', '-1', '--format=%h %s', '--', 'apps/server', 'packages/protocol'], { cwd: dirname(BENCH_ROOT), encoding: 'utf8' }).trim();
  } catch {
    return 'unknown (no git)';
  }
})();
const command = `pnpm bench${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
console.log(`bench: ${info.cpu}, ${info.cores} cores, Node ${info.node}, load ${info.loadAtStart.map((x) => x.toFixed(2)).join(' ')}`);
console.log(`bench: ${modes.length} mode(s) x ${runs} run(s) x server+floor${smoke ? ' (smoke)' : ''}`);

// Relays run bundled on plain node, as the server ships; from source through
// tsx with --source, and always when profiling, so profile locations name
// the original files.
const fromSource = (args.source ?? false) || profile.size > 0;
const bundles = fromSource ? null : await bundleChildren(outDir);
const real = await realPools(2);
const pools = { shaped: shapedPools(), static: staticPools(), real };
const results: BenchResults = { machine: info, command, runs, smoke, serverConfig, modes: [] };
const records = new Map<string, ModeRecord>();
for (const m of modes) {
  const rec: ModeRecord = { name: m.name, title: m.title, shape: m.shape, records: [] };
  records.set(m.name, rec);
  results.modes.push(rec);
}

const brief = (kind: string, f: Record<string, number>): string => {
  const parts: string[] = [];
  const add = (label: string, key: string, digits = 3) => {
    const v = f[key];
    if (v !== undefined && Number.isFinite(v)) parts.push(`${label} ${v.toFixed(digits)}`);
  };
  add('cpu/deliv ms', 'cpuPerDelivered', 4);
  add('cpu/ingest ms', 'cpuPerIngested', 3);
  add('p99 ms', 'latP99', 2);
  add('delivered', 'delivered', 0);
  add('ingest fps', 'ingestFps', 0);
  add('rss trend MB', 'rssTrendMB', 2);
  add('resume ms', 'resumeMs', 1);
  add('stale', 'staleFramesOnResume', 0);
  add('others p99 change', 'othersP99Change', 3);
  add('attack p99 change', 'attackP99Change', 3);
  add('attack rss MB', 'attackRssPeakDeltaMB', 1);
  add('byte share', 'staticByteShare', 4);
  add('KB/conn', 'kbPerConnection', 1);
  add('rss peak MB', 'rssPeakMB', 1);
  add('soak rss slope MB/min', 'soakSlopeMBPerMin', 3);
  add('bench loop p99 ms', 'benchLoopP99Ms', 1);
  return `${kind}: ${parts.join(', ')}`;
};

for (let r = 1; r <= runs; r++) {
  for (const mode of modes) {
    if (mode.once && r > 1) continue;
    const record = { run: r } as ModeRecord['records'][number];
    records.get(mode.name)!.records.push(record);
    // Alternate which relay goes first, so drift in the machine's load spreads over both.
    const order: RelayKind[] = r % 2 === 1 ? ['server', 'floor'] : ['floor', 'server'];
    for (const kind of order) {
      const label = `${mode.name}-r${r}`;
      const ctx: ModeContext = { outDir, serverConfig, profile, pools, smoke, label, log: (l) => console.log(l), bundles, experiments };
      const started = Date.now();
      try {
        record[kind] = await mode.run(ctx, kind);
        console.log(`${label} ${brief(kind, record[kind]!)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      } catch (err) {
        record.error = `${kind}: ${(err as Error).message}`;
        console.error(`${label} ${kind} FAILED: ${(err as Error).stack ?? String(err)}`);
      }
    }
  }
}

results.finishedAt = new Date().toISOString();
results.loadAtEnd = loadavg();

if (profile.size > 0) {
  results.profiles = [];
  for (const mode of modes) {
    for (let r = 1; r <= runs; r++) {
      for (const kind of profile) {
        const dir = join(outDir, 'prof', `${mode.name}-r${r}`, kind);
        let files: string[] = [];
        try {
          // The main thread's profile: thread id 0 in Node's default name.
          files = readdirSync(dir).filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
        } catch {
          continue;
        }
        const f = files.sort().at(-1);
        if (!f) continue;
        const file = join(dir, f);
        // Only the measured window: startup (module loading through tsx) is not the relay's work.
        const figures = records.get(mode.name)?.records[r - 1]?.[kind];
        const window = figures?.windowFromUs && figures.windowToUs ? { fromUs: figures.windowFromUs, toUs: figures.windowToUs } : undefined;
        const summary = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, 20, window);
        const note = window ? ` within the measured window (${((window.toUs - window.fromUs) / 1e6).toFixed(1)} s)` : ' (whole process: no window recorded)';
        results.profiles.push({ mode: mode.name, kind, file: relative(BENCH_ROOT, file), summary: formatProfileSummary(summary, `${mode.name} run ${r}, ${kind} (${relative(BENCH_ROOT, file)})`, note) });
      }
    }
  }
}

const jsonFile = join(outDir, `results-${stamp}.json`);
const n100 = allModes.find((m) => m.name.startsWith('steady-') && m.name !== 'steady-1' && m.name !== 'steady-10')!.name;
const idle = allModes.find((m) => m.name.startsWith('idle-'))!.name;

const commandNote = [
  `Server under test: the working tree at its last commit touching apps/server or packages/protocol, ${serverCommit.slice(0, 160)}.`,
  'How it runs: `pnpm bench` = `pnpm --filter @booxstream/bench bench` = `tsx src/run.ts` in bench/.',
  `The server (\`startServer\` from apps/server/src, ${bundles ? 'bundled with esbuild like apps/server/build.mjs and run on plain `node` as the Docker image runs it' : 'run from source through `node --import tsx`'}, fresh data dir, 127.0.0.1, device port off, manual approval through \`approveDevice\`,`,
  `overrides ${JSON.stringify(serverConfig)}) and the floor (bench/src/floor-relay.ts, same build) each run in their own child process;`,
  `ws in both relays: ${serverHasBufferutil() ? 'native mask/unmask (bufferutil, declared by apps/server)' : 'JS mask/unmask (WS_NO_BUFFER_UTIL=1: apps/server does not declare bufferutil)'}.`,
  ...(experiments.size > 0 ? [`What-if run with --experiment ${[...experiments].join(',')} (see bench/src/server-child.ts): not the server as committed.`] : []),
  ...(profile.size > 0 ? ['Profiled run (`--cpu-prof`): the sampler adds CPU to every figure; use these figures for where time goes, not for targets.'] : []),
  'CPU is Δ(utime+stime) of that process over the measured window, read with getrusage inside it (µs; /proc/<pid>/stat, which rounds the same counters to 10 ms ticks, is shown as a cross-check); RSS from /proc/<pid>/status (sampled every 250 ms, plus VmHWM).',
  'Devices and viewers run in the bench process: latency is viewer receipt minus device send on one clock (performance.now), matched by a marker in a JPEG COM segment.',
  'Devices send the Android app\'s exact JSON frames; viewers sign in with X-authentik-username from loopback and offer permessage-deflate like browsers.',
  `Raw figures: bench/${relative(BENCH_ROOT, jsonFile)}.`,
].join('\n');
(results as BenchResults & { commandNote?: string }).commandNote = commandNote;
writeFileSync(jsonFile, JSON.stringify(results, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2));
const markdown = renderResults(results, targets({ n100, idle }), commandNote);
const mdFile = args.results ?? (smoke || wanted || experiments.size > 0 || profile.size > 0 ? join(outDir, `results-${stamp}.md`) : join(BENCH_ROOT, 'RESULTS.md'));
writeFileSync(mdFile, markdown + '\n');
console.log(`\nbench: wrote ${relative(process.cwd(), mdFile)} and ${relative(process.cwd(), jsonFile)}`);

const judged = targets({ n100, idle }).map((j) => j(results));
for (const t of judged) {
  if (t.pass === null) continue;
  console.log(`${t.pass ? 'pass' : 'MISS'}  ${t.target}: ${t.figure} (limit ${t.limit}) ${t.margin}`);
}
const failures = correctnessFailures(results);
for (const f of failures) console.error(`bench: correctness check failed: ${f}`);
killAllRelays();
// A crash or a failed correctness check fails the run; missed targets never do (figures are noise on a shared machine).
process.exit(failures.length > 0 ? 1 : 0);
