/**
 * One measured relay: its child process, and the hosts (device + ledger +
 * viewers) the bench drives through it. Modes build on this; it owns every
 * socket and process it opens and closes them all in `close()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RelayCounters } from './child-ipc.js';
import { DeviceDriver } from './drivers/device.js';
import { ViewerDriver } from './drivers/viewer.js';
import { Ledger } from './ledger.js';
import type { FrameMessage } from './payloads.js';
import { readCpuSplit, readMemory, readThreadCpu, RssSampler, type CpuSplit } from './proc-stat.js';
import { startRelayProcess, type RelayKind, type RelayProcess } from './relay-process.js';
import { addHost, type HostEndpoints } from './targets.js';

/** Every this-many frame ids, the sent JPEG's hash is kept for viewers to check. */
const HASH_EVERY = 16;

export interface CpuSnapshot {
  /** getrusage in the relay, µs resolution. */
  readonly usage: CpuSplit;
  /** /proc/<pid>/stat utime and stime, in 10 ms ticks. */
  readonly stat: CpuSplit;
  readonly threads: ReadonlyMap<string, number>;
}

export interface CpuWindow {
  /**
   * utime+stime over the window. The kernel's counters, read with getrusage in
   * the relay: /proc/<pid>/stat holds the same sum rounded to 10 ms ticks, which
   * is ±7% of the server's ~150 ms in a 20 s window at 10 viewers.
   */
  readonly totalMs: number;
  readonly userMs: number;
  readonly sysMs: number;
  /** The same window's utime+stime read from /proc/<pid>/stat (10 ms ticks), as a cross-check. */
  readonly statTotalMs: number;
  /** The JS thread ("node"); the rest is V8 helpers (GC, compiler) and the libuv pool. */
  readonly mainThreadMs: number;
}

export function cpuDelta(a: CpuSnapshot, b: CpuSnapshot): CpuWindow {
  const userMs = b.usage.userMs - a.usage.userMs;
  const sysMs = b.usage.sysMs - a.usage.sysMs;
  const statTotalMs = b.stat.userMs + b.stat.sysMs - (a.stat.userMs + a.stat.sysMs);
  return { totalMs: userMs + sysMs, userMs, sysMs, statTotalMs, mainThreadMs: (b.threads.get('node') ?? 0) - (a.threads.get('node') ?? 0) };
}

export interface SessionOptions {
  readonly kind: RelayKind;
  readonly hosts: number;
  readonly viewersPerHost: number;
  /** Prepared frame messages for host index `h` (each host gets its own). */
  readonly pool: (hostIndex: number) => FrameMessage[];
  /** Overrides for `startServer` (server only). */
  readonly serverConfig: Record<string, unknown>;
  readonly logFile: string;
  readonly cpuProfDir?: string;
  /** Bundled child entry (plain node); the TypeScript source through tsx when absent. */
  readonly bundle?: string;
  readonly experiments?: ReadonlySet<string>;
  /** Viewers per host (the first ones) that hash-check sampled frames. [hashCheckers=2] */
  readonly hashCheckers?: number;
  /** [connectDevices=true] */
  readonly connectDevices?: boolean;
}

export interface HostRig {
  readonly endpoints: HostEndpoints;
  readonly ledger: Ledger;
  readonly pool: FrameMessage[];
  device: DeviceDriver | null;
  readonly viewers: ViewerDriver[];
}

export class Session {
  readonly relay: RelayProcess;
  readonly hosts: HostRig[] = [];
  readonly rss: RssSampler;
  /** RSS right after the relay reported ready, before any client connected. */
  readonly rssReady: number;
  readonly #dataDir: string;
  readonly #options: SessionOptions;

  private constructor(relay: RelayProcess, dataDir: string, options: SessionOptions) {
    this.relay = relay;
    this.#dataDir = dataDir;
    this.#options = options;
    this.rss = new RssSampler(relay.pid);
    this.rssReady = readMemory(relay.pid).rss;
    this.rss.start(250);
  }

