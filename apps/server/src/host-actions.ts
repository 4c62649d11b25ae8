/**
 * Admin actions on a device, shared by the HTTP API and `RunningServer.approveDevice`:
 * the database change, the audit row, and the live effect on the relay.
 */
import type { AuditLog } from './db/audit.js';
import type { DeviceRow, DeviceStore } from './db/devices.js';
import { findDevice } from './device-access.js';
import { HttpError } from './errors.js';
import { devicePrefix, type Logger } from './logger.js';
import type { Hub } from './relay/hub.js';

export class HostActions {
  constructor(
    readonly devices: DeviceStore,
    readonly audit: AuditLog,
    readonly hub: Hub,
    readonly logger: Logger,
  ) {}

  get(uuid: string): DeviceRow {
    return findDevice(this.devices, uuid);
  }

  /** Approves a pending or revoked device; the approver becomes its owner. Approving an approved device changes nothing. */
  approve(uuid: string, actor: string): DeviceRow {
    const row = this.get(uuid);
    if (row.status === 'approved') return row;
    const updated = this.devices.setStatus(uuid, 'approved', actor, Date.now())!;
    this.audit.record('approve', devicePrefix(uuid), actor, `from ${row.status}`);
    this.logger.info({ device: devicePrefix(uuid), actor }, 'device approved');
    this.hub.onApproved(updated);
    return updated;
  }

  /** Revokes a device: its token stops working and its live connection is closed. The owner is kept. */
  revoke(uuid: string, actor: string): DeviceRow {
    const row = this.get(uuid);
    if (row.status === 'revoked') return row;
    const updated = this.devices.setStatus(uuid, 'revoked', row.owner, row.approved_at)!;
    this.audit.record('revoke', devicePrefix(uuid), actor, `from ${row.status}`);
    this.logger.info({ device: devicePrefix(uuid), actor }, 'device revoked');
    this.hub.onRevoked(updated);
    return updated;
  }

  /**
   * Makes a re-registration from a new network the device's current token (owner or admin,
   * checked by the caller). With `expectedNetwork` (what the person was shown), a newer
   * re-registration from another network that replaced it meanwhile is refused, not confirmed.
   */
  confirmNetwork(uuid: string, actor: string, expectedNetwork: string | null = null): DeviceRow {
    const pending = this.devices.reregistration(this.get(uuid).uuid);
    if (pending && expectedNetwork !== null && pending.network !== expectedNetwork) {
      throw new HttpError(409, 'HOST_ERR_REREGISTRATION_CHANGED',
        `The waiting re-registration now comes from ${pending.network}, not ${expectedNetwork}; look at it again before confirming.`, 'network');
    }
    const updated = pending ? this.devices.confirmReregistration(uuid) : undefined;
    if (!pending || !updated) throw new HttpError(404, 'HOST_ERR_NO_REREGISTRATION', 'This device has no re-registration from a new network waiting.', 'uuid');
    this.audit.record('confirm_network', devicePrefix(uuid), actor, `network ${pending.network}`);
    this.logger.info({ device: devicePrefix(uuid), actor }, 'device re-registration confirmed');
    return updated;
  }

  /** Drops a re-registration from a new network: its token becomes unknown; the current one keeps working. */
  dismissNetwork(uuid: string, actor: string): DeviceRow {
    const row = this.get(uuid);
    const pending = this.devices.reregistration(uuid);
    if (!pending || !this.devices.dismissReregistration(uuid)) {
      throw new HttpError(404, 'HOST_ERR_NO_REREGISTRATION', 'This device has no re-registration from a new network waiting.', 'uuid');
    }
    this.audit.record('dismiss_network', devicePrefix(uuid), actor, `network ${pending.network}`);
    this.logger.info({ device: devicePrefix(uuid), actor }, 'device re-registration dismissed');
    return row;
  }

  readonly #deleteListeners: ((uuid: string) => void)[] = [];

  /** Runs after a device is deleted (its history goes with it). */
  onDelete(listener: (uuid: string) => void): void {
    this.#deleteListeners.push(listener);
  }

  /** Removes the device, its tokens and shares; closes its sockets; tells the delete listeners. */
  delete(uuid: string, actor: string): void {
    this.get(uuid);
    this.devices.delete(uuid);
    for (const listener of this.#deleteListeners) listener(uuid);
    this.audit.record('delete', devicePrefix(uuid), actor, null);
    this.logger.info({ device: devicePrefix(uuid), actor }, 'device deleted');
    this.hub.onDeleted(uuid);
  }
}
