/**
 * One mocked program run per test file, with its own SSH material directory (the docker
 * providers write keys there), cleaned up afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { runProgram, type ProgramRun } from './pulumi-mocks.js';

/** Registers the run in beforeAll; call the returned function inside tests. */
export function useProgramRun(config: Record<string, string>, secretKeys: string[]): () => ProgramRun {
  let run: ProgramRun | undefined;
  let sshDir: string | undefined;
  beforeAll(async () => {
    sshDir = mkdtempSync(join(tmpdir(), 'infra-ssh-'));
    process.env['BOOXSTREAM_SSH_DIR'] = sshDir;
    run = await runProgram(config, secretKeys);
  }, 60_000);
  afterAll(() => {
    if (sshDir) rmSync(sshDir, { recursive: true, force: true });
    delete process.env['BOOXSTREAM_SSH_DIR'];
  });
  return () => {
    if (!run) throw new Error('the program has not run yet');
    return run;
  };
}
