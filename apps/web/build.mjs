// Bundles the viewer app into dist/: app.js (esbuild, minified, with a source map),
// app.css and index.html. Run with `node build.mjs`; tests import `buildWeb`.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Builds the app into `outdir` (default `dist/`). Returns the sizes in bytes of
 * what a browser downloads.
 * @param {{ outdir?: string }} [options]
 */
export async function buildWeb({ outdir = join(here, 'dist') } = {}) {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  await build({
    entryPoints: [join(here, 'src/main.ts')],
    outfile: join(outdir, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // Browsers with WebSocket binary frames, createImageBitmap(Blob) and ES2020 syntax.
    target: ['es2020', 'chrome90', 'firefox90', 'safari15'],
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  });
  await build({
    entryPoints: [join(here, 'src/app.css')],
    outfile: join(outdir, 'app.css'),
    bundle: true,
    minify: true,
    target: ['chrome90', 'firefox90', 'safari15'],
    logLevel: 'warning',
  });
  // Version the asset URLs by content so a proxy or browser cache never pairs a new page with an old script.
  const version = async (file) =>
    createHash('sha256').update(await readFile(join(outdir, file))).digest('hex').slice(0, 12);
  const html = (await readFile(join(here, 'src/index.html'), 'utf8'))
    .replace('href="app.css"', `href="app.css?v=${await version('app.css')}"`)
    .replace('src="app.js"', `src="app.js?v=${await version('app.js')}"`);
  await writeFile(join(outdir, 'index.html'), html);
  const sizes = {};
  for (const file of ['index.html', 'app.js', 'app.css']) sizes[file] = (await stat(join(outdir, file))).size;
  return sizes;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = await buildWeb();
  console.log(Object.entries(sizes).map(([f, n]) => `${f} ${n} B`).join(', '));
}
