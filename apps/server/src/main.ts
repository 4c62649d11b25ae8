/**
 * The server process: the only file that reads `process.env`. Stops on a
 * ConfigError with a message naming the variable; SIGTERM/SIGINT shut down
 * gracefully (sockets closed with 1001, SQLite closed).
 */
import { parseConfig } from './config.js';
import { ConfigError } from './errors.js';
import { startServer } from './server.js';

async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`booxstream-server: configuration error: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const server = await startServer(config);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`booxstream-server: ${signal} received, shutting down\n`);
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`booxstream-server: shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`booxstream-server: ${(err as Error).message}\n`);
  process.exit(1);
});
