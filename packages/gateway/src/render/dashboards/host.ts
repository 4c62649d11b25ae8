/** The VM dashboard: what the BooxStream owner checks first (CPU, memory, disk, network, backups). */
import { DashboardBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { BACKUP_METRIC, PROMETHEUS_JOBS } from '../prometheus.js';
import { datasourceVariable, timeseries } from './panels.js';

const J = `job="${PROMETHEUS_JOBS.node}"`;
const FS = `${J}, fstype!~"tmpfs|ramfs|overlay|squashfs"`;

export function hostDashboard(): DashboardBuilder {
  return new DashboardBuilder('BooxStream host')
    .uid('booxstream-host')
    .tags(['booxstream', 'generated'])
    .refresh('1m')
    .time({ from: 'now-24h', to: 'now' })
    .withVariable(datasourceVariable())
    .withRow(new RowBuilder('Host'))
    .withPanel(timeseries('CPU busy', 'percentunit', [
      { expr: `1 - avg(rate(node_cpu_seconds_total{${J}, mode="idle"}[$__rate_interval]))`, legend: 'busy' },
    ]))
    .withPanel(timeseries('Memory available', 'percentunit', [
      { expr: `node_memory_MemAvailable_bytes{${J}} / node_memory_MemTotal_bytes{${J}}`, legend: 'available' },
    ]))
    .withPanel(timeseries('Disk free', 'percentunit', [
      { expr: `node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}}`, legend: '{{mountpoint}}' },
    ], 'Alert HostDiskAlmostFull fires below 10 %.'))
    .withPanel(timeseries('Network', 'Bps', [
      { expr: `sum by (device) (rate(node_network_receive_bytes_total{${J}, device!="lo"}[$__rate_interval]))`, legend: '{{device}} in' },
      { expr: `sum by (device) (rate(node_network_transmit_bytes_total{${J}, device!="lo"}[$__rate_interval]))`, legend: '{{device}} out' },
    ]))
    .withPanel(timeseries('Load', 'short', [{ expr: `node_load1{${J}}`, legend: 'load 1m' }]))
    .withRow(new RowBuilder('Backups'))
    .withPanel(timeseries('Time since the last good backup', 's', [
      { expr: `time() - max(${BACKUP_METRIC})`, legend: 'age' },
    ], 'Alert BackupTooOld fires above 26 h.'))
    .withPanel(timeseries('Snapshots kept', 'short', [{ expr: 'max(booxstream_backup_snapshots)', legend: 'snapshots' }]));
}
