// Compiles src/jpeg_delta.c into build/jpeg_delta.node against the system's
// libjpeg-turbo (Debian: libjpeg62-turbo-dev) and Node's own Node-API headers.
// Run by `pnpm install` (postinstall): where the compiler or the library is
// missing it says so and exits 0, and the relay uses its slower sharp path.
// `--required` (scripts/ensure-test-deps.mjs, the Docker build) makes that an
// error. Rebuilds only when the source is newer than the addon. The addon looks for
// libjpeg.so.62 beside itself first ($ORIGIN), then in the system's library path:
// the Docker image ships the library next to it instead of installing a package.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'src', 'jpeg_delta.c');
const addon = join(here, 'build', 'jpeg_delta.node');
const required = process.argv.includes('--required');

if (existsSync(addon) && statSync(addon).mtimeMs >= statSync(source).mtimeMs && !process.argv.includes('--force')) process.exit(0);

const candidates = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
const headers = candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
try {
  if (!headers) throw new Error(`node_api.h not found in ${candidates.join(', ')}`);
  mkdirSync(dirname(addon), { recursive: true });
  execFileSync(process.env.CC ?? 'cc', ['-O2', '-Wall', '-Wextra', '-Werror', '-shared', '-fPIC', '-fvisibility=hidden', `-I${headers}`, source, '-o', addon, '-ljpeg', '-Wl,-rpath,$ORIGIN'], { stdio: ['ignore', 'inherit', 'pipe'] });
  console.log(`jpeg-delta: built ${addon}`);
} catch (err) {
  const why = err.stderr?.toString().trim() || err.message;
  const message = `jpeg-delta: not built (${why.split('\n').slice(-3).join(' / ')}); needs a C compiler and libjpeg-turbo headers (Debian: gcc libjpeg62-turbo-dev)`;
  if (required) {
    console.error(message);
    process.exit(1);
  }
  console.warn(`${message}; the relay's data saver uses sharp instead`);
}
