/**
 * Prometheus for a BooxStream VM: the scrape configuration, the alert rules and the server's
 * command-line flags, rendered from one `Monitoring` declaration. Pure: model in, files out;
 * `promtool` checks the result in the tests and the Pulumi program copies it to the VM.
 *
 * Metric names are the server's own (apps/server/src/metrics.ts, prefix `booxstream_`), the
 * node exporter's, Traefik's and cloudflared's; the backup timestamp is written by
 * `pnpm backup` into the node exporter's textfile directory (BACKUP_METRIC below).
 */
import yaml from 'js-yaml';
import { BadInputError } from '../errors.js';

/** One thing Prometheus scrapes. `address` is `host:port` as Prometheus reaches it. */
export interface ScrapeTargetInput {
  readonly address: string;
  /** [metricsPath='/metrics'] */
  readonly metricsPath?: string;
  /** [scheme='http'] */
  readonly scheme?: 'http' | 'https';
}

/** Another app on the VM that exposes Prometheus metrics; gets its own job `app-<name>`. */
export interface AppMetricsInput extends ScrapeTargetInput {
  /** Lowercase name, as in the gateway model's apps. */
  readonly name: string;
}

/** What the monitoring stack watches. Absent optional targets get no job and no rules. */
export interface MonitoringInput {
  /** The BooxStream server's HTTP port (its `/metrics`), e.g. `booxstream:3001`. */
  readonly server: ScrapeTargetInput;
  /** The VM's node exporter, e.g. `node-exporter:9100`. */
  readonly nodeExporter: ScrapeTargetInput;
  /** Traefik's Prometheus metrics entry point on the gateway, e.g. `192.168.1.10:8082`. */
  readonly traefik?: ScrapeTargetInput;
  /** cloudflared's `--metrics` address on the gateway: tunnel health. */
  readonly cloudflared?: ScrapeTargetInput;
  /** [apps=[]] */
  readonly apps?: readonly AppMetricsInput[];
  /** [scrapeInterval='15s'] */
  readonly scrapeInterval?: string;
  /** [retention='15d'] (seed 002) */
  readonly retention?: string;
  /** Where the rule file sits for Prometheus. [rulesPath='/etc/prometheus/rules/booxstream.rules.yml'] */
  readonly rulesPath?: string;
  /** Alerts fire when the last good backup is older than this many hours (daily + slack). [backupMaxAgeHours=26] */
  readonly backupMaxAgeHours?: number;
}

/** Job names: the rules and dashboards select on them. */
export const PROMETHEUS_JOBS = Object.freeze({
  prometheus: 'prometheus',
  server: 'booxstream',
  node: 'node',
  traefik: 'traefik',
  cloudflared: 'cloudflared',
  app: (name: string) => `app-${name}`,
});

/** The gauge `pnpm backup` writes for the node exporter's textfile collector. */
export const BACKUP_METRIC = 'booxstream_backup_last_success_timestamp_seconds';

/** Defaults of `MonitoringInput`. */
export const MONITORING_DEFAULTS = Object.freeze({
  scrapeInterval: '15s',
  retention: '15d',
  rulesPath: '/etc/prometheus/rules/booxstream.rules.yml',
  backupMaxAgeHours: 26,
  metricsPath: '/metrics',
});

/** Prometheus' own storage and config paths inside its container. */
export const PROMETHEUS_PATHS = Object.freeze({
  config: '/etc/prometheus/prometheus.yml',
  storage: '/prometheus',
});

const DURATION = /^\d+(ms|s|m|h|d|w|y)$/;
const ADDRESS = /^[A-Za-z0-9.\-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;
const APP_NAME = /^[a-z][a-z0-9-]{0,39}$/;

function checkTarget(what: string, t: ScrapeTargetInput): void {
  if (!ADDRESS.test(t.address)) throw new BadInputError(`monitoring.${what}.address: expected host:port, got ${JSON.stringify(t.address)}`);
  if (t.metricsPath !== undefined && !/^\/[\w\-./]*$/.test(t.metricsPath)) {
    throw new BadInputError(`monitoring.${what}.metricsPath: expected an absolute path, got ${JSON.stringify(t.metricsPath)}`);
  }
}

interface ScrapeConfig {
  job_name: string;
  scheme: 'http' | 'https';
  metrics_path: string;
  static_configs: { targets: string[] }[];
}

function job(name: string, t: ScrapeTargetInput): ScrapeConfig {
  return {
    job_name: name,
    scheme: t.scheme ?? 'http',
    metrics_path: t.metricsPath ?? MONITORING_DEFAULTS.metricsPath,
    static_configs: [{ targets: [t.address] }],
  };
}

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: 'critical' | 'warning' };
  annotations: { summary: string; description: string; runbook: string };
}

