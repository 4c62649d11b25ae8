/**
 * The offline preview: every document the gateway model renders to, as files, plus a
 * SUMMARY.md. Pure (the CLI writes the files); no credentials, no network.
 *
 * authentik bodies need primary keys that only a live authentik knows. The preview uses
 * placeholder keys (`PLACEHOLDER_PKS`) so the bodies still validate against authentik's
 * schema; the Pulumi program resolves the real ones.
 */
import { bypassKey } from '../model/bypass.js';
import { assertUniqueNames, traefikNames } from '../model/names.js';
import type { Gateway } from '../model/types.js';
import {
  addProviderToOutpost,
  authentikLookups,
  EMBEDDED_OUTPOST_MANAGED,
  renderAuthentikApplication,
  renderAuthentikProvider,
  renderOutpostProvidersPatch,
  renderPolicyBindings,
} from '../render/authentik.js';
import { renderAuthentikBlueprint } from '../render/blueprint.js';
import { renderTunnelIngress } from '../render/cloudflared.js';
import { renderTraefikDynamicConfig, ROUTER_PRIORITY } from '../render/traefik.js';
import { PREVIEW_PATHS } from './paths.js';

/**
 * A section a caller adds to SUMMARY.md (after the file list), for what this package does not
 * know about: the Pulumi program's checklist coverage, for one.
 */
export interface SummarySection {
  /** The `##` heading, without the hashes. */
  readonly heading: string;
  /** Markdown lines under it. */
  readonly lines: readonly string[];
}

export interface PreviewOptions {
  readonly summarySections?: readonly SummarySection[];
  /** More files the caller renders from the same model (infra: monitoring, backup units, Grafana). */
  readonly extraFiles?: (gateway: Gateway) => readonly PreviewFile[];
}
import { previewDeployedApps, summarizeDeployedApps } from './deploy.js';
import { securityLayerFiles } from './layers.js';

export interface PreviewFile {
  /** Relative to the preview directory, `/`-separated. */
  path: string;
  content: string;
}

