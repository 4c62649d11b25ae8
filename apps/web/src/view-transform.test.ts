import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFS, layoutScreen, loadPrefs, nextFit, nextRotation, savePrefs } from './view-transform.js';

const IMAGE = { width: 936, height: 702 };

describe('layoutScreen', () => {
  it('fits the whole page unrotated like object-fit: contain', () => {
    expect(layoutScreen({ width: 1280, height: 702 }, IMAGE, DEFAULT_PREFS)).toEqual({
      width: 936, height: 702, frameWidth: 936, frameHeight: 702, transform: 'none',
    });
  });

  it('swaps the sides for 90 and 270 degrees and keeps the turned screen inside its frame', () => {
    const box = { width: 702, height: 936 };
    const r90 = layoutScreen(box, IMAGE, { rotation: 90, fit: 'page' });
    expect(r90).toEqual({ width: 936, height: 702, frameWidth: 702, frameHeight: 936, transform: 'translate(702px, 0px) rotate(90deg)' });
    const r270 = layoutScreen(box, IMAGE, { rotation: 270, fit: 'page' });
    expect(r270.transform).toBe('translate(0px, 936px) rotate(270deg)');
    const r180 = layoutScreen({ width: 936, height: 702 }, IMAGE, { rotation: 180, fit: 'page' });
    expect(r180.transform).toBe('translate(936px, 702px) rotate(180deg)');
    expect([r180.frameWidth, r180.frameHeight]).toEqual([936, 702]);
  });

  it('maps each corner of the screen into the frame for every rotation', () => {
    for (const rotation of [0, 90, 180, 270] as const) {
      const l = layoutScreen({ width: 500, height: 500 }, { width: 400, height: 200 }, { rotation, fit: 'page' });
      const m = /translate\((\d+)px, (\d+)px\) rotate\((\d+)deg\)/.exec(l.transform) ?? ['', '0', '0', '0'];
      const [tx, ty, deg] = [Number(m[1]), Number(m[2]), Number(m[3])];
      const rad = (deg * Math.PI) / 180;
      for (const [x, y] of [[0, 0], [l.width, 0], [0, l.height], [l.width, l.height]]) {
        const px = Math.round(x! * Math.cos(rad) - y! * Math.sin(rad) + tx);
        const py = Math.round(x! * Math.sin(rad) + y! * Math.cos(rad) + ty);
        expect(px).toBeGreaterThanOrEqual(0);
        expect(py).toBeGreaterThanOrEqual(0);
        expect(px).toBeLessThanOrEqual(l.frameWidth);
        expect(py).toBeLessThanOrEqual(l.frameHeight);
      }
    }
  });

  it('fills the width or the height when asked, overflowing the other side', () => {
    const box = { width: 400, height: 300 };
    expect(layoutScreen(box, IMAGE, { rotation: 0, fit: 'width' })).toMatchObject({ width: 400, height: 300 });
    const tall = layoutScreen(box, IMAGE, { rotation: 90, fit: 'width' });
    expect(tall.frameWidth).toBe(400);
    expect(tall.frameHeight).toBeGreaterThan(300);
    const wide = layoutScreen(box, IMAGE, { rotation: 90, fit: 'height' });
    expect(wide.frameHeight).toBe(300);
  });

  it('gives an empty layout for an empty box or image', () => {
    expect(layoutScreen({ width: 0, height: 10 }, IMAGE, DEFAULT_PREFS).width).toBe(0);
  });
});

describe('prefs', () => {
  it('cycles rotation and fit', () => {
    expect([0, 90, 180, 270].map((r) => nextRotation(r as 0))).toEqual([90, 180, 270, 0]);
    expect(nextFit('page')).toBe('width');
    expect(nextFit('width')).toBe('height');
    expect(nextFit('height')).toBe('page');
  });

  it('remembers them per device and ignores what it cannot read', () => {
    const map = new Map<string, string>();
    const storage = { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v) };
    savePrefs(storage, 'a', { rotation: 90, fit: 'width' });
    expect(loadPrefs(storage, 'a')).toEqual({ rotation: 90, fit: 'width' });
    expect(loadPrefs(storage, 'b')).toEqual(DEFAULT_PREFS);
    map.set('booxstream.view.c', '{"rotation":45,"fit":"zoom"}');
    expect(loadPrefs(storage, 'c')).toEqual(DEFAULT_PREFS);
    map.set('booxstream.view.d', 'not json');
    expect(loadPrefs(storage, 'd')).toEqual(DEFAULT_PREFS);
    expect(loadPrefs(null, 'a')).toEqual(DEFAULT_PREFS);
    const full = { setItem: () => { throw new Error('QuotaExceededError'); } };
    expect(() => savePrefs(full, 'a', DEFAULT_PREFS)).not.toThrow();
  });
});
