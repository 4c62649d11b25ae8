/** The BooxStream relay dashboard: devices, viewers, frame flow, bytes, latency, event loop. */
import { DashboardBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { PROMETHEUS_JOBS } from '../prometheus.js';
import { datasourceVariable, timeseries } from './panels.js';

const J = `job="${PROMETHEUS_JOBS.server}"`;
const rate = (metric: string): string => `sum(rate(${metric}{${J}}[$__rate_interval]))`;

export function relayDashboard(): DashboardBuilder {
  return new DashboardBuilder('BooxStream relay')
    .uid('booxstream-relay')
    .tags(['booxstream', 'generated'])
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .withVariable(datasourceVariable())
    .withRow(new RowBuilder('Devices and viewers'))
    .withPanel(timeseries('Hosts by status', 'short', [
      { expr: `sum by (status) (booxstream_hosts{${J}})`, legend: '{{status}}' },
      { expr: `sum(booxstream_hosts_streaming{${J}})`, legend: 'streaming' },
    ], 'Registered tablets by approval status, and those with a live streaming connection.'))
    .withPanel(timeseries('Viewers and device sockets', 'short', [
      { expr: `sum(booxstream_viewers{${J}})`, legend: 'viewers' },
      { expr: `sum(booxstream_device_sockets{${J}})`, legend: 'device sockets' },
    ]))
    .withRow(new RowBuilder('Frames'))
    .withPanel(timeseries('Frames per second', 'fps', [
      { expr: rate('booxstream_frames_in_total'), legend: 'in (from devices)' },
      { expr: rate('booxstream_frames_out_total'), legend: 'out (to viewers)' },
      { expr: rate('booxstream_frames_skipped_total'), legend: 'skipped (congested viewer)' },
      { expr: rate('booxstream_frames_deduplicated_total'), legend: 'deduplicated (screen unchanged)' },
      { expr: rate('booxstream_frames_rejected_total'), legend: 'rejected' },
    ], 'Skipped frames are not lost: a congested viewer gets the newest one when it catches up.'))
    .withPanel(timeseries('Bytes per second', 'Bps', [
      { expr: rate('booxstream_bytes_in_total'), legend: 'in' },
      { expr: rate('booxstream_bytes_out_total'), legend: 'out' },
    ]))
    .withRow(new RowBuilder('Latency and process'))
    .withPanel(timeseries('Relay latency', 's', [
      { expr: `histogram_quantile(0.5, sum by (le) (rate(booxstream_relay_latency_seconds_bucket{${J}}[$__rate_interval])))`, legend: 'p50' },
      { expr: `histogram_quantile(0.99, sum by (le) (rate(booxstream_relay_latency_seconds_bucket{${J}}[$__rate_interval])))`, legend: 'p99' },
    ], 'From a frame arriving to its send to the last viewer of its fan-out.'))
    .withPanel(timeseries('Event-loop delay', 's', [
      { expr: `max(booxstream_nodejs_eventloop_lag_p99_seconds{${J}})`, legend: 'p99' },
      { expr: `max(booxstream_nodejs_eventloop_lag_mean_seconds{${J}})`, legend: 'mean' },
    ]))
    .withPanel(timeseries('Device auth failures', 'short', [
      { expr: `sum by (reason) (increase(booxstream_device_auth_failures_total{${J}}[$__rate_interval]))`, legend: '{{reason}}' },
    ], 'Alert BooxStreamAuthFailuresSpiking fires above 20 in 5 minutes.'))
    .withPanel(timeseries('Memory', 'bytes', [
      { expr: `sum(booxstream_process_resident_memory_bytes{${J}})`, legend: 'resident' },
      { expr: `sum(booxstream_nodejs_heap_size_used_bytes{${J}})`, legend: 'heap used' },
    ]));
}
