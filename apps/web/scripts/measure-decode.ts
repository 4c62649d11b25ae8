/**
 * Measures decode and decode+paint time per 936×702 JPEG in headless Chromium,
 * for each decode path of the app's decoder module (createImageBitmap and
 * WebCodecs ImageDecoder). Not a test: it prints figures for the issue note.
 *
 *   pnpm --filter @booxstream/web measure-decode [-- --frames 100 --rounds 3]
 *
 * Frames are N distinct pages from the demo device's synthetic e-ink generator
 * (quality 60, 4:2:0, like the Android app). "decode+paint" is decode, drawImage
 * onto a 2D canvas, and a 1-pixel getImageData that forces the draw to finish.
 */
import { parseArgs } from 'node:util';
import { launchChromium, CHROMIUM_PATH } from '../test/harness.js';
import { startDecodeLab } from '../test/support/decode-lab.js';

const { values } = parseArgs({
  options: { frames: { type: 'string', default: '100' }, rounds: { type: 'string', default: '3' } },
});
const frames = Number(values.frames);
const rounds = Number(values.rounds);
if (!(Number.isInteger(frames) && frames > 0 && frames <= 1000 && Number.isInteger(rounds) && rounds > 0 && rounds <= 20)) {
  throw new Error('--frames must be 1..1000 and --rounds 1..20');
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

const lab = await startDecodeLab(frames);
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(lab.url);
  await page.waitForFunction(() => 'decodeLab' in globalThis);
  await page.evaluate((n) => globalThis.decodeLab.load(n), frames);
  const paths = await page.evaluate(() => globalThis.decodeLab.paths());
  // One untimed pass per path, so neither pays for first-use setup.
  for (const kind of paths) await page.evaluate((k) => globalThis.decodeLab.measure(k), kind);

  const decode = new Map(paths.map((k) => [k, [] as number[]]));
  const total = new Map(paths.map((k) => [k, [] as number[]]));
  // Alternate paths round by round so background noise lands on both.
  for (let round = 0; round < rounds; round++) {
    for (const kind of paths) {
      const t = await page.evaluate((k) => globalThis.decodeLab.measure(k), kind);
      decode.get(kind)?.push(...t.decodeMs);
      total.get(kind)?.push(...t.decodePaintMs);
    }
  }
  const race = await page.evaluate(() => globalThis.decodeLab.race());

  const bytes = [...lab.frameBytes].sort((a, b) => a - b);
  const version = browser.version();
  console.log(`Chromium ${version} (${CHROMIUM_PATH}), headless, --disable-gpu; ${frames} distinct 936x702 JPEGs ` +
    `(median ${Math.round(percentile(bytes, 50) / 1024)} KiB), ${rounds} rounds each`);
  console.log('path               decode p50   p95    decode+paint p50   p95');
  for (const kind of paths) {
    const d = decode.get(kind) ?? [];
    const t = total.get(kind) ?? [];
    const f = (n: number): string => `${n.toFixed(2)} ms`.padStart(9);
    console.log(`${kind.padEnd(18)} ${f(percentile(d, 50))} ${f(percentile(d, 95))}    ${f(percentile(t, 50))}     ${f(percentile(t, 95))}`);
  }
  console.log(`startup race (5 decode+draws each on frame 0) picks: ${race.kind} ` +
    `(${Object.entries(race.medianMs).map(([k, v]) => `${k} ${v.toFixed(2)} ms`).join(', ')})`);
} finally {
  await browser.close();
  await lab.close();
}
