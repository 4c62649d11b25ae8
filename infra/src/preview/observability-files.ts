/**
 * Preview files for seed 002's monitoring and backup layers, rendered offline from the gateway
 * model with the stack defaults (infra/Pulumi.example.yaml): what `pulumi up` would copy to the
 * VM and to the owner's Grafana.
 */
import { renderGrafanaProvisioning, renderPrometheus, type Gateway, type PreviewFile } from '@booxstream/gateway';
import { renderBackupUnits } from '../backup-units.js';
import { NODE_EXPORTER_HOST, VM_HOST_ALIAS } from '../components/monitoring.js';
import { CONTAINER_DATA_DIR } from '../server-container.js';

export function observabilityPreviewFiles(gateway: Gateway): PreviewFile[] {
  const server = gateway.apps.find((a) => a.name === 'booxstream') ?? gateway.apps[0];
  const port = server ? Number(new URL(server.upstream).port || 80) : 3001;
  const prom = renderPrometheus({
    server: { address: `${VM_HOST_ALIAS}:${port}` },
    nodeExporter: { address: `${NODE_EXPORTER_HOST}:9100` },
    rulesPath: '/etc/prometheus/booxstream.rules.yml',
  });
  const units = renderBackupUnits({
    serverContainer: 'booxstream',
    image: 'booxstream-server:latest',
    dataDir: CONTAINER_DATA_DIR,
    repository: '/backups/booxstream',
    repositoryHostDir: '/srv/backups/booxstream',
    passwordFile: '/etc/booxstream/restic-password',
    textfileDir: '/var/lib/booxstream/node-exporter',
  });
  return [
    { path: 'monitoring/prometheus.yml', content: prom.configYaml },
    { path: 'monitoring/booxstream.rules.yml', content: prom.rulesYaml },
    { path: 'monitoring/prometheus.args', content: `${prom.args.join('\n')}\n` },
    { path: `backup/${units.serviceName}`, content: units.service },
    { path: `backup/${units.timerName}`, content: units.timer },
    ...renderGrafanaProvisioning({ prometheusUrl: 'http://192.168.1.202:9090' }).map((f) => ({ path: `grafana/${f.path}`, content: f.content })),
  ];
}
