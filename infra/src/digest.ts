import { createHash } from 'node:crypto';

/** sha256 hex of a rendered file: the stack outputs carry these so a deploy can be compared with `pnpm preview`. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