/** Deterministic, obviously fake keys: `00000000-0000-4000-8000-0000000000NN`. */
function placeholderUuid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** The placeholder primary keys the preview's authentik bodies use. */
export function placeholderPks(gateway: Gateway) {
  let next = 1;
  const flows = {
    authorization: placeholderUuid(next++),
    invalidation: placeholderUuid(next++),
    ...(gateway.authentik.flows.authentication !== undefined ? { authentication: placeholderUuid(next++) } : {}),
  };
  const groups: Record<string, string> = {};
  for (const app of gateway.apps) for (const g of app.allowedGroups) groups[g] ??= placeholderUuid(next++);
  const apps = gateway.apps.map((app, i) => ({ app: app.name, providerPk: 101 + i, applicationPbmUuid: placeholderUuid(next++) }));
  return { flows, groups, apps };
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/**
 * Renders the whole preview of `gateway`.
 * @throws NameCollisionError when two things of the model would get the same name.
 */
export function renderPreview(gateway: Gateway, source: string, options: PreviewOptions = {}): PreviewFile[] {
  assertUniqueNames(gateway);
  const files: PreviewFile[] = [];
  const pks = placeholderPks(gateway);

  for (const app of gateway.apps) {
    const traefik = renderTraefikDynamicConfig(gateway, app);
    files.push({ path: PREVIEW_PATHS.traefik(app), content: traefik.yaml });
  }

  const tunnel = renderTunnelIngress(gateway);
  files.push({ path: PREVIEW_PATHS.cloudflaredConfig, content: tunnel.configYml });
  files.push({ path: PREVIEW_PATHS.tunnelConfigPulumi, content: json(tunnel.cloudflareConfig) });
  files.push({ path: PREVIEW_PATHS.tunnelConfigApi, content: json(tunnel.apiBody) });

  let outpostProviders: number[] = [];
  gateway.apps.forEach((app, i) => {
    const appPks = pks.apps[i]!;
    const groupPks = Object.fromEntries(app.allowedGroups.map((g) => [g, pks.groups[g]!]));
    files.push({ path: PREVIEW_PATHS.authentik(app, 'lookups'), content: json(authentikLookups(gateway, app)) });
    files.push({ path: PREVIEW_PATHS.authentik(app, 'provider'), content: json(renderAuthentikProvider(gateway, app, pks.flows)) });
    files.push({ path: PREVIEW_PATHS.authentik(app, 'application'), content: json(renderAuthentikApplication(app, appPks.providerPk)) });
    files.push({
      path: PREVIEW_PATHS.authentik(app, 'policy-bindings'),
      content: json(renderPolicyBindings(app, groupPks, appPks.applicationPbmUuid)),
    });
    outpostProviders = addProviderToOutpost(outpostProviders, appPks.providerPk);
  });
  files.push({ path: PREVIEW_PATHS.outpostProviders, content: json(renderOutpostProvidersPatch(outpostProviders)) });

  const whole = renderAuthentikBlueprint(gateway);
  files.push({ path: PREVIEW_PATHS.blueprint(whole.fileName), content: whole.yaml });
  for (const app of gateway.apps) {
    const one = renderAuthentikBlueprint(gateway, app);
    files.push({ path: PREVIEW_PATHS.blueprint(one.fileName), content: one.yaml });
  }

  files.push(...previewDeployedApps(gateway));
  files.push(...securityLayerFiles(gateway));

  files.push(...(options.extraFiles?.(gateway) ?? []));
  files.push({ path: PREVIEW_PATHS.summary, content: renderSummary(gateway, source, files, tunnel.rules, pks, options.summarySections ?? []) });
  return files;
}

function renderSummary(
  gateway: Gateway,
  source: string,
  files: PreviewFile[],
  rules: ReturnType<typeof renderTunnelIngress>['rules'],
  pks: ReturnType<typeof placeholderPks>,
  sections: readonly SummarySection[],
): string {
  const out: string[] = [];
  out.push('# Gateway preview', '');
  out.push(`Rendered offline from \`${source}\` by \`pnpm preview\`. No credentials, no network.`);
  out.push(`authentik primary keys in the bodies are placeholders (\`${pks.flows.authorization}\`…); the Pulumi program resolves the real ones.`, '');

  out.push('## Apps', '');
  out.push('| app | hostname | upstream | health | bypasses sign-on | allowed groups |', '|---|---|---|---|---|---|');
  for (const app of gateway.apps) {
    const bypass = app.bypassPaths.length > 0 ? app.bypassPaths.map((r) => `${r.methods.join('/')} \`${bypassKey(r)}\`${r.paths ? ` + ${r.paths.map((p) => `\`${p}\``).join(', ')}` : ''}`).join(', ') : 'nothing';
    out.push(`| ${app.name} | ${app.hostname} | ${app.upstream} | \`${app.healthCheck.path}\` every ${app.healthCheck.interval} | ${bypass} | ${app.allowedGroups.join(', ')} |`);
  }
  out.push('');

  out.push('## What would be created or updated', '');
  out.push('**Cloudflare**', '');
  out.push(`- Tunnel \`${gateway.tunnel.id}\`: these hostnames only, each replacing the live rule for it (its other origin settings kept) or added before the catch-all; every other rule of the tunnel stays as it is:`);
  rules
    .filter((r) => r.hostname !== undefined)
    .forEach((r, i) => out.push(`  ${i + 1}. ${r.hostname}${r.path !== undefined ? ` path \`${r.path}\`` : ''} → \`${r.service}\``));
  for (const app of gateway.apps) out.push(`- DNS: proxied CNAME \`${app.hostname}\` → \`${gateway.tunnel.id}.cfargotunnel.com\``);
  out.push('', '**Traefik** (file provider, hot-reloaded)', '');
  for (const app of gateway.apps) {
    const doc = renderTraefikDynamicConfig(gateway, app).document.http;
    out.push(`- \`${gateway.traefik.configDir}/${traefikNames(app).fileName}\`: routers ${Object.keys(doc.routers).map((n) => `\`${n}\``).join(', ')}; middlewares ${Object.keys(doc.middlewares).map((n) => `\`${n}\``).join(', ')}; services ${Object.keys(doc.services).map((n) => `\`${n}\``).join(', ')}`);
  }
  out.push(`- Priorities: deny /metrics ${ROUTER_PRIORITY.denyMetrics} > bypass ${ROUTER_PRIORITY.bypass} > outpost ${ROUTER_PRIORITY.outpost} > signed-in ${ROUTER_PRIORITY.main}; every router on entry point \`${gateway.traefik.entryPoint}\`.`);
  out.push('', `**authentik** (${gateway.authentik.externalUrl})`, '');
  for (const app of gateway.apps) {
    out.push(`- Proxy provider \`${app.authentik.providerName}\` (forward_single, external host https://${app.hostname}), application \`${app.authentik.name}\` (slug \`${app.authentik.slug}\`), ${app.allowedGroups.length} group binding(s): ${app.allowedGroups.join(', ')}`);
  }
  out.push(`- Embedded outpost (\`${EMBEDDED_OUTPOST_MANAGED}\`): providers list gains ${gateway.apps.map((a) => `\`${a.authentik.providerName}\``).join(', ')} (read-modify-write; other providers kept).`);
  out.push(`- Flows used: ${Object.entries(gateway.authentik.flows).map(([k, v]) => `${k} \`${v}\``).join(', ')}.`);
  out.push('');

  out.push(...summarizeDeployedApps(gateway));

  out.push('## Files', '');
  for (const f of files) out.push(`- \`${f.path}\``);
  out.push('- `SUMMARY.md`', '');

  for (const section of sections) out.push(`## ${section.heading}`, '', ...section.lines, '');

  out.push('## Traefik static configuration this relies on', '');
  out.push(`- Entry point \`${gateway.traefik.entryPoint}\`: do **not** list cloudflared in \`forwardedHeaders.trustedIPs\`, so Traefik rebuilds X-Forwarded-* itself (forward auth trusts them).`);
  out.push(`- Entry point \`${gateway.traefik.entryPoint}\`: \`http.underscoreHeadersStrategy: delete\` (Traefik ≥ v3.6.22) also drops underscore spellings of the identity headers.`);
  out.push(`- \`providers.file.directory: ${gateway.traefik.configDir}\` with \`watch: true\`; mount the directory, not single files.`);
  out.push('- Traefik ≥ v3.7.6 (or ≥ v3.6.22) for the 2026 forward-auth header fixes.');
  out.push('- Traefik reachable only through the tunnel: the bypass rate limit keys on `Cf-Connecting-Ip`.');
  out.push('');
  return out.join('\n');
}
