/**
 * The stack config, by concern under `config/`: the keys and reading them (`keys.ts`), the
 * gateway model file (`gateway-file.ts`), Cloudflare and authentik (`apis.ts`), the SSH hosts
 * (`hosts.ts`), the server's settings (`server.ts`), the secrets (`secrets.ts`), and
 * `loadStackConfig` putting them together (`load.ts`). Every key is listed in `CONFIG_KEYS` and
 * documented in README.md and Pulumi.example.yaml.
 */
export { type CloudflareConfig } from './config/apis.js';
export { type GatewayHostConfig, hostKeyProblem, type SshHostConfig, type VmConfig } from './config/hosts.js';
export { CONFIG_KEYS, type ConfigKey, type ConfigSource, PROJECT, type ProjectFiles } from './config/keys.js';
export { loadStackConfig, type StackConfig } from './config/load.js';
export { MANAGED_SERVER_ENV, type StackSecrets } from './config/secrets.js';
export { type DeviceApproval, type LogLevel, type ServerSettings } from './config/server.js';
