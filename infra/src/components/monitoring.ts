/**
 * Monitoring on the BooxStream VM: Prometheus and the node exporter as hardened containers
 * (read-only root, every capability dropped, no-new-privileges, unprivileged user, bounded
 * memory and logs) on their own Docker network, Prometheus' config and rules rendered by
 * @booxstream/gateway and copied over SSH; and, where the owner runs Grafana, its provisioning
 * files (datasource, dashboard provider, generated dashboards).
 *
 * Nothing here is published beyond the VM's loopback unless `prometheusListen` says so: the
 * tunnel never routes to it, and Traefik denies `/metrics` on app hosts.
 */
import { createHash } from 'node:crypto';
import * as command from '@pulumi/command';
import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import { renderGrafanaProvisioning, renderPrometheus, type MonitoringInput } from '@booxstream/gateway';
import { remoteFile } from './remote-file.js';

/** Pinned upstream images (bump on purpose; Debian's packages of the same tools run the tests). */
export const MONITORING_IMAGES = Object.freeze({
  prometheus: 'prom/prometheus:v2.53.2',
  nodeExporter: 'prom/node-exporter:v1.8.2',
});
/** `nobody`: both images run as it upstream. */
const NOBODY = '65534:65534';
/** The node exporter's name on the monitoring network (the scrape target). */
export const NODE_EXPORTER_HOST = 'node-exporter';
/** How Prometheus reaches ports the VM publishes (the server's), from its own network. */
export const VM_HOST_ALIAS = 'host.docker.internal';

export interface GrafanaTarget {
  /** SSH connection to the host whose Grafana provisions from files. */
  connection: pulumi.Input<command.types.input.remote.ConnectionArgs>;
  /** Grafana's provisioning root on that host, e.g. `/etc/grafana/provisioning`. */
  provisioningDir: string;
  /** Directory for the dashboard JSON, as both the host and Grafana see it. */
  dashboardsDir: string;
  /** Prometheus as that Grafana reaches it. */
  prometheusUrl: string;
}

export interface MonitoringArgs {
  /** The VM's Docker daemon (BooxStreamVm's provider). */
  provider: docker.Provider;
  /** SSH to the VM, for the config files. */
  connection: pulumi.Input<command.types.input.remote.ConnectionArgs>;
  /** The BooxStream server's HTTP port on the VM. */
  serverPort: number;
  /** Traefik's and cloudflared's metrics on the gateway, other apps' exporters (the model's). */
  extra?: Pick<MonitoringInput, 'traefik' | 'cloudflared' | 'apps'>;
  /** Host directory for prometheus.yml and the rules. [configDir='/etc/booxstream/prometheus'] */
  configDir?: string;
  /** The node exporter's textfile directory on the VM (the backup writes there). */
  textfileDir: string;
  /** Address Prometheus' port 9090 is published on. [prometheusListen='127.0.0.1'] */
  prometheusListen?: string;
  /** [retention='15d'] */
  retention?: string;
  grafana?: GrafanaTarget;
}

export class Monitoring extends pulumi.ComponentResource {
  readonly networkName: pulumi.Output<string>;
  readonly prometheusUrl: pulumi.Output<string>;
  readonly configHash: pulumi.Output<string>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super('booxstream:monitoring:Monitoring', name, {}, opts);
    const configDir = args.configDir ?? '/etc/booxstream/prometheus';
    const rendered = renderPrometheus({
      server: { address: `${VM_HOST_ALIAS}:${args.serverPort}` },
      nodeExporter: { address: `${NODE_EXPORTER_HOST}:9100` },
      ...args.extra,
      retention: args.retention ?? '15d',
      rulesPath: '/etc/prometheus/booxstream.rules.yml',
    });
    const hash = createHash('sha256').update(rendered.configYaml).update('\0').update(rendered.rulesYaml).digest('hex');
    const provider = args.provider;
    const child = { parent: this, provider };

