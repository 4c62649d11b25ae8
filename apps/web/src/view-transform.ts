/**
 * Per-viewer rotation and fit of the screen, and where they are remembered.
 * A tablet held in landscape, or a page read better at full width, is the
 * viewer's choice, not the device's: it is kept per device in this browser.
 */
import type { Size } from './fit.js';

export type Rotation = 0 | 90 | 180 | 270;
/** `page`: the whole screen in view; `width`/`height`: fill that side and scroll the other. */
export type FitMode = 'page' | 'width' | 'height';

export interface ViewPrefs {
  readonly rotation: Rotation;
  readonly fit: FitMode;
}

export const DEFAULT_PREFS: ViewPrefs = { rotation: 0, fit: 'page' };

export interface ScreenLayout {
  /** CSS size of the canvas element itself (before rotation). */
  readonly width: number;
  readonly height: number;
  /** The room it takes once rotated (the frame around it). */
  readonly frameWidth: number;
  readonly frameHeight: number;
  /** CSS transform with origin at the top left corner. */
  readonly transform: string;
}

/** Lays a `image`-sized screen out in `box` for the viewer's rotation and fit. */
export function layoutScreen(box: Size, image: Size, prefs: ViewPrefs): ScreenLayout {
  const turned = prefs.rotation === 90 || prefs.rotation === 270;
  const rotated = turned ? { width: image.height, height: image.width } : image;
  if (!(box.width > 0 && box.height > 0 && image.width > 0 && image.height > 0)) {
    return { width: 0, height: 0, frameWidth: 0, frameHeight: 0, transform: 'none' };
  }
  const scale = prefs.fit === 'width' ? box.width / rotated.width
    : prefs.fit === 'height' ? box.height / rotated.height
    : Math.min(box.width / rotated.width, box.height / rotated.height);
  // Floor so rounding never overflows the box by a pixel (scrollbars in "page" fit).
  const width = Math.max(1, Math.floor(image.width * scale));
  const height = Math.max(1, Math.floor(image.height * scale));
  // rotate() turns the element about its top left corner; translate() puts it back in its frame.
  const transform = prefs.rotation === 0 ? 'none'
    : prefs.rotation === 90 ? `translate(${height}px, 0px) rotate(90deg)`
    : prefs.rotation === 180 ? `translate(${width}px, ${height}px) rotate(180deg)`
    : `translate(0px, ${width}px) rotate(270deg)`;
  return { width, height, frameWidth: turned ? height : width, frameHeight: turned ? width : height, transform };
}

export function nextRotation(r: Rotation): Rotation {
  return ((r + 90) % 360) as Rotation;
}

export function nextFit(f: FitMode): FitMode {
  return f === 'page' ? 'width' : f === 'width' ? 'height' : 'page';
}

const KEY_PREFIX = 'booxstream.view.';

/** Reads a device's saved prefs; anything unreadable gives the defaults. */
export function loadPrefs(storage: Pick<Storage, 'getItem'> | null, uuid: string): ViewPrefs {
  try {
    const raw = storage?.getItem(KEY_PREFIX + uuid);
    if (!raw) return DEFAULT_PREFS;
    const v = JSON.parse(raw) as Partial<ViewPrefs>;
    const rotation = [0, 90, 180, 270].includes(v.rotation as number) ? (v.rotation as Rotation) : 0;
    const fit = v.fit === 'width' || v.fit === 'height' ? v.fit : 'page';
    return { rotation, fit };
  } catch {
    return DEFAULT_PREFS;
  }
}

export function savePrefs(storage: Pick<Storage, 'setItem'> | null, uuid: string, prefs: ViewPrefs): void {
  try {
    storage?.setItem(KEY_PREFIX + uuid, JSON.stringify(prefs));
  } catch {
    // Storage full or disabled (private mode): the choice lasts for this page only.
  }
}

export function describePrefs(p: ViewPrefs): { rotate: string; fit: string } {
  return {
    rotate: p.rotation === 0 ? 'Rotate' : `Rotated ${p.rotation}°`,
    fit: p.fit === 'page' ? 'Fit: page' : p.fit === 'width' ? 'Fit: width' : 'Fit: height',
  };
}