  static async open(options: SessionOptions): Promise<Session> {
    const dataDir = mkdtempSync(join(tmpdir(), 'booxstream-bench-'));
    let relay: RelayProcess;
    try {
      relay = await startRelayProcess(options.kind, {
        serverConfig: { ...options.serverConfig, dataDir },
        logFile: options.logFile,
        ...(options.cpuProfDir ? { cpuProfDir: options.cpuProfDir } : {}),
        ...(options.bundle ? { bundle: options.bundle } : {}),
        ...(options.experiments ? { experiments: options.experiments } : {}),
      });
    } catch (err) {
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
    const session = new Session(relay, dataDir, options);
    try {
      for (let h = 0; h < options.hosts; h++) await session.#addHost(h);
    } catch (err) {
      await session.close();
      throw err;
    }
    return session;
  }

  async #addHost(h: number): Promise<void> {
    const tag = h + 1;
    const endpoints = await addHost(this.relay, tag);
    const rig: HostRig = { endpoints, ledger: new Ledger(tag), pool: this.#options.pool(h), device: null, viewers: [] };
    this.hosts.push(rig);
    if (this.#options.connectDevices ?? true) {
      rig.device = await DeviceDriver.connect({ url: endpoints.deviceUrl, token: endpoints.token });
    }
    await this.addViewers(rig, this.#options.viewersPerHost);
  }

  /** Opens `count` more viewers on a host, a batch at a time so the handshakes don't time out. */
  async addViewers(rig: HostRig, count: number, batch = 50): Promise<ViewerDriver[]> {
    const added: ViewerDriver[] = [];
    const checkers = this.#options.hashCheckers ?? 2;
    for (let i = 0; i < count; i += batch) {
      const n = Math.min(batch, count - i);
      const opened = await Promise.all(
        Array.from({ length: n }, () =>
          ViewerDriver.connect({
            url: rig.endpoints.viewerUrl,
            headers: rig.endpoints.viewerHeaders,
            headerBytes: rig.endpoints.viewerHeaderBytes,
            ledger: rig.ledger,
            checkHashes: rig.viewers.length + added.length < checkers,
          }),
        ),
      );
      // Preserve the order hash-checkers were chosen in.
      added.push(...opened);
      rig.viewers.push(...opened);
    }
    return added;
  }

  /**
   * Sends the next frame of a host: a new id stamped into the next pool entry,
   * or (`repeat`) the previous message again with only a new timestamp, as the
   * app does when the screen did not change.
   */
  sendFrame(rig: HostRig, repeat = false, onWritten?: (err?: Error) => void): number {
    const device = rig.device;
    if (!device) throw new Error('host has no device connected');
    const ledger = rig.ledger;
    const id = repeat && ledger.sent > 0 ? ledger.sent - 1 : ledger.sent;
    const msg = rig.pool[id % rig.pool.length]!;
    if (!repeat || ledger.sent === 0) {
      msg.stampId(ledger.tag, id);
      if (id % HASH_EVERY === 0) ledger.hashes.set(id, msg.jpegHash());
    }
    msg.stampTime(Date.now());
    ledger.record(id, performance.now());
    device.send(msg.buffer, onWritten);
    return id;
  }

  /**
   * Sends `count` frames to every host at `fps`, on a schedule anchored at the
   * start (no drift), bounded by count.
   */
  async paced(fps: number, count: number, repeat = false): Promise<void> {
    const period = 1000 / fps;
    const start = performance.now();
    for (let k = 0; k < count; k++) {
      const due = start + k * period;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      for (const rig of this.hosts) this.sendFrame(rig, repeat);
    }
  }

  /**
   * Sends `count` frames of one host as fast as its device socket drains: a
   * new frame each time ws hands one to the kernel, `inFlight` at most.
   * Resolves with the time the last one was written (NaN on timeout).
   */
  burst(rig: HostRig, count: number, inFlight = 2, timeoutMs = 60_000): Promise<number> {
    let sent = 0;
    let written = 0;
    let pending = 0;
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => resolve(Number.NaN), timeoutMs);
      const pump = () => {
        while (pending < inFlight && sent < count) {
          pending++;
          sent++;
          this.sendFrame(rig, false, (err) => {
            if (err) {
              clearTimeout(timer);
              reject(err);
              return;
            }
            pending--;
            written++;
            if (written === count) {
              clearTimeout(timer);
              resolve(performance.now());
            } else pump();
          });
        }
      };
      if (count === 0) {
        clearTimeout(timer);
        resolve(performance.now());
      } else pump();
    });
  }

  /**
   * Brings both relays to the same steady state before a window: V8 tiers a
   * function up after a budget of executions, not after wall time, and at
   * 10 fps the server's hot path was still being compiled 30-50 s in (up to a
   * third of its CPU went to TurboFan threads in the first 20 s). A burst of
   * frames to every host runs the ingest and fan-out paths enough times for
   * that in under a second; then `settleMs` at `fps` returns to the steady
   * pattern (and, for static mode, sends the one distinct frame).
   */
  async warmUp(frames: number, fps: number, settleMs: number, repeat = false): Promise<void> {
    for (const rig of this.hosts) await this.burst(rig, frames);
    await this.drained(2000);
    await this.paced(fps, Math.max(1, Math.round((settleMs / 1000) * fps)), repeat);
    await this.drained(1000);
  }

  /** Waits until every viewer of every host has the newest id sent, or `maxMs`. */
  async drained(maxMs = 1000): Promise<void> {
    const deadline = performance.now() + maxMs;
    while (performance.now() < deadline) {
      const done = this.hosts.every((rig) => rig.viewers.every((v) => v.newestId >= rig.ledger.sent - 1));
      if (done) return;
      await sleep(10);
    }
  }

  /** CPU so far, split by user/system and by thread, for a window's delta. */
  async cpuSnapshot(): Promise<CpuSnapshot> {
    const usage = await this.relay.cpuUsage();
    return { usage, stat: readCpuSplit(this.relay.pid), threads: readThreadCpu(this.relay.pid) };
  }

  counters(rig: HostRig): Promise<RelayCounters | null> {
    return this.relay.counters(rig.endpoints.id);
  }

  allViewers(): ViewerDriver[] {
    return this.hosts.flatMap((rig) => rig.viewers);
  }

  async close(): Promise<void> {
    this.rss.stop();
    const viewers = this.allViewers();
    // Terminate rather than handshake: 1,000 polite closes cost seconds and measure nothing.
    for (const v of viewers) v.terminate();
    await Promise.all(this.hosts.map((rig) => rig.device?.close()));
    await this.relay.stop();
    rmSync(this.#dataDir, { recursive: true, force: true });
  }
}
