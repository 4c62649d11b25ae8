/**
 * CPU time and memory of a child process, read from Linux procfs.
 *
 * `/proc/<pid>/stat` holds utime and stime (fields 14 and 15, in clock ticks)
 * summed over all of the process's threads, so a relay's figure includes its
 * libuv pool and GC helper threads and nothing of the bench driver. The
 * command name (field 2) is in parentheses and may itself contain spaces or
 * parentheses, so fields are counted from the last `)`.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

export interface CpuTicks {
  readonly utime: number;
  readonly stime: number;
}

/** Parses the text of `/proc/<pid>/stat`. */
export function parseProcStat(text: string): CpuTicks {
  const close = text.lastIndexOf(')');
  if (close < 0) throw new Error('not a /proc/<pid>/stat line: no ")" after the command name');
  // Fields after ")" start at field 3 (state); field n is at index n - 3.
  const fields = text.slice(close + 1).trim().split(/\s+/);
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  if (!Number.isSafeInteger(utime) || !Number.isSafeInteger(stime)) {
    throw new Error(`not a /proc/<pid>/stat line: utime ${fields[11]} / stime ${fields[12]} are not integers`);
  }
  return { utime, stime };
}

/** Reads a `kB` line (`VmRSS`, `VmHWM`, …) of `/proc/<pid>/status` text, in bytes. */
export function parseStatusKb(text: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
  if (!m) throw new Error(`no ${key} line in /proc/<pid>/status`);
  return Number(m[1]) * 1024;
}

let clockTicks: number | undefined;

/** `sysconf(_SC_CLK_TCK)`: ticks per second of utime/stime (100 on every mainstream Linux). */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU time (user + system) a process has used so far, in ms. */
export function readCpuMs(pid: number): number {
  const { utime, stime } = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  return ((utime + stime) * 1000) / clockTicksPerSecond();
}

export interface MemoryReading {
  /** Resident set size now, bytes. */
  readonly rss: number;
  /** Peak resident set size since start or the last {@link resetPeakRss}, bytes. */
  readonly hwm: number;
}

export function readMemory(pid: number): MemoryReading {
  const text = readFileSync(`/proc/${pid}/status`, 'latin1');
  return { rss: parseStatusKb(text, 'VmRSS'), hwm: parseStatusKb(text, 'VmHWM') };
}

/**
 * Resets VmHWM to the current RSS (writing 5 to clear_refs, Linux >= 4.0), so
 * a window's peak can be read without counting startup. Returns false where
 * the kernel refuses; the sampled peak is then the only one.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Samples a process's RSS on a timer; `peak` is the larger of the sampled
 * maximum and the kernel's VmHWM, so a spike between two samples still counts.
 */
export class RssSampler {
  readonly #pid: number;
  #timer: NodeJS.Timeout | null = null;
  #first = Number.NaN;
  #last = Number.NaN;
  #peak = 0;
  /** (ms since start, bytes) pairs, for a trend that a GC sawtooth does not swing. */
  #times: number[] = [];
  #values: number[] = [];
  #startedAt = 0;

  constructor(pid: number) {
    this.#pid = pid;
  }

  /** Starts (or restarts) sampling every `intervalMs`; resets the kernel's peak first. */
  start(intervalMs = 250): void {
    this.stop();
    resetPeakRss(this.#pid);
    const m = readMemory(this.#pid);
    this.#first = m.rss;
    this.#last = m.rss;
    this.#peak = m.rss;
    this.#startedAt = performance.now();
    this.#times = [0];
    this.#values = [m.rss];
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  sample(): MemoryReading | null {
    try {
      const m = readMemory(this.#pid);
      this.#last = m.rss;
      this.#peak = Math.max(this.#peak, m.rss, m.hwm);
      this.#times.push(performance.now() - this.#startedAt);
      this.#values.push(m.rss);
      return m;
    } catch {
      return null; // the process has exited; keep what was read
    }
  }

  /** The samples so far: ms since `start()`, and RSS in bytes. */
  series(): { readonly timesMs: readonly number[]; readonly rssBytes: readonly number[] } {
    return { timesMs: this.#times, rssBytes: this.#values };
  }

  stop(): { start: number; end: number; peak: number; slopePerSec: number } {
    if (this.#timer) {
      this.sample();
      clearInterval(this.#timer);
      this.#timer = null;
    }
    return { start: this.#first, end: this.#last, peak: this.#peak, slopePerSec: slope(this.#times, this.#values) * 1000 };
  }
}

export interface CpuSplit {
  readonly userMs: number;
  readonly sysMs: number;
}

/** User and system CPU time of a process so far, in ms. */
export function readCpuSplit(pid: number): CpuSplit {
  const { utime, stime } = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  const tick = 1000 / clockTicksPerSecond();
  return { userMs: utime * tick, sysMs: stime * tick };
}

/**
 * CPU ms per thread name (`/proc/<pid>/task/<tid>/comm`: "node" is the main
 * thread, "V8 DefaultWorke" V8's GC/compiler helpers, "libuv-worker" the
 * pool), summed over threads of the same name. Threads that exit between two
 * readings are lost, which is why totals come from /proc/<pid>/stat instead.
 */
export function readThreadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  const tick = 1000 / clockTicksPerSecond();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'latin1').trim();
      const { utime, stime } = parseProcStat(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1'));
      out.set(comm, (out.get(comm) ?? 0) + (utime + stime) * tick);
    } catch {
      // thread exited while reading
    }
  }
  return out;
}

/** Least-squares slope of y over x; NaN with fewer than two points. */
export function slope(x: readonly number[], y: readonly number[]): number {
  const n = Math.min(x.length, y.length);
  if (n < 2) return Number.NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (x[i]! - mx) * (y[i]! - my);
    den += (x[i]! - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}
