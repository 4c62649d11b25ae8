// Bundles src/main.ts into dist/main.js for the Docker image, which runs
// `node dist/main.js` with production dependencies only. Native and
// optional modules stay external and are resolved from node_modules.
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const { external } = JSON.parse(readFileSync(new URL('./bundle-externals.json', import.meta.url), 'utf8'));

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // Native addons and pino (worker threads by file path) come from node_modules: bundle-externals.json.
  external,
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: { js: "import { createRequire as __bxsCreateRequire } from 'node:module'; const require = __bxsCreateRequire(import.meta.url);" },
  logLevel: 'info',
};

await build({ ...common, entryPoints: ['src/main.ts'], outfile: 'dist/main.js' });
// `pnpm backup` / `pnpm restore` in the image: `node dist/ops.js backup`.
await build({ ...common, entryPoints: ['src/ops/cli.ts'], outfile: 'dist/ops.js' });

// The jpeg-delta addon is loaded from beside the bundle (dist/jpeg_delta.node); without it
// the relay's patches fall back to sharp. The Docker build makes it with --required first.
const addon = builtAddon();
if (addon) copyFileSync(addon, 'dist/jpeg_delta.node');
else console.warn('build: @booxstream/jpeg-delta is not built; dist/ has no jpeg-delta (patches use sharp)');

function builtAddon() {
  try {
    // resolve() throws when the file is not there (not built: no compiler at install).
    const path = createRequire(import.meta.url).resolve('@booxstream/jpeg-delta/addon');
    return existsSync(path) ? path : null;
  } catch {
    return null;
  }
}
