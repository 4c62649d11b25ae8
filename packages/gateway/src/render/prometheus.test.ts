/**
 * The rendered Prometheus files against the real promtool (Debian `prometheus`): the config and
 * rules load, and every alert fires on a crafted bad series and stays quiet on a healthy one.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { BadInputError } from '../errors.js';
import { BACKUP_METRIC, type MonitoringInput, renderPrometheus } from './prometheus.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'prom-render-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

export const EXAMPLE_MONITORING: MonitoringInput = {
  server: { address: 'booxstream:3001' },
  nodeExporter: { address: 'node-exporter:9100' },
  traefik: { address: '192.168.1.10:8082' },
  cloudflared: { address: '192.168.1.10:2000' },
  apps: [{ name: 'bookstack', address: 'bookstack-exporter:9104' }],
};

async function promtool(...args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const r = await run('promtool', args, { timeout: 30_000 });
    return { ok: true, out: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

const S = 'job="booxstream", instance="booxstream:3001"';
const SL = { job: 'booxstream', instance: 'booxstream:3001' };

interface Case {
  alert: string;
  interval?: string;
  at: string;
  bad: { series: string; values: string }[];
  healthy: { series: string; values: string }[];
  labels: Record<string, string>;
}

/** One bad and one healthy history per alert (promtool's input_series notation). */
const CASES: Case[] = [
  {
    alert: 'BooxStreamRelayDown', at: '5m', labels: SL,
    bad: [{ series: `up{${S}}`, values: '0x10' }],
    healthy: [{ series: `up{${S}}`, values: '1x10' }],
  },
  {
    alert: 'BooxStreamNoFramesWhileStreaming', at: '15m', labels: SL,
    bad: [{ series: `booxstream_hosts_streaming{${S}}`, values: '1x20' }, { series: `booxstream_frames_in_total{${S}}`, values: '100x20' }],
    healthy: [{ series: `booxstream_hosts_streaming{${S}}`, values: '1x20' }, { series: `booxstream_frames_in_total{${S}}`, values: '0+600x20' }],
  },
  {
    alert: 'BooxStreamViewerSkipRatioHigh', at: '25m', labels: SL,
    bad: [{ series: `booxstream_frames_out_total{${S}}`, values: '0+60x30' }, { series: `booxstream_frames_skipped_total{${S}}`, values: '0+540x30' }],
    healthy: [{ series: `booxstream_frames_out_total{${S}}`, values: '0+600x30' }, { series: `booxstream_frames_skipped_total{${S}}`, values: '0+6x30' }],
  },
  {
    alert: 'BooxStreamAuthFailuresSpiking', at: '15m', labels: SL,
    bad: [{ series: `booxstream_device_auth_failures_total{${S}, reason="unknown_token"}`, values: '0+10x20' }],
    healthy: [{ series: `booxstream_device_auth_failures_total{${S}, reason="unknown_token"}`, values: '0+1x20' }],
  },
  {
    alert: 'BackupTooOld', interval: '5m', at: '27h', labels: { instance: 'node-exporter:9100' },
    // The value is the Unix time of the last success; promtool's clock starts at 0.
    bad: [{ series: `${BACKUP_METRIC}{job="node", instance="node-exporter:9100"}`, values: '0x330' }],
    healthy: [{ series: `${BACKUP_METRIC}{job="node", instance="node-exporter:9100"}`, values: '0+300x330' }],
  },
  {
    alert: 'BackupNeverReported', interval: '5m', at: '27h', labels: {},
    bad: [{ series: 'up{job="node", instance="node-exporter:9100"}', values: '1x330' }],
    healthy: [{ series: `${BACKUP_METRIC}{job="node", instance="node-exporter:9100"}`, values: '0+300x330' }],
  },
  {
    alert: 'HostDiskAlmostFull', at: '30m',
    labels: { job: 'node', instance: 'node-exporter:9100', device: '/dev/sda1', fstype: 'ext4', mountpoint: '/' },
    bad: disk('5'),
    healthy: [...disk('50'), ...disk('1', 'tmpfs', '/run')],
  },
  {
    alert: 'HostNodeExporterDown', at: '10m', labels: { job: 'node', instance: 'node-exporter:9100' },
    bad: [{ series: 'up{job="node", instance="node-exporter:9100"}', values: '0x20' }],
    healthy: [{ series: 'up{job="node", instance="node-exporter:9100"}', values: '1x20' }],
  },
  {
    alert: 'GatewayTraefikDown', at: '10m', labels: { job: 'traefik', instance: '192.168.1.10:8082' },
    bad: [{ series: 'up{job="traefik", instance="192.168.1.10:8082"}', values: '0x20' }],
    healthy: [{ series: 'up{job="traefik", instance="192.168.1.10:8082"}', values: '1x20' }],
  },
  {
    alert: 'GatewayBackendDown', at: '10m',
    labels: { job: 'traefik', instance: '192.168.1.10:8082', service: 'booxstream-backend@file', url: 'http://10.0.0.5:3001' },
    bad: [{ series: 'traefik_service_server_up{job="traefik", instance="192.168.1.10:8082", service="booxstream-backend@file", url="http://10.0.0.5:3001"}', values: '0x20' }],
    healthy: [{ series: 'traefik_service_server_up{job="traefik", instance="192.168.1.10:8082", service="booxstream-backend@file", url="http://10.0.0.5:3001"}', values: '1x20' }],
  },
  {
    alert: 'GatewayCertificateExpiringSoon', at: '2h', labels: { cn: 'kevinvdb.dev' },
    bad: [{ series: 'traefik_tls_certs_not_after{job="traefik", instance="t:8082", cn="kevinvdb.dev"}', values: `${5 * 86400}x150` }],
    healthy: [{ series: 'traefik_tls_certs_not_after{job="traefik", instance="t:8082", cn="kevinvdb.dev"}', values: `${60 * 86400}x150` }],
  },
  {
    alert: 'GatewayTunnelDisconnected', at: '10m', labels: { instance: '192.168.1.10:2000' },
    bad: [{ series: 'cloudflared_tunnel_ha_connections{job="cloudflared", instance="192.168.1.10:2000"}', values: '0x20' }, { series: 'up{job="cloudflared", instance="192.168.1.10:2000"}', values: '1x20' }],
    healthy: [{ series: 'cloudflared_tunnel_ha_connections{job="cloudflared", instance="192.168.1.10:2000"}', values: '4x20' }, { series: 'up{job="cloudflared", instance="192.168.1.10:2000"}', values: '1x20' }],
  },
];

