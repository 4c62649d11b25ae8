import { describe, expect, it } from 'vitest';
import { parseProcStat, parseStatusKb, readCpuMs, readMemory, slope } from './proc-stat.js';

// A real line's shape; the command name has a space and a parenthesis in it.
const LINE =
  '12345 (node (x) y) S 1 12345 12345 0 -1 4194560 3000 0 0 0 1234 567 0 0 20 0 11 0 9000 1200000000 30000 18446744073709551615 1 1 0 0 0 0 0 16781312 134235650 0 0 0 17 1 0 0 0 0 0';

describe('parseProcStat', () => {
  it('reads utime and stime (fields 14 and 15) counting from the last ")"', () => {
    expect(parseProcStat(LINE)).toEqual({ utime: 1234, stime: 567 });
  });

  it('rejects text that is not a stat line', () => {
    expect(() => parseProcStat('hello')).toThrow(/no "\)"/);
    expect(() => parseProcStat('1 (a) S 1')).toThrow(/not integers/);
  });

  it('reads this process', () => {
    expect(readCpuMs(process.pid)).toBeGreaterThan(0);
  });
});

describe('parseStatusKb', () => {
  const STATUS = 'Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t11\n';
  it('reads kB lines in bytes', () => {
    expect(parseStatusKb(STATUS, 'VmRSS')).toBe(102400 * 1024);
    expect(parseStatusKb(STATUS, 'VmHWM')).toBe(204800 * 1024);
  });

  it('names the missing key', () => {
    expect(() => parseStatusKb(STATUS, 'VmSwap')).toThrow(/VmSwap/);
  });

  it('reads this process', () => {
    const m = readMemory(process.pid);
    expect(m.rss).toBeGreaterThan(0);
    expect(m.hwm).toBeGreaterThanOrEqual(m.rss);
  });
});

describe('slope', () => {
  it('fits a line through a sawtooth', () => {
    const x = Array.from({ length: 40 }, (_, i) => i);
    const y = x.map((v) => 2 * v + (v % 4 === 0 ? 10 : 0));
    expect(slope(x, y)).toBeCloseTo(2, 1);
    expect(slope([1], [1])).toBeNaN();
    expect(slope([1, 1], [1, 2])).toBeNaN();
  });
});
