/**
 * The `monitoring`, `backup` and `resticPassword` stack keys (seed 002's monitoring and backup
 * layers), validated into plain values. Kept apart from config.ts so the layers' settings live in
 * one place; config.ts calls `parseObservability` and reports its issues with the others.
 */
type Issue = (key: string, message: string) => void;
type Obj = Record<string, unknown>;

export interface GrafanaSettings {
  /** Which host's Grafana provisions from files: the VM or the gateway (SSH already configured). */
  readonly on: 'vm' | 'gateway';
  readonly provisioningDir: string;
  readonly dashboardsDir: string;
  /** Prometheus as that Grafana reaches it. */
  readonly prometheusUrl: string;
}

export interface MonitoringSettings {
  /** [enabled=true] */
  readonly enabled: boolean;
  /** [prometheusListen='127.0.0.1'] */
  readonly prometheusListen: string;
  /** [retention='15d'] */
  readonly retention: string;
  /** Traefik's metrics entry point as the VM reaches it (`host:port`); null = not scraped. [traefikMetrics=null] */
  readonly traefikMetrics: string | null;
  /** cloudflared's `--metrics` address (`host:port`); null = not scraped. [cloudflaredMetrics=null] */
  readonly cloudflaredMetrics: string | null;
  /** Node exporter textfile directory on the VM (the backup writes its timestamp there). [textfileDir='/var/lib/booxstream/node-exporter'] */
  readonly textfileDir: string;
  readonly grafana: GrafanaSettings | null;
  /** Other apps' metrics endpoints on the VM (e.g. a MariaDB exporter): a job `app-<name>` each. [apps=[]] */
  readonly apps: readonly { readonly name: string; readonly address: string; readonly metricsPath: string }[];
}

export interface BackupSettings {
  /** restic repository inside the backup container: a path (with repositoryHostDir) or a remote (`sftp:`, `s3:`, `b2:`, `rest:`). */
  readonly repository: string;
  /** Host directory mounted at `repository` for a local repository; null for a remote one. [repositoryHostDir=null] */
  readonly repositoryHostDir: string | null;
  /** [onCalendar='*-*-* 02:00:00'] */
  readonly onCalendar: string;
  /** [keepLast=10] */
  readonly keepLast: number;
  /** [passwordFile='/etc/booxstream/restic-password'] */
  readonly passwordFile: string;
  /** Root-only file of backend credentials (`AWS_ACCESS_KEY_ID=…`) for an off-site repository. [environmentFile=null] */
  readonly environmentFile: string | null;
}

export interface ObservabilityConfig {
  readonly monitoring: MonitoringSettings;
  /** null when the `backup` key is absent. */
  readonly backup: BackupSettings | null;
  /** Plain here; wrapped in pulumi.secret before use. */
  readonly resticPassword: string | null;
}

const SAFE_ABS_PATH = /^\/[A-Za-z0-9._/-]+$/;
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;
const DURATION = /^\d+[smhdwy]$/;

function object(value: unknown, key: string, allowed: string[], issue: Issue): Obj {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issue(key, 'must be a mapping');
    return {};
  }
  for (const k of Object.keys(value)) if (!allowed.includes(k)) issue(`${key}.${k}`, `unknown field (known: ${allowed.join(', ')})`);
  return value as Obj;
}

function str(o: Obj, key: string, path: string, issue: Issue, fallback: string | null, pattern?: RegExp, hint?: string): string | null {
  const v = o[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string' || v.trim() === '' || /[\r\n]/.test(v)) {
    issue(path, 'must be a non-empty single-line string');
    return fallback;
  }
  if (pattern && !pattern.test(v)) issue(path, `${JSON.stringify(v)} is not ${hint}`);
  return v;
}

