/**
 * A Hub for the relay's unit tests over real parts: a SQLite device store and
 * audit log in a temp dir, real metrics and a real logger whose lines land in
 * `logs`. Sockets are the caller's (TestSocket, or real ones in upgrades.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../db/audit.js';
import { openDatabase, type Db } from '../db/database.js';
import { DeviceStore } from '../db/devices.js';
import { createLogger } from '../logger.js';
import { createMetrics, type Metrics } from '../metrics.js';
import { Hub, type HubOptions } from './hub.js';

export interface HubFixture {
  readonly hub: Hub;
  readonly db: Db;
  readonly devices: DeviceStore;
  readonly audit: AuditLog;
  readonly metrics: Metrics;
  /** Every log line, parsed. */
  readonly logs: Record<string, unknown>[];
  /** Addresses the audit limiter was asked about; set `allow` to refuse. */
  readonly limiter: { allow: boolean; readonly asked: string[] };
  /** Closes the hub and the database, removes the temp dir. */
  dispose(): void;
}

export const TEST_HUB_OPTIONS = {
  device: { authTimeoutMs: 10_000, messageRate: 1000, rejectRate: 3, maxQueuedBytes: 65536, preAuthMaxBytes: 4096 },
  viewerMaxBufferedBytes: 1 << 20,
  viewerMaxQueuedBytes: 8 << 20,
  viewerMessageRate: 1000,
  maxUnauthenticatedPerAddress: 2,
  maxUnauthenticated: 3,
  maxViewersPerHost: 2,
  pingIntervalMs: 3_600_000,
  statsIntervalMs: 1000,
  patches: false,
  // Off: the cool-down after a budget cut has its own real-socket tests (test/limits.test.ts).
  deviceCoolDownMs: 0,
} as const;

export function hubFixture(over: Partial<HubOptions> = {}): HubFixture {
  const dir = mkdtempSync(join(tmpdir(), 'bxs-hub-'));
  const db = openDatabase(dir);
  const devices = new DeviceStore(db);
  const audit = new AuditLog(db);
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ logLevel: 'info', logSink: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  let hub: Hub | undefined;
  const metrics = createMetrics({
    hostCounts: () => devices.countsByStatus(), streamingHosts: () => hub!.streamingCount, viewers: () => hub!.viewerCount, devices: () => hub!.deviceSocketCount,
  });
  const limiter = { allow: true, asked: [] as string[] };
  hub = new Hub({
    devices, audit, metrics, logger,
    ...TEST_HUB_OPTIONS,
    auditLimiter: { take: (key) => (limiter.asked.push(key), { ok: limiter.allow }) },
    ...over,
  });
  const h = hub;
  return {
    hub: h, db, devices, audit, metrics, logs, limiter,
    dispose() {
      h.close();
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A counter's value (or a histogram's `_count`), summed over the series matching `labels`. */
export async function metricValue(m: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const base = name.replace(/_count$/, '');
  const got = await m.registry.getSingleMetric(base)!.get();
  return got.values
    .filter((v) => (base === name || (v as { metricName?: string }).metricName === name) && Object.entries(labels).every(([k, x]) => v.labels[k] === x))
    .reduce((n, v) => n + v.value, 0);
}
