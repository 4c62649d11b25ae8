/**
 * Structured JSON logs (pino). Log calls never carry a token, a frame or a full
 * device uuid: devices are named by {@link devicePrefix}.
 */
import { pino, type Logger } from 'pino';
import type { ServerConfig } from './config.js';

export type { Logger };

export function createLogger(config: Pick<ServerConfig, 'logLevel' | 'logSink'>): Logger {
  const sink = config.logSink;
  const options = { level: config.logLevel, base: { svc: 'booxstream-server' } };
  // Default destination: stdout, synchronous, so nothing is lost at exit (we log events, never frames).
  return sink ? pino(options, { write: (line: string) => sink(line) }) : pino(options);
}

/** The first 8 characters of a uuid: enough to tell devices apart in logs, useless as a credential. */
export function devicePrefix(uuid: string): string {
  return uuid.slice(0, 8);
}