function disk(avail: string, fstype = 'ext4', mountpoint = '/'): { series: string; values: string }[] {
  const l = `job="node", instance="node-exporter:9100", device="/dev/sda1", fstype="${fstype}", mountpoint="${mountpoint}"`;
  return [
    { series: `node_filesystem_avail_bytes{${l}}`, values: `${avail}x40` },
    { series: `node_filesystem_size_bytes{${l}}`, values: '100x40' },
    { series: `node_filesystem_readonly{${l}}`, values: '0x40' },
  ];
}

/** A rules file without annotations: promtool compares annotations exactly, and these are templates. */
function rulesWithoutAnnotations(rulesYaml: string): string {
  const doc = yaml.load(rulesYaml) as { groups: { rules: Record<string, unknown>[] }[] };
  for (const g of doc.groups) for (const r of g.rules) delete r['annotations'];
  return yaml.dump(doc);
}

function unitTests(cases: Case[], rulesFile: string): string {
  const tests = cases.flatMap((c) => {
    const severity = renderPrometheus(EXAMPLE_MONITORING).rules.find((r) => r.alert === c.alert)?.labels.severity;
    return [
      {
        name: `${c.alert} fires`,
        interval: c.interval ?? '1m',
        input_series: c.bad,
        alert_rule_test: [{ eval_time: c.at, alertname: c.alert, exp_alerts: [{ exp_labels: { ...c.labels, severity } }] }],
      },
      {
        name: `${c.alert} stays quiet`,
        interval: c.interval ?? '1m',
        input_series: c.healthy,
        alert_rule_test: [{ eval_time: c.at, alertname: c.alert, exp_alerts: [] }],
      },
    ];
  });
  return yaml.dump({ rule_files: [rulesFile], evaluation_interval: '5m', tests });
}