export interface RenderedPrometheus {
  /** prometheus.yml */
  configYaml: string;
  /** The rule file (one group per concern). */
  rulesYaml: string;
  rules: AlertRule[];
  /** Command-line flags of the Prometheus server (retention lives here, not in the file). */
  args: string[];
  jobs: string[];
}

/** Renders the Prometheus configuration, rules and flags. Pure; throws BadInputError naming the field. */
export function renderPrometheus(input: MonitoringInput): RenderedPrometheus {
  const interval = input.scrapeInterval ?? MONITORING_DEFAULTS.scrapeInterval;
  const retention = input.retention ?? MONITORING_DEFAULTS.retention;
  if (!DURATION.test(interval)) throw new BadInputError(`monitoring.scrapeInterval: expected a duration like 15s, got ${JSON.stringify(interval)}`);
  if (!DURATION.test(retention)) throw new BadInputError(`monitoring.retention: expected a duration like 15d, got ${JSON.stringify(retention)}`);
  checkTarget('server', input.server);
  checkTarget('nodeExporter', input.nodeExporter);
  if (input.traefik) checkTarget('traefik', input.traefik);
  if (input.cloudflared) checkTarget('cloudflared', input.cloudflared);
  const seen = new Set<string>();
  (input.apps ?? []).forEach((a, i) => {
    if (!APP_NAME.test(a.name)) throw new BadInputError(`monitoring.apps[${i}].name: expected a lowercase name, got ${JSON.stringify(a.name)}`);
    if (seen.has(a.name)) throw new BadInputError(`monitoring.apps[${i}].name: ${a.name} is declared twice`);
    seen.add(a.name);
    checkTarget(`apps[${i}]`, a);
  });

  const scrape: ScrapeConfig[] = [
    job(PROMETHEUS_JOBS.prometheus, { address: 'localhost:9090' }),
    job(PROMETHEUS_JOBS.server, input.server),
    job(PROMETHEUS_JOBS.node, input.nodeExporter),
  ];
  if (input.traefik) scrape.push(job(PROMETHEUS_JOBS.traefik, input.traefik));
  if (input.cloudflared) scrape.push(job(PROMETHEUS_JOBS.cloudflared, input.cloudflared));
  for (const a of input.apps ?? []) scrape.push(job(PROMETHEUS_JOBS.app(a.name), a));

  const rulesPath = input.rulesPath ?? MONITORING_DEFAULTS.rulesPath;
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: '10s' },
    rule_files: [rulesPath],
    scrape_configs: scrape,
  };
  // Prometheus rejects a scrape_timeout above the interval; a fast interval gets a matching timeout.
  if (parseSeconds(interval) < 10) config.global.scrape_timeout = interval;

  const rules = alertRules(input);
  const groups = [
    { name: 'booxstream-relay', rules: rules.filter((r) => r.alert.startsWith('BooxStream')) },
    { name: 'booxstream-backup', rules: rules.filter((r) => r.alert.startsWith('Backup')) },
    { name: 'host', rules: rules.filter((r) => r.alert.startsWith('Host')) },
    { name: 'gateway', rules: rules.filter((r) => r.alert.startsWith('Gateway')) },
  ].filter((g) => g.rules.length > 0);

  const args = [
    `--config.file=${PROMETHEUS_PATHS.config}`,
    `--storage.tsdb.path=${PROMETHEUS_PATHS.storage}`,
    `--storage.tsdb.retention.time=${retention}`,
    // Loopback inside its own network namespace would hide it from Grafana; the container is on
    // a private network and its port is published on the VM's loopback only (infra).
    '--web.listen-address=0.0.0.0:9090',
  ];
  return {
    configYaml: dump(config),
    rulesYaml: dump({ groups }),
    rules,
    args,
    jobs: scrape.map((s) => s.job_name),
  };
}

