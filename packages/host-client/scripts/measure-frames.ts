/**
 * Measures the synthetic e-ink generator: time to render and encode one distinct
 * 936x702 frame, and the JPEG and legacy message sizes. A script, not a test:
 * the figures depend on the machine.
 *
 *   npx tsx scripts/measure-frames.ts [frames=50]
 */
import { encodeLegacyFrame } from '@booxstream/protocol';
import { encodeRasterJpeg, renderEinkRaster, STROKES_PER_PAGE } from '../src/sources/synthetic-eink.js';

const frames = Number(process.argv[2] ?? 50);
if (!Number.isInteger(frames) || frames < 1) {
  console.error('frames: must be a positive integer');
  process.exit(2);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

interface Sample { render: number; encode: number; bytes: number; message: number }

async function run(label: string, indexOf: (i: number) => number): Promise<void> {
  await encodeRasterJpeg(renderEinkRaster(indexOf(0) + 7)); // warm sharp's thread pool, not counted
  const samples: Sample[] = [];
  for (let i = 0; i < frames; i++) {
    const t0 = performance.now();
    const raster = renderEinkRaster(indexOf(i));
    const t1 = performance.now();
    const jpeg = await encodeRasterJpeg(raster, 60);
    const t2 = performance.now();
    samples.push({ render: t1 - t0, encode: t2 - t1, bytes: jpeg.length, message: encodeLegacyFrame(jpeg, Date.now()).length });
  }
  const f = (xs: number[], d = 2) => `median ${median(xs).toFixed(d)}  p90 ${pct(xs, 0.9).toFixed(d)}`;
  const total = samples.map((s) => s.render + s.encode);
  console.log(`${label} (${frames} distinct 936x702 frames, quality 60)`);
  console.log(`  render (pixels)     ms  ${f(samples.map((s) => s.render))}`);
  console.log(`  encode (sharp JPEG) ms  ${f(samples.map((s) => s.encode))}`);
  console.log(`  render + encode     ms  ${f(total)}  -> ${(1000 / median(total)).toFixed(0)} distinct frames/s on one thread`);
  console.log(`  JPEG                KB  ${f(samples.map((s) => s.bytes / 1024), 1)}  min ${(Math.min(...samples.map((s) => s.bytes)) / 1024).toFixed(1)}  max ${(Math.max(...samples.map((s) => s.bytes)) / 1024).toFixed(1)}`);
  console.log(`  legacy JSON message KB  ${f(samples.map((s) => s.message / 1024), 1)}`);
}

// As a live source produces them: consecutive updates, the page text cached between strokes.
await run('consecutive updates (pen stroke grows, page text cached)', (i) => i);
// Worst case: every frame a new page, so the text is rendered each time.
await run('new page every frame (text re-rendered)', (i) => i * STROKES_PER_PAGE + 5);
