/**
 * Prometheus metrics (prom-client), one registry per server instance. No
 * label carries a uuid: the uuid is a device's secret.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly framesIn: Counter;
  readonly framesDeduplicated: Counter;
  readonly framesRejected: Counter;
  readonly framesOut: Counter;
  readonly framesSkipped: Counter;
  readonly bytesIn: Counter;
  readonly bytesOut: Counter;
  readonly relayLatency: Histogram;
  readonly authFailures: Counter<'reason'>;
  readonly registrations: Counter<'kind'>;
  readonly patchEncodeSeconds: Histogram<'result'>;
  readonly patchDecodeFailures: Counter;
  readonly historyStored: Counter;
  readonly historyBytesStored: Counter;
  readonly historyDropped: Counter<'reason'>;
  readonly socketsCut: Counter<'kind' | 'reason'>;
  readonly upgradesRefused: Counter<'reason'>;
  readonly deviceRouteIdentityHeaders: Counter<'route'>;
}

export interface MetricsSources {
  hostCounts(): Record<'pending' | 'approved' | 'revoked', number>;
  streamingHosts(): number;
  viewers(): number;
  devices(): number;
}

export function createMetrics(sources: MetricsSources): Metrics {
  const registry = new Registry();
  // prom-client samples event-loop delay with a timer at this resolution. Its 10 ms
  // default woke the process 100 times a second (4 ms of CPU per second on an idle
  // server, 0.4 ms per frame at 10 fps); 100 ms still cost ~1 ms/s, a third of the
  // server's lead over the bench's floor relay at 10 viewers. At 1 s a stall still
  // shows whenever the timer falls due inside it, which over a scrape interval of
  // 15-60 samples catches any that matter.
  collectDefaultMetrics({ register: registry, prefix: 'booxstream_', eventLoopMonitoringPrecision: 1000 });
  const r = [registry];
  new Gauge({
    name: 'booxstream_hosts',
    help: 'Registered devices by status',
    labelNames: ['status'],
    registers: r,
    collect() {
      for (const [status, n] of Object.entries(sources.hostCounts())) this.set({ status }, n);
    },
  });
  new Gauge({ name: 'booxstream_hosts_streaming', help: 'Devices with a live streaming connection', registers: r, collect() { this.set(sources.streamingHosts()); } });
  new Gauge({ name: 'booxstream_viewers', help: 'Connected viewer WebSockets', registers: r, collect() { this.set(sources.viewers()); } });
  new Gauge({ name: 'booxstream_device_sockets', help: 'Open device WebSockets (authenticated or not)', registers: r, collect() { this.set(sources.devices()); } });
  return {
    registry,
    framesIn: new Counter({ name: 'booxstream_frames_in_total', help: 'Valid frame messages received from devices (distinct or identical)', registers: r }),
    framesDeduplicated: new Counter({ name: 'booxstream_frames_deduplicated_total', help: 'Frames identical to the previous one (or binary "unchanged"), not relayed', registers: r }),
    framesRejected: new Counter({ name: 'booxstream_frames_rejected_total', help: 'Device messages refused (malformed JSON, bad base64, not a JPEG, ...)', registers: r }),
    framesOut: new Counter({ name: 'booxstream_frames_out_total', help: 'Frames sent to viewers', registers: r }),
    framesSkipped: new Counter({ name: 'booxstream_frames_skipped_total', help: 'Frames not sent to a congested viewer (it gets the newest later)', registers: r }),
    bytesIn: new Counter({ name: 'booxstream_bytes_in_total', help: 'Bytes of device messages received', registers: r }),
    bytesOut: new Counter({ name: 'booxstream_bytes_out_total', help: 'Bytes of frames sent to viewers', registers: r }),
    relayLatency: new Histogram({
      name: 'booxstream_relay_latency_seconds',
      help: 'Time from a frame arriving to its send to the last viewer of its fan-out (or to a viewer that caught up)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: r,
    }),
    authFailures: new Counter({ name: 'booxstream_device_auth_failures_total', help: 'Refused device authentications by reason', labelNames: ['reason'], registers: r }),
    registrations: new Counter({ name: 'booxstream_registrations_total', help: 'Device registrations (new or re-registration)', labelNames: ['kind'], registers: r }),
    patchEncodeSeconds: new Histogram({
      name: 'booxstream_patch_encode_seconds',
      help: 'Finding and coding the changes of one distinct frame for patch viewers (PATCH_METHOD), by what came out (patch or full)',
      labelNames: ['result'],
      buckets: [0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: r,
    }),
    patchDecodeFailures: new Counter({ name: 'booxstream_patch_decode_failures_total', help: 'Frames the patch encoder could not decode (patch viewers got them whole)', registers: r }),
    historyStored: new Counter({ name: 'booxstream_history_frames_stored_total', help: 'Distinct frames written to the on-disk history', registers: r }),
    historyBytesStored: new Counter({ name: 'booxstream_history_bytes_stored_total', help: 'JPEG bytes written to the on-disk history', registers: r }),
    historyDropped: new Counter({ name: 'booxstream_history_frames_dropped_total', help: 'Distinct frames left out of the history (disk behind: queue_full; write_failed)', labelNames: ['reason'], registers: r }),
    socketsCut: new Counter({
      name: 'booxstream_sockets_cut_total',
      help: 'Device or viewer sockets closed for breaking a budget (message-rate, reject-rate, not-reading, preauth-bytes)',
      labelNames: ['kind', 'reason'],
      registers: r,
    }),
    upgradesRefused: new Counter({
      name: 'booxstream_upgrades_refused_total',
      help: 'Device WebSocket upgrades refused by a socket cap (unauthenticated-per-address, unauthenticated-total)',
      labelNames: ['reason'],
      registers: r,
    }),
    deviceRouteIdentityHeaders: new Counter({
      name: 'booxstream_device_route_identity_headers_total',
      help: 'Device requests and WebSocket upgrades that carried an X-authentik-* header (ignored; the gateway should have blanked it), by route',
      labelNames: ['route'],
      registers: r,
    }),
  };
}