function parseSeconds(d: string): number {
  const m = /^(\d+)(ms|s|m|h|d|w|y)$/.exec(d)!;
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 }[m[2] as 'ms'];
  return Number(m[1]) * unit;
}

function dump(doc: unknown): string {
  return yaml.dump(doc, { lineWidth: -1, noRefs: true, quotingType: '"' });
}

/** The alert rules. Each has a `for:` so one bad scrape does not page, and a runbook. */
function alertRules(input: MonitoringInput): AlertRule[] {
  const srv = `job="${PROMETHEUS_JOBS.server}"`;
  const maxAge = (input.backupMaxAgeHours ?? MONITORING_DEFAULTS.backupMaxAgeHours) * 3600;
  const rules: AlertRule[] = [
    {
      alert: 'BooxStreamRelayDown',
      expr: `up{${srv}} == 0`,
      for: '2m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'The BooxStream relay does not answer /metrics',
        description: 'Prometheus has failed to scrape {{ $labels.instance }} for 2 minutes: tablets cannot stream and viewers see nothing.',
        runbook: 'On the VM: `docker ps -a --filter name=booxstream` and `docker logs --tail 100 booxstream`; `curl -fsS http://127.0.0.1:3001/readyz`. A crash loop on start usually names the bad variable (ConfigError) or a disk problem.',
      },
    },
    {
      alert: 'BooxStreamNoFramesWhileStreaming',
      // frames_in counts identical (deduplicated) frames too: an unchanged e-ink page still ticks.
      expr: `booxstream_hosts_streaming{${srv}} > 0 and on(job, instance) rate(booxstream_frames_in_total{${srv}}[5m]) == 0`,
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'A device is connected but no frames arrive',
        description: '{{ $value }} device(s) hold a streaming connection on {{ $labels.instance }} yet no frame was received for 5 minutes.',
        runbook: 'Check the tablet (screen capture permission revoked, app in background, Wi-Fi sleep). `booxstream_frames_rejected_total` rising means frames arrive but are refused: see the server log for the reason.',
      },
    },
    {
      alert: 'BooxStreamViewerSkipRatioHigh',
      expr:
        `sum by (job, instance) (rate(booxstream_frames_skipped_total{${srv}}[10m])) / ` +
        `(sum by (job, instance) (rate(booxstream_frames_out_total{${srv}}[10m])) + sum by (job, instance) (rate(booxstream_frames_skipped_total{${srv}}[10m]))) > 0.5`,
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Viewers miss more than half of the frames',
        description: '{{ $value | humanizePercentage }} of frames were skipped for congested viewers on {{ $labels.instance }} over 10 minutes.',
        runbook: 'Viewers are on a slow link or the VM uplink is saturated: compare `booxstream_bytes_out_total` with the link speed, look at the relay-latency panel. Lower the tablet JPEG quality, or raise VIEWER_MAX_BUFFERED_BYTES if links are fast but bursty.',
      },
    },
    {
      alert: 'BooxStreamAuthFailuresSpiking',
      expr: `sum by (job, instance) (increase(booxstream_device_auth_failures_total{${srv}}[5m])) > 20`,
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Many refused device authentications',
        description: '{{ $value }} device authentications were refused in 5 minutes on {{ $labels.instance }} (reasons in the `reason` label).',
        runbook: 'Someone may be guessing device tokens, or a revoked tablet keeps retrying. `sum by (reason) (increase(booxstream_device_auth_failures_total[1h]))` and the server log (client address) tell which; block the address at the gateway (CrowdSec) or re-pair the tablet.',
      },
    },
    {
      alert: 'BackupTooOld',
      expr: `time() - max by (instance) (${BACKUP_METRIC}) > ${maxAge}`,
      for: '10m',
      labels: { severity: 'critical' },
      annotations: {
        summary: `The last successful backup is older than ${maxAge / 3600} hours`,
        description: 'The last good backup on {{ $labels.instance }} finished {{ $value | humanizeDuration }} ago.',
        runbook: 'On the VM: `systemctl status booxstream-backup.service` and `journalctl -u booxstream-backup.service -n 100`. Wrong password and unreachable repository are named in the log; run `systemctl start booxstream-backup.service` once fixed.',
      },
    },
    {
      alert: 'BackupNeverReported',
      expr: `absent(${BACKUP_METRIC})`,
      for: `${input.backupMaxAgeHours ?? MONITORING_DEFAULTS.backupMaxAgeHours}h`,
      labels: { severity: 'critical' },
      annotations: {
        summary: 'No backup has ever reported success',
        description: `The node exporter has served no ${BACKUP_METRIC} for ${maxAge / 3600} hours.`,
        runbook: 'Check that the backup timer is installed (`systemctl list-timers booxstream-backup.timer`) and that the node exporter reads the textfile directory the backup writes to.',
      },
    },
    {
      alert: 'HostDiskAlmostFull',
      expr:
        'node_filesystem_avail_bytes{fstype!~"tmpfs|ramfs|overlay|squashfs"} / node_filesystem_size_bytes{fstype!~"tmpfs|ramfs|overlay|squashfs"} < 0.1 ' +
        'and node_filesystem_readonly == 0',
      for: '15m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'A filesystem has less than 10% free',
        description: '{{ $labels.mountpoint }} on {{ $labels.instance }} has {{ $value | humanizePercentage }} free.',
        runbook: '`du -xsh /var/lib/docker/* | sort -h`; old images: `docker image prune`; Prometheus data is bounded by its retention; a full disk stops SQLite writes (device approvals) and backups.',
      },
    },
    {
      alert: 'HostNodeExporterDown',
      expr: `up{job="${PROMETHEUS_JOBS.node}"} == 0`,
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'The node exporter does not answer',
        description: 'Host metrics and the backup timestamp of {{ $labels.instance }} are not collected.',
        runbook: '`docker logs node-exporter` on the VM; the disk and backup alerts are blind until it is back.',
      },
    },
  ];
  if (input.traefik) {
    rules.push(
      {
        alert: 'GatewayTraefikDown',
        expr: `up{job="${PROMETHEUS_JOBS.traefik}"} == 0`,
        for: '5m',
        labels: { severity: 'critical' },
        annotations: {
          summary: 'Traefik metrics do not answer',
          description: 'The gateway reverse proxy {{ $labels.instance }} is not scraped: every app behind it may be down.',
          runbook: 'On the gateway: `docker ps --filter name=traefik`, `docker logs traefik`. A bad dynamic file is logged with its name.',
        },
      },
      {
        alert: 'GatewayBackendDown',
        expr: `traefik_service_server_up{job="${PROMETHEUS_JOBS.traefik}"} == 0`,
        for: '5m',
        labels: { severity: 'critical' },
        annotations: {
          summary: 'Traefik reports an app backend down',
          description: 'Traefik health check of {{ $labels.service }} ({{ $labels.url }}) fails.',
          runbook: 'The app is down or unreachable from the gateway: check the VM, its firewall and the app container.',
        },
      },
      {
        alert: 'GatewayCertificateExpiringSoon',
        // Only where Traefik terminates TLS itself; behind a Cloudflare tunnel there is no such series.
        expr: `min by (cn) (traefik_tls_certs_not_after{job="${PROMETHEUS_JOBS.traefik}"}) - time() < 14 * 86400`,
        for: '1h',
        labels: { severity: 'warning' },
        annotations: {
          summary: 'A Traefik certificate expires within 14 days',
          description: 'Certificate {{ $labels.cn }} expires in {{ $value | humanizeDuration }}.',
          runbook: 'Traefik renews 30 days ahead: read its ACME log lines (DNS challenge credentials, rate limits).',
        },
      },
    );
  }
  if (input.cloudflared) {
    rules.push({
      alert: 'GatewayTunnelDisconnected',
      expr: `max by (instance) (cloudflared_tunnel_ha_connections{job="${PROMETHEUS_JOBS.cloudflared}"}) < 1 or up{job="${PROMETHEUS_JOBS.cloudflared}"} == 0`,
      for: '5m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'The Cloudflare tunnel has no connection to the edge',
        description: 'cloudflared on {{ $labels.instance }} holds no edge connection: no app is reachable from outside.',
        runbook: '`journalctl -u cloudflared` or `docker logs cloudflared` on the gateway: credentials, outbound 7844/tcp+udp, DNS.',
      },
    });
  }
  return rules;
}
