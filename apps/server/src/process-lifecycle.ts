/**
 * The process edge shared by `main.ts` (the server) and `demo.ts` (the
 * server plus a demo device): a configuration error stops the process with
 * EX_CONFIG and a line naming the variable, an unusable database with 65 or 74
 * (`db/health.ts`); the first SIGTERM or SIGINT shuts
 * down gracefully and exits 0 (1 if the shutdown fails).
 */
import type { ServerConfig } from './config.js';
import { DatabaseUnusableError } from './db/health.js';
import { ConfigError } from './errors.js';

/** sysexits.h EX_CONFIG: a supervisor can tell a bad configuration from a crash. */
export const EXIT_CONFIG = 78;

/** `read()`'s config, or exit 78 on a ConfigError (any other error is rethrown). */
export function configOrExit(name: string, read: () => ServerConfig): ServerConfig {
  try {
    return read();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${name}: configuration error: ${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw err;
  }
}

/** Runs `shutdown` on the first SIGTERM or SIGINT, then exits. */
export function shutdownOnSignals(name: string, shutdown: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${name}: ${signal} received, shutting down\n`);
    shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`${name}: shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/**
 * Runs an entry point; an error that escapes it is printed and exits 1, or
 * with the database's own status (65 damaged, 74 cannot write) when the
 * database is unusable, so a supervisor can tell that apart from a crash.
 */
export function runEntry(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`${name}: ${(err as Error).message}\n`);
    process.exit(err instanceof DatabaseUnusableError ? err.exitCode : 1);
  });
}