    const configFile = remoteFile(`${name}-prometheus-config`, { connection: args.connection, remotePath: `${configDir}/prometheus.yml`, content: rendered.configYaml, removeOnDelete: true }, this);
    const rulesFile = remoteFile(`${name}-prometheus-rules`, { connection: args.connection, remotePath: `${configDir}/booxstream.rules.yml`, content: rendered.rulesYaml, removeOnDelete: true }, this);

    const network = new docker.Network(`${name}-network`, { name: 'booxstream-monitoring', driver: 'bridge', labels: [{ label: 'app', value: 'booxstream-monitoring' }] }, child);
    const data = new docker.Volume(`${name}-prometheus-data`, { name: 'booxstream-prometheus-data' }, { ...child, retainOnDelete: true });
    const hardening = {
      readOnly: true,
      capabilities: { drops: ['ALL'] },
      securityOpts: ['no-new-privileges:true'],
      user: NOBODY,
      restart: 'unless-stopped',
      logDriver: 'json-file',
      logOpts: { 'max-size': '10m', 'max-file': '3' },
      networksAdvanced: [{ name: network.name, aliases: [] as string[] }],
    };

    const nodeImage = new docker.RemoteImage(`${name}-node-exporter-image`, { name: MONITORING_IMAGES.nodeExporter, keepLocally: true }, child);
    new docker.Container(
      `${name}-node-exporter`,
      {
        ...hardening,
        name: NODE_EXPORTER_HOST,
        image: nodeImage.imageId,
        networksAdvanced: [{ name: network.name, aliases: [NODE_EXPORTER_HOST] }],
        memory: 64,
        command: ['--path.rootfs=/host', '--collector.textfile.directory=/textfile'],
        mounts: [
          { type: 'bind', source: '/', target: '/host', readOnly: true, bindOptions: { propagation: 'rslave' } },
          { type: 'bind', source: args.textfileDir, target: '/textfile', readOnly: true },
        ],
        // No published port: only Prometheus, on this network, scrapes it.
      },
      child,
    );

    const promImage = new docker.RemoteImage(`${name}-prometheus-image`, { name: MONITORING_IMAGES.prometheus, keepLocally: true }, child);
    const listen = args.prometheusListen ?? '127.0.0.1';
    new docker.Container(
      `${name}-prometheus`,
      {
        ...hardening,
        name: 'prometheus',
        image: promImage.imageId,
        memory: 512,
        command: rendered.args,
        hosts: [{ host: VM_HOST_ALIAS, ip: 'host-gateway' }],
        mounts: [{ type: 'bind', source: configDir, target: '/etc/prometheus', readOnly: true }],
        volumes: [{ volumeName: data.name, containerPath: '/prometheus' }],
        ports: [{ internal: 9090, external: 9090, ip: listen, protocol: 'tcp' }],
        // A config change replaces the container, which reads the new files on start.
        labels: [{ label: 'booxstream.config-sha256', value: hash }],
      },
      { ...child, dependsOn: [configFile.check, rulesFile.check], deleteBeforeReplace: true },
    );

    if (args.grafana) {
      const g = args.grafana;
      for (const f of renderGrafanaProvisioning({ prometheusUrl: g.prometheusUrl, dashboardsPath: g.dashboardsDir })) {
        const remotePath = f.path.startsWith('json/') ? `${g.dashboardsDir}/${f.path.slice(5)}` : `${g.provisioningDir}/${f.path}`;
        const id = f.path.replace(/[^a-z0-9]+/gi, '-').replace(/-+$/, '').toLowerCase();
        remoteFile(`${name}-grafana-${id}`, { connection: g.connection, remotePath, content: f.content, removeOnDelete: true }, this);
      }
    }

    this.networkName = network.name;
    this.prometheusUrl = pulumi.output(`http://${listen}:9090`);
    this.configHash = pulumi.output(hash);
    this.registerOutputs({ networkName: this.networkName, prometheusUrl: this.prometheusUrl, configHash: this.configHash });
  }
}
