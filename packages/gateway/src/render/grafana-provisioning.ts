/**
 * Grafana file provisioning for the owner's Grafana (wherever it runs): a datasource pointing at
 * the VM's Prometheus, a dashboard provider reading a directory, and the generated dashboards.
 * Pure; infra copies the files over SSH into the directory the owner's Grafana provisions from.
 */
import yaml from 'js-yaml';
import { COMMUNITY_DASHBOARDS, communityDashboardUrl } from './dashboards/community.js';
import { renderDashboards } from './dashboards/index.js';

export interface GrafanaProvisioningInput {
  /** Prometheus as Grafana reaches it, e.g. `http://192.168.1.202:9090`. */
  readonly prometheusUrl: string;
  /** Where the dashboard JSON files sit as Grafana sees them. [dashboardsPath='/var/lib/grafana/dashboards/booxstream'] */
  readonly dashboardsPath?: string;
  /** Datasource uid the dashboards' variable defaults to. [datasourceUid='booxstream-prometheus'] */
  readonly datasourceUid?: string;
}

export interface ProvisioningFile {
  /** Relative to Grafana's provisioning root (`datasources/…`, `dashboards/…`) or to the dashboards path (`json/…`). */
  path: string;
  content: string;
}

export function renderGrafanaProvisioning(input: GrafanaProvisioningInput): ProvisioningFile[] {
  if (!/^https?:\/\/[^\s/]+(\/\S*)?$/.test(input.prometheusUrl)) throw new Error(`grafana.prometheusUrl: expected an http(s) URL, got ${JSON.stringify(input.prometheusUrl)}`);
  const dashboardsPath = input.dashboardsPath ?? '/var/lib/grafana/dashboards/booxstream';
  const uid = input.datasourceUid ?? 'booxstream-prometheus';
  const datasources = {
    apiVersion: 1,
    datasources: [{ name: 'BooxStream Prometheus', type: 'prometheus', uid, access: 'proxy', url: input.prometheusUrl, editable: false, jsonData: { timeInterval: '15s' } }],
  };
  const providers = {
    apiVersion: 1,
    providers: [{ name: 'booxstream', folder: 'BooxStream', type: 'file', disableDeletion: true, allowUiUpdates: false, options: { path: dashboardsPath } }],
  };
  const files: ProvisioningFile[] = [
    { path: 'datasources/booxstream.yaml', content: yaml.dump(datasources) },
    { path: 'dashboards/booxstream.yaml', content: yaml.dump(providers) },
  ];
  for (const d of renderDashboards()) files.push({ path: `json/${d.fileName}`, content: `${JSON.stringify(d.json, null, 2)}\n` });
  // Community dashboards are imported by id + revision (Grafana's "Import" or its API); listed for the owner.
  files.push({
    path: 'json/COMMUNITY.md',
    content: COMMUNITY_DASHBOARDS.map((c) => `- ${c.title}: id ${c.id}, revision ${c.revision} — ${communityDashboardUrl(c)} (input ${c.datasourceInput} → datasource ${uid})`).join('\n') + '\n',
  });
  return files;
}
