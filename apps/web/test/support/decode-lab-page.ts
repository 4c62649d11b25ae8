/**
 * Browser side of the decode lab: runs the app's own decoder module on frames
 * served by decode-lab.ts. Bundled by esbuild and loaded into a page; the
 * functions are called from Node with `page.evaluate`.
 */
import {
  availableDecoders, FramePipeline, raceDecoders, type DecoderKind, type JpegBytes,
} from '../../src/decoder.js';

/** Per-frame timings of one decode path, in ms. */
export interface PathTimings {
  readonly kind: DecoderKind;
  /** Decode alone (the promise resolving to a drawable image). */
  readonly decodeMs: number[];
  /** Decode, drawImage, and a 1-pixel read-back that forces the canvas to finish drawing. */
  readonly decodePaintMs: number[];
}

export interface BurstResult {
  readonly pushed: number;
  readonly painted: number[];
  readonly dropped: number;
}

declare global {
  var decodeLab: {
    load(count: number): Promise<number>;
    paths(): Promise<DecoderKind[]>;
    measure(kind: DecoderKind): Promise<PathTimings>;
    race(): Promise<{ kind: DecoderKind; medianMs: Record<string, number> }>;
    burst(count: number): Promise<BurstResult>;
  };
}

const frames: JpegBytes[] = [];
const canvas = document.createElement('canvas');
document.body.append(canvas);
const ctx = canvas.getContext('2d', { alpha: false }) as CanvasRenderingContext2D;

globalThis.decodeLab = {
  async load(count) {
    frames.length = 0;
    for (let i = 0; i < count; i++) {
      const res = await fetch(`frame/${i}`);
      frames.push(new Uint8Array(await res.arrayBuffer()));
    }
    return frames.length;
  },

  async paths() {
    return [...(await availableDecoders()).keys()];
  },

  async measure(kind) {
    const decode = (await availableDecoders()).get(kind);
    if (!decode) throw new Error(`${kind} is not available here`);
    const decodeMs: number[] = [];
    const decodePaintMs: number[] = [];
    for (const jpeg of frames) {
      const start = performance.now();
      const image = await decode(jpeg);
      const decoded = performance.now();
      if (canvas.width !== image.width || canvas.height !== image.height) {
        canvas.width = image.width;
        canvas.height = image.height;
      }
      ctx.drawImage(image.source, 0, 0);
      ctx.getImageData(0, 0, 1, 1);
      const painted = performance.now();
      image.close();
      decodeMs.push(decoded - start);
      decodePaintMs.push(painted - start);
    }
    return { kind, decodeMs, decodePaintMs };
  },

  async race() {
    const choice = await raceDecoders(frames[0] as JpegBytes);
    return { kind: choice.kind, medianMs: Object.fromEntries(choice.medianMs) };
  },

  // Every frame pushed at once, as if the socket delivered a burst while the tab was busy.
  async burst(count) {
    const painted: number[] = [];
    let idle!: () => void;
    const done = new Promise<void>((resolve) => (idle = resolve));
    const pipeline = new FramePipeline({
      paint(image, meta) {
        ctx.drawImage(image.source, 0, 0);
        painted.push(meta.seq);
        if (meta.seq === count - 1) idle();
      },
    });
    for (let seq = 0; seq < count; seq++) {
      pipeline.push(frames[seq % frames.length] as JpegBytes, { seq, serverTs: Date.now(), hostTs: Number.NaN, receivedAt: performance.now() });
    }
    await done;
    return { pushed: count, painted, dropped: pipeline.dropped };
  },
};
