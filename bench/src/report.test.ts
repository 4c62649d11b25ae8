import { describe, expect, it } from 'vitest';
import { correctnessFailures, ratios, renderResults, targets, values, type BenchResults } from './report.js';

function results(modes: BenchResults['modes']): BenchResults {
  return {
    machine: { cpu: 'Test CPU', cores: 2, ramGiB: 4, node: 'v20', kernel: '6', date: '2026-01-01', loadAtStart: [0, 0, 0], openFilesLimit: '1024' },
    command: 'pnpm bench',
    runs: 3,
    smoke: false,
    serverConfig: {},
    modes,
  };
}

const steady10 = {
  name: 'steady-10',
  title: 't',
  shape: 's',
  records: [
    { run: 1, server: { cpuPerDelivered: 0.12, cpuPerIngested: 1.2 }, floor: { cpuPerDelivered: 0.1 } },
    { run: 2, server: { cpuPerDelivered: 0.14, cpuPerIngested: 1.4 }, floor: { cpuPerDelivered: 0.1 } },
    { run: 3, server: { cpuPerDelivered: 0.26, cpuPerIngested: 2.6 }, floor: { cpuPerDelivered: 0.2 } },
  ],
};

describe('report', () => {
  it('takes ratios within each run', () => {
    const r = results([steady10]);
    expect(values(r, 'steady-10', 'server', 'cpuPerDelivered')).toEqual([0.12, 0.14, 0.26]);
    expect(ratios(r, 'steady-10', 'cpuPerDelivered').map((x) => +x.toFixed(2))).toEqual([1.2, 1.4, 1.3]);
  });

  it('judges a target on the median with its margin, and marks unmeasured ones', () => {
    const r = results([steady10]);
    const [ratio10, ratio100] = targets({ n100: 'steady-100', idle: 'idle-1000' });
    const t = ratio10!(r);
    expect(t.pass).toBe(true);
    expect(t.figure).toBe('1.30 [1.20–1.40]x');
    const missing = ratio100!(r);
    expect(missing.pass).toBeNull();
  });

  it('reports a miss with how much over', () => {
    const r = results([{ ...steady10, records: steady10.records.map((x) => ({ ...x, floor: { cpuPerDelivered: 0.05 } })) }]);
    const t = targets({ n100: 'steady-100', idle: 'idle-1000' })[0]!(r);
    expect(t.pass).toBe(false);
    expect(t.margin).toMatch(/^missed by .*x over\)$/);
  });

  it('lists correctness failures: crossed hosts, bad bytes, dedup not working', () => {
    const r = results([
      { name: 'two-hosts', title: '', shape: '', records: [{ run: 1, server: { crossHost: 2 }, floor: { crossHost: 0, hashMismatches: 1 } }] },
      { name: 'static-10', title: '', shape: '', records: [{ run: 1, server: { staticByteShare: 0.5 } }] },
    ]);
    const f = correctnessFailures(r);
    expect(f).toHaveLength(3);
    expect(f[0]).toMatch(/another host/);
    expect(f[1]).toMatch(/differ from the device/);
    expect(f[2]).toMatch(/dedup/);
  });

  it('renders the machine line, the targets and a table per mode', () => {
    const md = renderResults(results([steady10]), targets({ n100: 'steady-100', idle: 'idle-1000' }), 'note');
    expect(md).toContain('Machine: Test CPU, 2 cores');
    expect(md).toContain('| CPU/delivered frame, server/floor, 10 viewers | 1.30 [1.20–1.40]x | ≤ 1.30x | **pass**');
    expect(md).toContain('| CPU/delivered frame, 10 viewers, ≤ ⅓ of original 0.185 ms | 0.1400 [0.1200–0.2600] ms | ≤ 0.0617 ms | **MISS**, missed by 127% (0.0783 ms over) | 0.1000 [0.1000–0.2000] ms |');
    expect(md).toContain('### steady-10');
    expect(md).toContain('| CPU ms / delivered frame | 0.1400 [0.1200–0.2600] | 0.1000 [0.1000–0.2000] | 1.30 [1.20–1.40] |');
  });

  it('fails a patches run where a patch viewer got no patch, and judges its bytes and CPU', () => {
    const patches = (jpegDelta: number, sharp: number) => ({
      name: 'patches',
      title: 't',
      shape: 's',
      records: [{ run: 1, server: { patchFramesPatched: jpegDelta, sharpPatchFramesPatched: sharp, patchStrokeBytesPct: 2.8, patchAddedCpu1Ms: 2.5, patchAddedCpu10Ms: 3.5 } }],
    });
    expect(correctnessFailures(results([patches(140, 139)]))).toEqual([]);
    expect(correctnessFailures(results([patches(0, 139)]))).toEqual(['patches run 1 server: a patch viewer received no patch (jpeg-delta 0, sharp 139)']);
    expect(correctnessFailures(results([patches(140, 0)]))[0]).toMatch(/sharp 0/);
    const md = renderResults(results([patches(140, 139)]), targets({ n100: 'steady-100', idle: 'idle-1000' }), 'note');
    expect(md).toMatch(/\| Patches: bytes to a patch viewer per stroke frame[^|]*\| 2\.8% \| ≤ 10\.0%[^|]*\| \*\*pass\*\*/);
    expect(md).toMatch(/\| Patches: added relay CPU per distinct frame, 10 patch viewers \(jpeg-delta\) \| 3\.50 ms \| ≤ 3\.00 ms \| \*\*MISS\*\*/);
  });
});
