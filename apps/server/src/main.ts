/**
 * The server process: the only file that reads `process.env` (with demo.ts).
 * Stops on a ConfigError with a message naming the variable; SIGTERM/SIGINT
 * shut down gracefully (sockets closed with 1001, SQLite closed).
 */
import { parseConfig } from './config.js';
import { configOrExit, runEntry, shutdownOnSignals } from './process-lifecycle.js';
import { startServer } from './server.js';

const NAME = 'booxstream-server';

runEntry(NAME, async () => {
  const config = configOrExit(NAME, () => parseConfig(process.env));
  const server = await startServer(config);
  shutdownOnSignals(NAME, () => server.close());
});
