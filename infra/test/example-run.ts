/**
 * One program run on the example stack for a test file, with the VM's SSH material in a
 * fresh directory that `cleanup` removes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleStack } from './example-stack.js';
import { runProgram, type ProgramRun } from './pulumi-mocks.js';

export async function runExample(
  /** `mutate` may write files (a changed gateway file) into `dir`, a fresh directory `cleanup` removes. */
  options: { serverSecrets?: boolean; mutate?: (config: Record<string, string>, dir: string) => void } = {},
): Promise<{ run: ProgramRun; sshDir: string; cleanup: () => void }> {
  const sshDir = mkdtempSync(join(tmpdir(), 'infra-ssh-'));
  process.env['BOOXSTREAM_SSH_DIR'] = sshDir;
  const stack = exampleStack(options);
  options.mutate?.(stack.config, sshDir);
  const run = await runProgram(stack.config, stack.secretKeys);
  return {
    run,
    sshDir,
    cleanup: () => {
      rmSync(sshDir, { recursive: true, force: true });
      delete process.env['BOOXSTREAM_SSH_DIR'];
    },
  };
}
