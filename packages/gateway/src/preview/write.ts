/**
 * Writing a rendered preview to disk. Kept apart from the CLI so the one dangerous step,
 * cleaning the target directory, is tested directly.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GatewayError } from '../errors.js';
import type { PreviewFile } from './render.js';

/** The file every preview contains; its presence marks a directory as safe to clean. */
export const PREVIEW_MARKER = 'SUMMARY.md';

/**
 * Replaces `outDir` with `files`.
 * @throws GatewayError (GATEWAY_ERR_BAD_INPUT) when `outDir` is non-empty and holds no earlier
 *   preview: cleaning is recursive deletion, never of a directory someone pointed at by mistake.
 */
export function writePreview(outDir: string, files: readonly PreviewFile[]): void {
  if (existsSync(outDir) && readdirSync(outDir).length > 0 && !existsSync(join(outDir, PREVIEW_MARKER))) {
    throw new GatewayError('GATEWAY_ERR_BAD_INPUT', `refusing to clean ${outDir}: it is not empty and holds no ${PREVIEW_MARKER} from an earlier preview`);
  }
  rmSync(outDir, { recursive: true, force: true });
  for (const file of files) {
    if (file.path.split('/').some((part) => part === '..' || part === '')) {
      throw new GatewayError('GATEWAY_ERR_BAD_INPUT', `preview file path escapes the directory: ${file.path}`);
    }
    const target = join(outDir, ...file.path.split('/'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
}
