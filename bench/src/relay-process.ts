/**
 * Starts a relay (the server under test or the floor) in a child process and
 * talks to it over IPC. Every child is tracked so the bench stops it on exit,
 * on SIGINT and on errors: none outlives the run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ChildMethod, ParentMessage, RelayCounters } from './child-ipc.js';
import type { CpuSplit } from './proc-stat.js';

export type RelayKind = 'server' | 'floor';

export interface RelayProcessOptions {
  /** Overrides passed to `startServer` (server only). */
  readonly serverConfig?: Record<string, unknown>;
  /** Directory for `--cpu-prof` output; no profiling when absent. */
  readonly cpuProfDir?: string;
  /** File receiving the child's stdout and stderr (the server's pino log). */
  readonly logFile: string;
  /** [readyTimeoutMs=30000] */
  readonly readyTimeoutMs?: number;
  /**
   * The bundled entry to run with plain `node` (see bundle-children.ts); when
   * absent the TypeScript entry runs through `node --import tsx`.
   */
  readonly bundle?: string;
  /** What-ifs (see server-child.ts); `bufferutil` lets both relays' ws use it. */
  readonly experiments?: ReadonlySet<string>;
}

export interface RelayProcess {
  readonly kind: RelayKind;
  readonly pid: number;
  readonly url: string;
  approve(uuid: string, owner: string): Promise<void>;
  /** The relay's own per-host counters (server only; null on the floor). */
  counters(uuid: string): Promise<RelayCounters | null>;
  /** CPU the relay has used so far, from inside (getrusage): µs resolution, where /proc/<pid>/stat has 10 ms. */
  cpuUsage(): Promise<CpuSplit>;
  /** The relay's own process.memoryUsage(). */
  memoryUsage(): Promise<NodeJS.MemoryUsage>;
  /** Graceful stop (the profile gets written), SIGKILL after a grace period. */
  stop(): Promise<void>;
}

const SRC = dirname(fileURLToPath(import.meta.url));
const BENCH_ROOT = dirname(SRC);
const ENTRY: Record<RelayKind, string> = {
  server: join(SRC, 'server-child.ts'),
  floor: join(SRC, 'floor-child.ts'),
};

/**
 * ws unmasks device frames with the native `bufferutil` when it can resolve
 * it, else in a JS loop. The bench depends on bufferutil (for its own driver's
 * masking), and pnpm's hoisting lets the server's ws find it too, so both
 * relays get exactly what the server's own package.json provides: with no
 * bufferutil dependency there, both run with WS_NO_BUFFER_UTIL=1.
 */
export function serverHasBufferutil(): boolean {
  const pkg = JSON.parse(readFileSync(join(BENCH_ROOT, '..', 'apps', 'server', 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
  return ['dependencies', 'optionalDependencies'].some((k) => pkg[k]?.bufferutil !== undefined);
}

const live = new Set<ChildProcess>();

/** Kills every child still running (SIGKILL); for exit paths that cannot wait. */
export function killAllRelays(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}
process.once('exit', killAllRelays);

export async function startRelayProcess(kind: RelayKind, options: RelayProcessOptions): Promise<RelayProcess> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const logFd = openSync(options.logFile, 'a');
  const args: string[] = [];
  if (options.cpuProfDir) {
    // One directory per child: Node writes a profile per thread (tsx's module
    // hooks run on a worker), named CPU.<date>.<time>.<pid>.<tid>.<seq>; the
    // main thread's is tid 0.
    const dir = join(options.cpuProfDir, kind);
    mkdirSync(dir, { recursive: true });
    args.push('--cpu-prof', '--cpu-prof-dir', dir);
  }
  // Extra node flags for diagnostics (e.g. --perf-basic-prof for perf record).
  args.push(...(process.env.BENCH_RELAY_NODE_ARGS ?? '').split(' ').filter(Boolean));
  if (options.bundle) args.push(options.bundle);
  else args.push('--import', 'tsx', ENTRY[kind]);
  const child = spawn(process.execPath, args, {
    cwd: BENCH_ROOT,
    stdio: ['ignore', logFd, logFd, 'ipc'],
    env: {
      ...process.env,
      BENCH_SERVER_CONFIG: JSON.stringify(options.serverConfig ?? {}),
      NODE_OPTIONS: '',
      BENCH_EXPERIMENTS: [...(options.experiments ?? [])].join(','),
      ...(serverHasBufferutil() || options.experiments?.has('bufferutil') ? {} : { WS_NO_BUFFER_UTIL: '1' }),
    },
  });
  closeSync(logFd);
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => live.delete(child));

  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  let nextId = 1;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} child did not get ready in time; see ${options.logFile}`)), options.readyTimeoutMs ?? 30_000);
    child.on('message', (msg: ChildMessage) => {
      if (msg.type === 'ready') {
        clearTimeout(timer);
        resolve(msg.url);
      } else if (msg.type === 'result') {
        pending.get(msg.id)?.resolve(msg.value);
        pending.delete(msg.id);
      } else if (msg.type === 'failed') {
        if (msg.id !== undefined) {
          pending.get(msg.id)?.reject(new Error(msg.message));
          pending.delete(msg.id);
        } else {
          clearTimeout(timer);
          reject(new Error(`${kind} child failed to start: ${msg.message}`));
        }
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${kind} child exited (${signal ?? code}) before it was ready; see ${options.logFile}`));
    });
  }).catch((err: Error) => {
    child.kill('SIGKILL');
    throw err;
  });

  const pid = child.pid!;
  const call = (method: ChildMethod, args: string[]): Promise<unknown> => {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.send({ type: 'call', id, method, args } satisfies ParentMessage);
    });
  };
  return {
    kind,
    pid,
    url,
    async approve(uuid, owner) {
      await call('approve', [uuid, owner]);
    },
    async counters(uuid) {
      return (await call('counters', [uuid])) as RelayCounters | null;
    },
    async cpuUsage() {
      const { user, system } = (await call('cpuUsage', [])) as NodeJS.CpuUsage;
      return { userMs: user / 1000, sysMs: system / 1000 };
    },
    async memoryUsage() {
      return (await call('memoryUsage', [])) as NodeJS.MemoryUsage;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ type: 'stop' } satisfies ParentMessage);
      else child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
