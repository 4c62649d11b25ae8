/**
 * Which parts of a JPEG changed since the previous one, found in the DCT
 * domain, and the changed region re-packed as a small JPEG (see
 * jpeg_delta.c for why this is exact and cheap). The addon is optional: a
 * machine without a C compiler or libjpeg-turbo's headers gets `{ ok: false }`
 * from {@link loadJpegDelta} with the reason, and callers use another path.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The iMCU grid of the frame just scanned and what changed in it. */
export interface ScanResult {
  readonly width: number;
  readonly height: number;
  /** Pixel size of one iMCU (16×16 for 4:2:0 colour, 8×8 for greyscale): crops start on this grid. */
  readonly mcuWidth: number;
  readonly mcuHeight: number;
  readonly cols: number;
  readonly rows: number;
  /** One byte per iMCU, row-major, 1 where it changed; null when the previous frame is not comparable (none, other size or tables). */
  readonly changed: Uint8Array | null;
}

export type JpegDeltaErrorCode =
  | 'JPEG_DELTA_DECODE'
  | 'JPEG_DELTA_PIXELS'
  | 'JPEG_DELTA_TIMEOUT'
  | 'JPEG_DELTA_SCANS'
  | 'JPEG_DELTA_UNSUPPORTED'
  | 'JPEG_DELTA_INPUT'
  | 'JPEG_DELTA_RANGE'
  | 'JPEG_DELTA_STATE'
  | 'JPEG_DELTA_ENCODE';

/** A refused frame or crop; `code` says which rule, the message what libjpeg said. */
export class JpegDeltaError extends Error {
  readonly code: JpegDeltaErrorCode;
  constructor(code: JpegDeltaErrorCode, message: string) {
    super(message);
    this.name = 'JpegDeltaError';
    this.code = code;
  }
}

interface Addon {
  readonly libjpegTurbo: string;
  create(): object;
  scan(handle: object, jpeg: Buffer, maxPixels: number, timeoutMs: number): ScanResult;
  crop(handle: object, x: number, y: number, w: number, h: number): Buffer;
  reset(handle: object): void;
}

export interface JpegDeltaLimits {
  /** A frame with more pixels is refused before its coefficients are read. */
  readonly maxPixels: number;
  /** Reading a frame's coefficients is abandoned past this (checked per iMCU row). */
  readonly timeoutMs: number;
}

/** One stream's state: the coefficients of the last frame scanned. Synchronous; about 1 ms per 936×702 frame. */
export class JpegDelta {
  readonly #addon: Addon;
  readonly #handle: object;
  readonly #limits: JpegDeltaLimits;

  constructor(addon: Addon, limits: JpegDeltaLimits) {
    this.#addon = addon;
    this.#handle = addon.create();
    this.#limits = limits;
  }

  /** Reads `jpeg`'s coefficients, compares them with the last frame's, and holds them for the next call and for {@link crop}. */
  scan(jpeg: Buffer): ScanResult {
    return wrap(() => this.#addon.scan(this.#handle, jpeg, this.#limits.maxPixels, this.#limits.timeoutMs));
  }

  /** The last scanned frame's region as a JPEG; x and y on the iMCU grid. */
  crop(x: number, y: number, w: number, h: number): Buffer {
    return wrap(() => this.#addon.crop(this.#handle, x, y, w, h));
  }

  /** Forgets the held frame (its memory: about 2 bytes per pixel). */
  reset(): void {
    this.#addon.reset(this.#handle);
  }
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('JPEG_DELTA_')) throw new JpegDeltaError(code as JpegDeltaErrorCode, (err as Error).message);
    throw err;
  }
}

export interface JpegDeltaLoaded {
  readonly libjpegTurbo: string;
  create(limits: JpegDeltaLimits): JpegDelta;
}

export type JpegDeltaLoad = { readonly ok: true; readonly delta: JpegDeltaLoaded } | { readonly ok: false; readonly reason: string };

/** The addon's file name; a bundle (the server's dist/, the bench's children) carries a copy beside itself. */
export const ADDON_FILE = 'jpeg_delta.node';
/** Where `pnpm install` builds it (build.mjs). */
export const ADDON_BUILD_PATH = join(dirname(dirname(fileURLToPath(import.meta.url))), 'build', ADDON_FILE);
let cached: JpegDeltaLoad | undefined;

/**
 * The addon, or why it is not there: `JPEG_DELTA_ADDON` if set, else a copy
 * beside the running module (bundled), else the package's build.
 */
export function loadJpegDelta(env: NodeJS.ProcessEnv = process.env): JpegDeltaLoad {
  const override = env.JPEG_DELTA_ADDON;
  if (!override && cached) return cached;
  const beside = join(dirname(fileURLToPath(import.meta.url)), ADDON_FILE);
  const path = override ?? (existsSync(beside) ? beside : ADDON_BUILD_PATH);
  let result: JpegDeltaLoad;
  if (!existsSync(path)) {
    result = { ok: false, reason: `${path} is not built (pnpm --filter @booxstream/jpeg-delta build)` };
  } else {
    try {
      const addon = createRequire(import.meta.url)(path) as Addon;
      result = { ok: true, delta: { libjpegTurbo: addon.libjpegTurbo, create: (limits) => new JpegDelta(addon, limits) } };
    } catch (err) {
      result = { ok: false, reason: `${path} does not load: ${(err as Error).message}` };
    }
  }
  if (!override) cached = result;
  return result;
}
