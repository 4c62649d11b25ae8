/** @booxstream/server: the relay, as a library (tests, bench, demo) and via `main.ts` as a process. */
export { startServer, type RunningServer } from './server.js';
export { parseConfig, resolveConfig, DEFAULTS, ENV_VARIABLES, PATCH_METHODS, type ServerConfig, type LogLevel, type DeviceApproval, type PatchMethod } from './config.js';
export { ConfigError, HttpError, HTTP_ERROR_CODES, type HttpErrorCode } from './errors.js';
export { DatabaseUnusableError, DATABASE_EXIT_CODES } from './db/health.js';
export { DEVICE_MESSAGES, type HostRelayStats } from './relay/hub.js';
export type { ViewerSnapshot } from './relay/viewer.js';