export function parseObservability(monitoringRaw: unknown, backupRaw: unknown, passwordRaw: unknown, issue: Issue): ObservabilityConfig {
  const m = object(monitoringRaw, 'monitoring', ['enabled', 'prometheusListen', 'retention', 'traefikMetrics', 'cloudflaredMetrics', 'textfileDir', 'grafana', 'apps'], issue);
  const apps: { name: string; address: string; metricsPath: string }[] = [];
  if (m['apps'] !== undefined) {
    if (!Array.isArray(m['apps'])) issue('monitoring.apps', 'must be a list of { name, address, metricsPath }');
    else {
      (m['apps'] as unknown[]).forEach((entry, i) => {
        const at = `monitoring.apps[${i}]`;
        const a = object(entry, at, ['name', 'address', 'metricsPath'], issue);
        apps.push({
          name: str(a, 'name', `${at}.name`, issue, '', /^[a-z][a-z0-9-]{0,39}$/, 'a lowercase name')!,
          address: str(a, 'address', `${at}.address`, issue, '', HOST_PORT, 'host:port as Prometheus reaches it')!,
          metricsPath: str(a, 'metricsPath', `${at}.metricsPath`, issue, '/metrics', /^\/[\w\-./]*$/, 'an absolute path')!,
        });
        if (!a['name']) issue(`${at}.name`, 'required');
        if (!a['address']) issue(`${at}.address`, 'required');
      });
    }
  }
  if (m['enabled'] !== undefined && typeof m['enabled'] !== 'boolean') issue('monitoring.enabled', 'must be true or false');
  let grafana: GrafanaSettings | null = null;
  if (m['grafana'] !== undefined) {
    const g = object(m['grafana'], 'monitoring.grafana', ['on', 'provisioningDir', 'dashboardsDir', 'prometheusUrl'], issue);
    const on = str(g, 'on', 'monitoring.grafana.on', issue, 'vm', /^(vm|gateway)$/, '"vm" or "gateway"');
    grafana = {
      on: on === 'gateway' ? 'gateway' : 'vm',
      provisioningDir: str(g, 'provisioningDir', 'monitoring.grafana.provisioningDir', issue, '/etc/grafana/provisioning', SAFE_ABS_PATH, 'an absolute path')!,
      dashboardsDir: str(g, 'dashboardsDir', 'monitoring.grafana.dashboardsDir', issue, '/var/lib/grafana/dashboards/booxstream', SAFE_ABS_PATH, 'an absolute path')!,
      prometheusUrl: str(g, 'prometheusUrl', 'monitoring.grafana.prometheusUrl', issue, 'http://127.0.0.1:9090', /^https?:\/\/\S+$/, 'an http(s) URL')!,
    };
  }
  const monitoring: MonitoringSettings = {
    enabled: m['enabled'] !== false,
    prometheusListen: str(m, 'prometheusListen', 'monitoring.prometheusListen', issue, '127.0.0.1', /^[0-9a-fA-F.:]+$/, 'an IP address')!,
    retention: str(m, 'retention', 'monitoring.retention', issue, '15d', DURATION, 'a duration like 15d')!,
    traefikMetrics: str(m, 'traefikMetrics', 'monitoring.traefikMetrics', issue, null, HOST_PORT, 'host:port'),
    cloudflaredMetrics: str(m, 'cloudflaredMetrics', 'monitoring.cloudflaredMetrics', issue, null, HOST_PORT, 'host:port'),
    textfileDir: str(m, 'textfileDir', 'monitoring.textfileDir', issue, '/var/lib/booxstream/node-exporter', SAFE_ABS_PATH, 'an absolute path')!,
    grafana,
    apps,
  };

  let backup: BackupSettings | null = null;
  if (backupRaw !== undefined) {
    const b = object(backupRaw, 'backup', ['repository', 'repositoryHostDir', 'onCalendar', 'keepLast', 'passwordFile', 'environmentFile'], issue);
    const repository = str(b, 'repository', 'backup.repository', issue, null);
    if (repository === null) issue('backup.repository', 'required: where restic stores snapshots (a path with repositoryHostDir, or sftp:/s3:/b2:/rest:)');
    const keepLast = b['keepLast'] ?? 10;
    if (typeof keepLast !== 'number' || !Number.isInteger(keepLast) || keepLast < 1 || keepLast > 1000) issue('backup.keepLast', 'must be an integer from 1 to 1000');
    backup = {
      repository: repository ?? '',
      repositoryHostDir: str(b, 'repositoryHostDir', 'backup.repositoryHostDir', issue, null, SAFE_ABS_PATH, 'an absolute path'),
      onCalendar: str(b, 'onCalendar', 'backup.onCalendar', issue, '*-*-* 02:00:00', /^[A-Za-z0-9*,.:/~ -]+$/, 'a systemd OnCalendar expression')!,
      keepLast: typeof keepLast === 'number' ? keepLast : 10,
      passwordFile: str(b, 'passwordFile', 'backup.passwordFile', issue, '/etc/booxstream/restic-password', SAFE_ABS_PATH, 'an absolute path')!,
      environmentFile: str(b, 'environmentFile', 'backup.environmentFile', issue, null, SAFE_ABS_PATH, 'an absolute path'),
    };
    if (typeof passwordRaw !== 'string' || passwordRaw.length < 12) {
      issue('resticPassword', 'required with backup, at least 12 characters: `pulumi config set --secret resticPassword …` (lose it and the snapshots are unreadable)');
    }
  }
  return { monitoring, backup, resticPassword: typeof passwordRaw === 'string' ? passwordRaw : null };
}
