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
export { BYPASS_METHODS, bypassKey, bypassProbePaths, bypassRouterKey, bypassMatcher, bypassPathRegexpProblem } from './model/bypass.js';
export type { BypassRoute } from './model/bypass.js';
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
  DENY_SERVICE,
  FORWARD_AUTH_MAX_RESPONSE_BODY_SIZE,
  METRICS_PATH_RULE,
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
} from './model/types.js';
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
// Prometheus (monitoring of the VM)
export { BACKUP_METRIC, MONITORING_DEFAULTS, PROMETHEUS_JOBS, PROMETHEUS_PATHS, renderPrometheus } from './render/prometheus.js';
export type { AlertRule, AppMetricsInput, MonitoringInput, RenderedPrometheus, ScrapeTargetInput } from './render/prometheus.js';

// Grafana dashboards (grafana-foundation-sdk) and the pinned community ones
export { COMMUNITY_DASHBOARDS, communityDashboardUrl, dashboardQueries, DATASOURCE_VARIABLE, renderDashboards } from './render/dashboards/index.js';
export type { CommunityDashboard, RenderedDashboard } from './render/dashboards/index.js';
export { renderGrafanaProvisioning } from './render/grafana-provisioning.js';
export type { GrafanaProvisioningInput, ProvisioningFile } from './render/grafana-provisioning.js';
// Hardened host (nftables, Fail2Ban, sysctl, audit)
export { appVmHardening, checkedHost, gatewayHostHardening, HOST_DEFAULTS, isAddressOrCidr } from './model/host.js';
export type { AppVmFacts, AuditWatch, GatewayHostFacts, HostHardening, HostPortRule } from './model/host.js';
export { nftTableName, renderNftables } from './render/host/nftables.js';
export type { RenderedNftables } from './render/host/nftables.js';
export { renderFail2banJail } from './render/host/fail2ban.js';
export type { Fail2banJailOptions, RenderedFail2banJail, SshLogSource } from './render/host/fail2ban.js';
export { HARDENING_SYSCTLS, parseSysctl, renderSysctl } from './render/host/sysctl.js';
export type { RenderedSysctl } from './render/host/sysctl.js';
export { renderAuditRules } from './render/host/audit.js';
export type { RenderedAuditRules } from './render/host/audit.js';

// Intrusion detection (CrowdSec + the Traefik bouncer)
export { checkIds, IDS_DEFAULTS } from './model/ids.js';
export type { IdsLayer } from './model/ids.js';
export {
  BANNABLE_DEVICE_AUTH_REASONS,
  CROWDSEC_HUB_ITEMS,
  CROWDSEC_PROGRAMS,
  RELAY_LOG_MESSAGES,
  RELAY_SYSLOG_PORT,
  renderCrowdsec,
} from './render/crowdsec.js';
export type { CrowdsecFile, CrowdsecRenderOptions, RenderedCrowdsec } from './render/crowdsec.js';
export { BOUNCER_PLUGIN_MODULE, BOUNCER_PLUGIN_NAME, crowdsecBouncerMiddleware, renderTraefikIdsStaticConfig } from './render/crowdsec-bouncer.js';
export type { TraefikIdsStaticConfig } from './render/crowdsec-bouncer.js';

// Two-factor sign-in (authentik)
export { checkMfa, MFA_DEFAULTS } from './model/mfa.js';
export type { MfaLayer, MfaScope } from './model/mfa.js';
export { AUTHENTIK_DEFAULT_STAGES, MFA_FLOW_SLUG, MFA_STAGE_ORDER, mfaLookups, mfaStepReferences, providerAuthenticationFlowSlug, renderMfaSteps, signInFlowSlug } from './render/authentik-mfa.js';
export type { MfaLookup, MfaObjectKey, MfaPks, MfaStep } from './render/authentik-mfa.js';
