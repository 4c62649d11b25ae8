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
export { EXAMPLE_GATEWAY_PATH, loadExampleGateway, loadGatewayFile, parseGatewayYaml } from './model/load.js';
export { GATEWAY_JSON_SCHEMA_PATH, gatewayJsonSchema } from './model/json-schema.js';
export {
  appResourceNames,
  assertUniqueNames,
  blueprintNames,
  deploymentNames,
  derivedNames,
  GATEWAY_RESOURCE_NAMES,
  nameCollisions,
  NameCollisionError,
  nameSlug,
  OUTPOST_PATH_PREFIX,
  remoteFileCheckName,
  traefikNames,
} from './model/names.js';
export type { NameCollision } from './model/names.js';

// Traefik
export {
  AUTHENTIK_RESPONSE_HEADERS,
  BLANKED_IDENTITY_HEADERS,
  CLIENT_IP_HEADER,
  FORWARD_AUTH_MAX_RESPONSE_BODY_SIZE,
  ROUTER_PRIORITY,
  renderTraefikDynamicConfig,
} from './render/traefik.js';
export type { RenderedTraefikFile, TraefikDynamicConfig, TraefikMiddleware, TraefikRouter, TraefikService } from './render/traefik.js';

// cloudflared
export { CATCH_ALL_SERVICE, renderTunnelIngress, validateIngress } from './render/cloudflared.js';
export type { CloudflareTunnelConfigBody, IngressRule, PulumiTunnelConfig, RenderedTunnelIngress } from './render/cloudflared.js';

// authentik
export {
  addProviderToOutpost,
  authentikLookups,
  EMBEDDED_OUTPOST_MANAGED,
  removeProviderFromOutpost,
  renderAuthentikApplication,
  renderAuthentikProvider,
  renderOutpostProvidersPatch,
  renderPolicyBindings,
} from './render/authentik.js';
export type {
  ApplicationRequestBody,
  AuthentikLookups,
  FlowPks,
  PolicyBindingRequestBody,
  ProxyProviderRequestBody,
} from './render/authentik.js';
export { BLUEPRINT_SCHEMA, FindTag, KeyOfTag, parseBlueprint, renderAuthentikBlueprint } from './render/blueprint.js';
export type { Blueprint, BlueprintEntry, RenderedBlueprint } from './render/blueprint.js';
export { loadAuthentikOpenApi } from './authentik/openapi.js';
export type { AuthentikOpenApi } from './authentik/openapi.js';

// Preview
export { renderPreview } from './preview/render.js';
export { PREVIEW_PATHS } from './preview/paths.js';
export { previewCli } from './preview/cli.js';
export type { PreviewFile, PreviewOptions, SummarySection } from './preview/render.js';

// Errors
export {
  BadInputError,
  GATEWAY_ERROR_CODES,
  GatewayConfigError,
  GatewayError,
  RenderedInvalidError,
  UnknownSchemaError,
} from './errors.js';
export type { ConfigIssue, GatewayErrorCode } from './errors.js';

// Deployed apps: containers, networks, secrets, the database
export { CONTAINER_HARDENING, DEPLOY_DEFAULTS } from './model/deploy.js';
export type {
  AppContainerDecl,
  AppDatabaseDecl,
  AppDeploy,
  ContainerHealthCheck,
  GeneratedSecret,
  HardeningRelaxation,
  ImageSource,
  VolumeMount,
} from './model/deploy.js';
export { exporterCommand, planAppDeployment } from './render/app-containers.js';
export type { AppDeploymentPlan, ContainerPlan, FileContent, FilePlan, NetworkPlan, VolumePlan } from './render/app-containers.js';
export {
  databaseAddresses,
  databaseNames,
  BACKUP_SCRIPTS_DIR,
  databaseBackupHook,
  databaseScrapeTarget,
  DUMP_DIR,
  EXPORTER_USER,
  MARIADB_PORT,
  renderClientOptions,
  renderDumpScript,
  renderExporterUserInit,
  renderMariadbConfig,
  renderRestoreScript,
  SECRETS_DIR,
} from './render/mariadb.js';
export type { DatabaseBackupHook, DatabaseScrapeTarget, RenderedMariadbConfig } from './render/mariadb.js';
