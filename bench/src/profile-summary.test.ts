import { describe, expect, it } from 'vitest';
import { areaOf, summarizeProfile, type CpuProfile } from './profile-summary.js';

// Frames as this checkout's own files would appear in a profile, wherever it is cloned.
const CHECKOUT = new URL('../../', import.meta.url).href;
const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber, columnNumber: 0 });

describe('summarizeProfile', () => {
  const profile: CpuProfile = {
    startTime: 0,
    endTime: 10_000,
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 3, 4, 5] },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('ingestBase64', `${CHECKOUT}apps/server/src/relay/channel.ts`, 71) },
      { id: 4, callFrame: frame('mask', `${CHECKOUT}node_modules/.pnpm/ws@8.23.0/node_modules/ws/lib/buffer-util.js`, 9) },
      { id: 5, callFrame: frame('(garbage collector)') },
    ],
    // Each sample owns the delta that follows it.
    samples: [2, 3, 3, 4, 5, 2],
    timeDeltas: [0, 1000, 2000, 1000, 3000, 500],
  };

  it('attributes time to the sample it follows and leaves idle out of the busy share', () => {
    const s = summarizeProfile(profile);
    expect(s.totalMs).toBeCloseTo(7.5);
    expect(s.busyMs).toBeCloseTo(6.5);
    expect(s.rows[0]).toMatchObject({ name: 'ingestBase64', area: 'apps/server', location: 'apps/server/src/relay/channel.ts:72' });
    expect(s.rows[0]!.selfMs).toBeCloseTo(3);
    expect(s.areas.map((a) => [a.area, a.selfMs])).toEqual([['apps/server', 3], ['dep: ws', 3], ['gc', 0.5]]);
  });
});

describe('summarizeProfile with a window', () => {
  it('keeps only samples taken inside it', () => {
    const profile: CpuProfile = {
      startTime: 1000,
      endTime: 5000,
      nodes: [
        { id: 1, callFrame: frame('startup', 'node:internal/modules/esm/hooks') },
        { id: 2, callFrame: frame('relay', `${CHECKOUT}apps/server/src/relay/channel.ts`) },
      ],
      // Sample times 1000, 2000, 3000, 4000.
      samples: [1, 2, 2, 1],
      timeDeltas: [0, 1000, 1000, 1000],
    };
    const s = summarizeProfile(profile, 10, { fromUs: 2000, toUs: 4000 });
    expect(s.rows.map((r) => r.name)).toEqual(['relay']);
    expect(s.busyMs).toBeCloseTo(2);
  });
});

describe('areaOf', () => {
  it('names pnpm dependencies, node internals and program time', () => {
    expect(areaOf('file:///x/node_modules/.pnpm/ws@8.23.0/node_modules/ws/lib/sender.js', 'f')).toBe('dep: ws');
    expect(areaOf('file:///x/node_modules/.pnpm/@scope+p@1/node_modules/@scope/p/a.js', 'f')).toBe('dep: @scope/p');
    expect(areaOf('node:net', 'f')).toBe('node internals');
    expect(areaOf('', '(program)')).toBe('native/program');
  });
});
