/**
 * Bundles the relay child entries with esbuild, the way apps/server ships
 * (its build.mjs bundles src/main.ts and the Docker image runs `node
 * dist/main.js`), so both relays run on plain `node` without a TypeScript
 * loader. Running through `node --import tsx` costs a few ms of CPU per second
 * even when idle (its module-hooks worker), which at 1 viewer and 10 fps is a
 * fifth of the floor's whole figure.
 *
 * Native and worker-spawning modules stay external, as in the server's own
 * build; they are linked into `<outDir>/node_modules` from where apps/server
 * resolves them, so the bundle loads exactly the server's copies. The
 * jpeg-delta addon is copied beside the bundles, where it looks first.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADDON_BUILD_PATH, ADDON_FILE } from '@booxstream/jpeg-delta';
import { build } from 'esbuild';
import type { RelayKind } from './relay-process.js';

const SRC = dirname(fileURLToPath(import.meta.url));
const SERVER_PACKAGE = join(SRC, '..', '..', 'apps', 'server', 'package.json');

/** The server's bundle externals, from the file its build.mjs reads too. */
const EXTERNAL: readonly string[] = (JSON.parse(readFileSync(join(SRC, '..', '..', 'apps', 'server', 'bundle-externals.json'), 'utf8')) as { external: string[] }).external;

export type ChildEntries = Record<RelayKind, string>;

/** Directory of an installed package as apps/server resolves it, or null if it is not installed. */
function serverPackageDir(name: string): string | null {
  const require = createRequire(SERVER_PACKAGE);
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    try {
      // Packages whose "exports" hide package.json: walk up from the main file.
      let dir = dirname(require.resolve(name));
      while (!dir.endsWith(`node_modules/${name}`) && dir !== dirname(dir)) dir = dirname(dir);
      return dir.endsWith(`node_modules/${name}`) ? dir : null;
    } catch {
      return null;
    }
  }
}

export async function bundleChildren(outDir: string): Promise<ChildEntries> {
  const dir = join(outDir, 'children');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  await build({
    entryPoints: { 'server-child': join(SRC, 'server-child.ts'), 'floor-child': join(SRC, 'floor-child.ts') },
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: [...EXTERNAL],
    banner: { js: "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  for (const name of EXTERNAL) {
    const from = serverPackageDir(name);
    if (from) symlinkSync(from, join(dir, 'node_modules', name), 'dir');
  }
  // The bundled jpeg-delta looks for its addon beside the bundle, as in the server's dist/.
  if (existsSync(ADDON_BUILD_PATH)) copyFileSync(ADDON_BUILD_PATH, join(dir, ADDON_FILE));
  return { server: join(dir, 'server-child.mjs'), floor: join(dir, 'floor-child.mjs') };
}
