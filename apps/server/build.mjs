// Bundles src/main.ts into dist/main.js for the Docker image, which runs
// `node dist/main.js` with production dependencies only. Native and
// optional modules stay external and are resolved from node_modules.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/main.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // better-sqlite3 and sharp load .node addons; pino spawns worker threads for transports
  // by file path, so both must come from node_modules, not from the bundle.
  external: ['better-sqlite3', 'pino', 'pino-pretty', 'bufferutil', 'utf-8-validate', 'sharp'],
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: { js: "import { createRequire as __bxsCreateRequire } from 'node:module'; const require = __bxsCreateRequire(import.meta.url);" },
  logLevel: 'info',
});
