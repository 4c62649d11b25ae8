/**
 * Seed 002's monitoring and backup layers on the BooxStream VM, from the stack config: the
 * Monitoring component (Prometheus + node exporter, optional Grafana provisioning) and the
 * BackupSchedule (timer + service + restic password). program.ts calls this once.
 */
import type * as command from '@pulumi/command';
import type * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import { BackupSchedule } from './components/backup-schedule.js';
import { Monitoring } from './components/monitoring.js';
import { databaseBackupHook, databaseScrapeTarget } from '@booxstream/gateway';
import type { StackConfig } from './config.js';
import { CONTAINER_DATA_DIR } from './server-container.js';

type Connection = pulumi.Input<command.types.input.remote.ConnectionArgs>;

export interface ObservabilityOutputs {
  /** Prometheus on the VM (loopback unless monitoring.prometheusListen says otherwise); null when disabled. */
  prometheusUrl: pulumi.Output<string | null>;
  /** The backup timer unit; null without a `backup` key. */
  backupTimer: pulumi.Output<string | null>;
}

export function declareObservability(
  cfg: StackConfig,
  deps: { dockerProvider: docker.Provider; vmConnection: Connection; gatewayConnection: Connection },
): ObservabilityOutputs {
  const o = cfg.observability;
  // Apps the program deploys with a database bring their exporter and their dump step.
  const dbApps = cfg.gateway.apps.flatMap((app) => (app.deploy?.database ? [{ app, db: app.deploy.database }] : []));
  const dbTargets = dbApps.map(({ app, db }) => databaseScrapeTarget(app, db, cfg.vm.address));
  const hooks = dbApps.map(({ app, db }) => databaseBackupHook(app, db));
  let prometheusUrl: pulumi.Output<string | null> = pulumi.output(null);
  if (o.monitoring.enabled) {
    const g = o.monitoring.grafana;
    const monitoring = new Monitoring('monitoring', {
      provider: deps.dockerProvider,
      connection: deps.vmConnection,
      serverPort: cfg.serverHttpPort,
      textfileDir: o.monitoring.textfileDir,
      prometheusListen: o.monitoring.prometheusListen,
      retention: o.monitoring.retention,
      extra: {
        ...(o.monitoring.traefikMetrics ? { traefik: { address: o.monitoring.traefikMetrics } } : {}),
        ...(o.monitoring.cloudflaredMetrics ? { cloudflared: { address: o.monitoring.cloudflaredMetrics } } : {}),
        apps: [...o.monitoring.apps, ...dbTargets],
      },
      ...(g
        ? { grafana: { connection: g.on === 'gateway' ? deps.gatewayConnection : deps.vmConnection, provisioningDir: g.provisioningDir, dashboardsDir: g.dashboardsDir, prometheusUrl: g.prometheusUrl } }
        : {}),
    });
    prometheusUrl = monitoring.prometheusUrl;
  }
  let backupTimer: pulumi.Output<string | null> = pulumi.output(null);
  const b = o.backup;
  if (b && o.resticPassword !== null) {
    const schedule = new BackupSchedule('backup', {
      connection: deps.vmConnection,
      resticPassword: pulumi.secret(o.resticPassword),
      units: {
        serverContainer: cfg.vm.containerName,
        // The image by id is an Output; the units name the local tag the VM's daemon holds.
        image: `${cfg.vm.imageName}:latest`,
        dataDir: CONTAINER_DATA_DIR,
        repository: b.repository,
        repositoryHostDir: b.repositoryHostDir,
        passwordFile: b.passwordFile,
        ...(b.environmentFile ? { environmentFile: b.environmentFile } : {}),
        textfileDir: o.monitoring.textfileDir,
        keepLast: b.keepLast,
        onCalendar: b.onCalendar,
        extraExecStartPre: hooks.flatMap((h) => h.extraExecStartPre),
        include: Object.assign({}, ...hooks.map((h) => h.include)) as Record<string, string>,
      },
      hookFiles: hooks.flatMap((h) => h.files),
    });
    backupTimer = schedule.timerName;
  }
  return { prometheusUrl, backupTimer };
}
