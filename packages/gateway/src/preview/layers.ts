/**
 * The preview's security layers (seed 002): the IDS files (CrowdSec, Traefik's static
 * fragment) when the model declares `ids:`, and each machine's hardened-host files. The host
 * facts (LAN, the gateway's address, ports) live in the Pulumi stack config, not in the
 * gateway model, so the preview uses the example LAN below; `pnpm preview` shows the shape.
 */
import yaml from 'js-yaml';
import { appVmHardening, gatewayHostHardening, type AppVmFacts, type GatewayHostFacts, type HostHardening } from '../model/host.js';
import type { Gateway } from '../model/types.js';
import { planAppDeployment } from '../render/app-containers.js';
import { renderMfaSteps } from '../render/authentik-mfa.js';
import { renderCrowdsec } from '../render/crowdsec.js';
import { renderTraefikIdsStaticConfig } from '../render/crowdsec-bouncer.js';
import { renderAuditRules } from '../render/host/audit.js';
import { renderFail2banJail } from '../render/host/fail2ban.js';
import { renderNftables } from '../render/host/nftables.js';
import { renderSysctl } from '../render/host/sysctl.js';
import { PREVIEW_PATHS } from './paths.js';
import type { PreviewFile } from './render.js';

/** The example home LAN of the seeds (the app VM at .202). */
export const EXAMPLE_HOST_FACTS: { vm: AppVmFacts; gateway: GatewayHostFacts } = {
  vm: {
    lan: ['192.168.1.0/24'],
    gatewayAddress: '192.168.1.200',
    serverPort: 3001,
    devicePort: 8080,
    dataDir: '/var/lib/docker/volumes/booxstream-data/_data',
    configDir: '/etc/booxstream',
  },
  gateway: { lan: ['192.168.1.0/24'], traefikConfigDir: '/opt/traefik/config', crowdsecConfigDir: '/opt/crowdsec/config' },
};

export function hostFiles(host: HostHardening): PreviewFile[] {
  const nft = renderNftables(host);
  const jail = renderFail2banJail(host);
  const sysctl = renderSysctl(host.name);
  const audit = renderAuditRules(host);
  return [
    { path: PREVIEW_PATHS.host(host.name, nft.fileName), content: nft.text },
    { path: PREVIEW_PATHS.host(host.name, jail.fileName), content: jail.text },
    { path: PREVIEW_PATHS.host(host.name, sysctl.fileName), content: sysctl.text },
    { path: PREVIEW_PATHS.host(host.name, audit.fileName), content: audit.text },
  ];
}

export function securityLayerFiles(gateway: Gateway): PreviewFile[] {
  const files: PreviewFile[] = [];
  if (gateway.ids !== undefined) {
    const crowdsec = renderCrowdsec(gateway.ids);
    for (const f of crowdsec.files) files.push({ path: PREVIEW_PATHS.crowdsec(f.path), content: f.text });
    files.push({ path: PREVIEW_PATHS.crowdsecHubItems, content: `${JSON.stringify(crowdsec.hubItems, null, 2)}\n` });
    files.push({
      path: PREVIEW_PATHS.traefikStaticIds,
      content: '# Merge into the gateway\'s traefik.yml (static configuration): the bouncer plugin and a JSON access log CrowdSec reads.\n' + yaml.dump(renderTraefikIdsStaticConfig(gateway.ids), { lineWidth: -1, sortKeys: false }),
    });
  }
  if (gateway.mfa !== undefined) {
    // Placeholder references (`<key>`): the Pulumi program resolves them to authentik's pks in order.
    renderMfaSteps(gateway.mfa, {}).forEach((step, i) =>
      files.push({ path: PREVIEW_PATHS.mfaStep(i, step.key), content: `${JSON.stringify({ method: step.method, path: step.path, ...(step.adopt ? { adopt: step.adopt } : {}), body: step.body }, null, 2)}\n` }),
    );
  }
  // The deployed apps publish on the VM too (BookStack, its database's exporter): gateway only.
  const vmAddress = '192.168.1.202';
  const otherGatewayPorts = gateway.apps.flatMap((app) =>
    app.deploy ? planAppDeployment(app, app.deploy, vmAddress).containers.flatMap((c) => c.ports.map((p) => ({ name: `${c.name}-${p.external}`.slice(0, 31), port: p.external }))) : [],
  );
  files.push(...hostFiles(appVmHardening({ ...EXAMPLE_HOST_FACTS.vm, otherGatewayPorts })), ...hostFiles(gatewayHostHardening(EXAMPLE_HOST_FACTS.gateway)));
  return files;
}
