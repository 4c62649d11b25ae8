// Model
export type {
  AuthentikAppMetadata,
  Gateway,
  GatewayInput,
  HealthCheck,
  PolicyEngineMode,
  ProtectedApp,
  RateLimit,
  TunnelOriginRequest,
  TunnelRoute,
} from './model/types.js';
export { validateGateway } from './model/validate.js';
export { EXAMPLE_GATEWAY_PATH, loadExampleGateway, loadGatewayFile } from './model/load.js';
export { OUTPOST_PATH_PREFIX, traefikNames } from './model/names.js';

// Traefik
export {
  AUTHENTIK_RESPONSE_HEADERS,
  BLANKED_IDENTITY_HEADERS,
  CLIENT_IP_HEADER,
  ROUTER_PRIORITY,
  renderTraefikDynamicConfig,
} from './render/traefik.js';
export type { RenderedTraefikFile, TraefikDynamicConfig } from './render/traefik.js';

// Errors
export { BadInputError, GatewayConfigError, GatewayError, RenderedInvalidError, UnknownSchemaError } from './errors.js';
export type { ConfigIssue, GatewayErrorCode } from './errors.js';
