/**
 * Structured JSON logs (pino). Log calls never carry a token, a frame or a full
 * device uuid: devices are named by {@link devicePrefix}.
 */
import { pino, type Logger } from 'pino';
import type { ServerConfig } from './config.js';
import type { DeviceAuthFailure } from './errors.js';

export type { Logger };

export function createLogger(config: Pick<ServerConfig, 'logLevel' | 'logSink'>): Logger {
  const sink = config.logSink;
  const options = { level: config.logLevel, base: { svc: 'booxstream-server' } };
  // Default destination: stdout, synchronous, so nothing is lost at exit (we log events, never frames).
  return sink ? pino(options, { write: (line: string) => sink(line) }) : pino(options);
}

/** The message of {@link logDeviceAuthRefused}'s lines: CrowdSec's relay parser matches it (@booxstream/gateway RELAY_LOG_MESSAGES). */
export const DEVICE_AUTH_REFUSED = 'device auth refused';

/**
 * One refused device credential, on the streaming socket or on `update-ip`, in the one shape
 * CrowdSec's relay scenario reads (gateway render/crowdsec.ts: `address` is the client, `reason`
 * decides whether it counts towards a ban, `device` is a uuid prefix). Never the token.
 */
export function logDeviceAuthRefused(
  logger: Logger,
  fields: { readonly device: string | null; readonly address: string; readonly reason: DeviceAuthFailure; readonly route: 'android-ws' | 'update-ip' },
): void {
  logger.warn({ device: fields.device, address: fields.address, reason: fields.reason, route: fields.route }, DEVICE_AUTH_REFUSED);
}

/** The first 8 characters of a uuid: enough to tell devices apart in logs, useless as a credential. */
export function devicePrefix(uuid: string): string {
  return uuid.slice(0, 8);
}
