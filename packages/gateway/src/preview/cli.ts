/**
 * The `pnpm preview [gateway.yaml] [--out DIR]` command: renders a gateway declaration (the
 * documented example by default) into `<repo root>/preview/` (or DIR), cleaning it first.
 * Returns the exit code: 1 with every problem on an invalid declaration, 2 on bad arguments.
 * No credentials, no network. The entry point is infra's (`infra/src/preview/cli.ts`), which
 * adds the checklist coverage to SUMMARY.md.
 */
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GatewayError } from '../errors.js';
import { EXAMPLE_GATEWAY_PATH, loadGatewayFile } from '../model/load.js';
import { renderPreview, type PreviewOptions } from './render.js';
import { writePreview } from './write.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

function parseArgs(argv: readonly string[]): { source: string; outDir: string } | string {
  // pnpm runs scripts in the package directory; INIT_CWD is where the user typed the command.
  const cwd = process.env['INIT_CWD'] ?? process.cwd();
  let source = EXAMPLE_GATEWAY_PATH;
  let outDir = join(REPO_ROOT, 'preview');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--out') {
      const dir = argv[++i];
      if (dir === undefined) return '--out needs a directory';
      outDir = resolve(cwd, dir);
    } else if (arg.startsWith('-')) {
      return `unknown option ${arg} (usage: pnpm preview [gateway.yaml] [--out DIR])`;
    } else {
      source = resolve(cwd, arg);
    }
  }
  return { source, outDir };
}

export function previewCli(argv: readonly string[], options: PreviewOptions = {}): number {
  const started = performance.now();
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n`);
    return 2;
  }
  const { source, outDir } = args;
  try {
    const gateway = loadGatewayFile(source);
    const files = renderPreview(gateway, relative(REPO_ROOT, source), options);
    writePreview(outDir, files);
    process.stdout.write(`gateway preview of ${relative(REPO_ROOT, source)} → ${outDir}\n`);
    for (const file of files) process.stdout.write(`  wrote ${file.path}\n`);
    process.stdout.write(`${files.length} files in ${Math.round(performance.now() - started)} ms\n`);
    return 0;
  } catch (err) {
    if (err instanceof GatewayError) {
      process.stderr.write(`${err.message}\n`);
      return err.code === 'GATEWAY_ERR_BAD_INPUT' ? 2 : 1;
    }
    throw err;
  }
}
