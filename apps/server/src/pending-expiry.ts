/**
 * Deletes what waits too long for a human: pending devices nobody approved and
 * re-registrations from a new network nobody confirmed (`PENDING_DEVICE_TTL_MS`).
 * Otherwise anyone could fill the admins' list and the database with registrations.
 */
import type { AuditLog } from './db/audit.js';
import type { DeviceStore } from './db/devices.js';
import { devicePrefix, type Logger } from './logger.js';

/** Longest gap between sweeps, so an expiry is late by at most this much. */
const MAX_SWEEP_INTERVAL_MS = 5 * 60_000;

export class PendingExpiry {
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly devices: DeviceStore,
    private readonly audit: AuditLog,
    private readonly logger: Logger,
    private readonly ttlMs: number,
    /** Called for each expired device, to close whatever the relay holds for it. */
    private readonly onDeleted: (uuid: string) => void,
  ) {
    this.sweep();
    this.#timer = setInterval(() => this.sweep(), Math.min(MAX_SWEEP_INTERVAL_MS, Math.max(1000, ttlMs / 4))).unref();
  }

  /** Expires everything older than the TTL; returns how many rows went. */
  sweep(now = Date.now()): number {
    const { devices, reregistrations } = this.devices.expirePending(now - this.ttlMs);
    for (const uuid of devices) {
      this.audit.record('expire', devicePrefix(uuid), null, 'pending device never approved');
      this.onDeleted(uuid);
    }
    for (const uuid of reregistrations) this.audit.record('expire', devicePrefix(uuid), null, 're-registration from a new network never confirmed');
    if (devices.length + reregistrations.length > 0) {
      this.logger.info({ devices: devices.length, reregistrations: reregistrations.length }, 'expired unapproved registrations');
    }
    return devices.length + reregistrations.length;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