describe('renderPrometheus', () => {
  const rendered = renderPrometheus({ ...EXAMPLE_MONITORING, rulesPath: join(dir, 'rules.yml') });
  writeFileSync(join(dir, 'rules.yml'), rendered.rulesYaml);
  writeFileSync(join(dir, 'prometheus.yml'), rendered.configYaml);

  it('scrapes the server, the node exporter, Traefik, cloudflared and every declared app', () => {
    expect(rendered.jobs).toEqual(['prometheus', 'booxstream', 'node', 'traefik', 'cloudflared', 'app-bookstack']);
    const doc = yaml.load(rendered.configYaml) as { scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[] };
    const boox = doc.scrape_configs.find((j) => j.job_name === 'booxstream')!;
    expect(boox.metrics_path).toBe('/metrics');
    expect(boox.static_configs[0]!.targets).toEqual(['booxstream:3001']);
    expect(rendered.args).toContain('--storage.tsdb.retention.time=15d');
  });

  it('promtool check config and check rules accept the files', async () => {
    const cfg = await promtool('check', 'config', join(dir, 'prometheus.yml'));
    expect(cfg.out).toContain('SUCCESS');
    expect(cfg.ok).toBe(true);
    const rules = await promtool('check', 'rules', join(dir, 'rules.yml'));
    expect(rules.ok, rules.out).toBe(true);
    expect(rules.out).toContain(`${rendered.rules.length} rules found`);
  });

  it('every alert has a for: duration and a runbook', () => {
    for (const r of rendered.rules) {
      expect(r.for, r.alert).toMatch(/^\d+[smh]$/);
      expect(r.annotations.runbook.length, r.alert).toBeGreaterThan(20);
    }
  });

  it('promtool test rules: each alert fires on its bad series and stays quiet on the healthy one', { timeout: 60_000 }, async () => {
    expect(CASES.map((c) => c.alert).sort()).toEqual(rendered.rules.map((r) => r.alert).sort());
    writeFileSync(join(dir, 'rules-bare.yml'), rulesWithoutAnnotations(rendered.rulesYaml));
    writeFileSync(join(dir, 'tests.yml'), unitTests(CASES, join(dir, 'rules-bare.yml')));
    const r = await promtool('test', 'rules', join(dir, 'tests.yml'));
    expect(r.out).toContain('SUCCESS');
    expect(r.ok, r.out).toBe(true);
  });

  it('a broken case is caught: a healthy series that would fire fails promtool', async () => {
    const flipped: Case[] = [{ ...CASES[0]!, healthy: CASES[0]!.bad }];
    writeFileSync(join(dir, 'tests-flipped.yml'), unitTests(flipped, join(dir, 'rules-bare.yml')));
    const r = await promtool('test', 'rules', join(dir, 'tests-flipped.yml'));
    expect(r.ok).toBe(false);
  });

  it('drops optional jobs and their rules when absent', () => {
    const min = renderPrometheus({ server: { address: '127.0.0.1:3001' }, nodeExporter: { address: '127.0.0.1:9100' } });
    expect(min.jobs).toEqual(['prometheus', 'booxstream', 'node']);
    expect(min.rules.some((r) => r.alert.startsWith('Gateway'))).toBe(false);
  });

  it('names the bad field', () => {
    expect(() => renderPrometheus({ ...EXAMPLE_MONITORING, retention: 'two weeks' })).toThrow(/monitoring\.retention/);
    expect(() => renderPrometheus({ ...EXAMPLE_MONITORING, server: { address: 'http://x:1' } })).toThrow(BadInputError);
    expect(() => renderPrometheus({ ...EXAMPLE_MONITORING, apps: [{ name: 'a', address: 'a:1' }, { name: 'a', address: 'b:1' }] })).toThrow(/apps\[1\]\.name/);
  });
});
