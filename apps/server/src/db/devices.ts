/**
 * Devices and their token hashes. A device has exactly one current token hash;
 * re-registering moves the previous one to `retired_tokens` so that an old
 * token is refused as "replaced" rather than "unknown".
 */
import { createHash, randomBytes } from 'node:crypto';
import type { HostStatus } from '@booxstream/protocol';
import type { Db } from './database.js';

export interface DeviceRow {
  readonly uuid: string;
  readonly name: string | null;
  readonly public_ip: string | null;
  readonly status: HostStatus;
  readonly owner: string | null;
  readonly token_hash: string;
  readonly created_at: number;
  readonly approved_at: number | null;
  readonly last_seen: number | null;
  /** Client network (`networkOf`) of the last accepted registration; null for devices registered before it was recorded. */
  readonly network: string | null;
}

/** A re-registration from another network, waiting for the owner's or an admin's confirmation. */
export interface ReregistrationRow {
  readonly uuid: string;
  readonly token_hash: string;
  readonly network: string;
  readonly address: string;
  readonly name: string | null;
  readonly public_ip: string | null;
  readonly created_at: number;
}

/** Where a registration came from, and whether a known device is bound to its network. */
export interface RegistrationOrigin {
  /** The client's address as the server derives it (audit). */
  readonly address: string;
  /** Its network (`networkOf`). */
  readonly network: string;
  /** `REREGISTRATION=same-network`: an approved or revoked device registering from another network gets an unconfirmed token. */
  readonly bindToNetwork: boolean;
}

/** How a presented device token resolves. */
export type TokenLookup =
  | { readonly kind: 'current'; readonly device: DeviceRow }
  | { readonly kind: 'replaced'; readonly uuid: string }
  /** The token of a re-registration from a new network that nobody confirmed yet. */
  | { readonly kind: 'unconfirmed'; readonly device: DeviceRow }
  | { readonly kind: 'unknown' };

/** Retired hashes kept per device: enough for a few relaunches in flight, bounded for the app's register-per-launch habit. */
const RETIRED_PER_DEVICE = 20;

/** 32 random bytes, base64url: the opaque token the app stores. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class DeviceStore {
  readonly #db: Db;
  readonly #byUuid;
  readonly #byHash;
  readonly #retiredByHash;
  readonly #insert;
  readonly #replaceToken;
  readonly #retire;
  readonly #pruneRetired;
  readonly #setStatus;
  readonly #setPublicIp;
  readonly #setLastSeen;
  readonly #delete;
  readonly #all;
  readonly #counts;
  readonly #setNetwork;
  readonly #rereg;
  readonly #reregByHash;
  readonly #putRereg;
  readonly #deleteRereg;
  readonly #confirm;
  readonly #expiredDevices;
  readonly #expiredReregs;

  constructor(db: Db) {
    this.#db = db;
    this.#byUuid = db.prepare<[string], DeviceRow>('SELECT * FROM devices WHERE uuid = ?');
    this.#byHash = db.prepare<[string], DeviceRow>('SELECT * FROM devices WHERE token_hash = ?');
    this.#retiredByHash = db.prepare<[string], { uuid: string }>('SELECT uuid FROM retired_tokens WHERE token_hash = ?');
    this.#insert = db.prepare<[string, string | null, string | null, HostStatus, string, number, number | null]>(
      'INSERT INTO devices (uuid, name, public_ip, status, owner, token_hash, created_at, approved_at) VALUES (?, ?, ?, ?, NULL, ?, ?, ?)',
    );
    this.#replaceToken = db.prepare<[string, string | null, string | null, string]>(
      'UPDATE devices SET token_hash = ?, name = ?, public_ip = ? WHERE uuid = ?',
    );
    this.#retire = db.prepare<[string, string, number]>('INSERT OR REPLACE INTO retired_tokens (token_hash, uuid, retired_at) VALUES (?, ?, ?)');
    this.#pruneRetired = db.prepare<[string, string, number]>(
      'DELETE FROM retired_tokens WHERE uuid = ? AND token_hash NOT IN (SELECT token_hash FROM retired_tokens WHERE uuid = ? ORDER BY retired_at DESC, rowid DESC LIMIT ?)',
    );
    this.#setStatus = db.prepare<[HostStatus, string | null, number | null, string]>(
      'UPDATE devices SET status = ?, owner = ?, approved_at = ? WHERE uuid = ?',
    );
    this.#setPublicIp = db.prepare<[string | null, string]>('UPDATE devices SET public_ip = ? WHERE uuid = ?');
    this.#setLastSeen = db.prepare<[number, string]>('UPDATE devices SET last_seen = ? WHERE uuid = ?');
    this.#delete = db.prepare<[string]>('DELETE FROM devices WHERE uuid = ?');
    this.#all = db.prepare<[], DeviceRow>('SELECT * FROM devices ORDER BY created_at, uuid');
    this.#counts = db.prepare<[], { status: HostStatus; n: number }>('SELECT status, COUNT(*) AS n FROM devices GROUP BY status');
    this.#setNetwork = db.prepare<[string, string]>('UPDATE devices SET network = ? WHERE uuid = ?');
    this.#rereg = db.prepare<[string], ReregistrationRow>('SELECT * FROM reregistrations WHERE uuid = ?');
    this.#reregByHash = db.prepare<[string], ReregistrationRow>('SELECT * FROM reregistrations WHERE token_hash = ?');
    this.#putRereg = db.prepare<[string, string, string, string, string | null, string | null, number]>(
      'INSERT OR REPLACE INTO reregistrations (uuid, token_hash, network, address, name, public_ip, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.#deleteRereg = db.prepare<[string]>('DELETE FROM reregistrations WHERE uuid = ?');
    this.#confirm = db.prepare<[string, string | null, string | null, string, string]>(
      'UPDATE devices SET token_hash = ?, name = ?, public_ip = ?, network = ? WHERE uuid = ?',
    );
    this.#expiredDevices = db.prepare<[number], { uuid: string }>("SELECT uuid FROM devices WHERE status = 'pending' AND created_at < ?");
    this.#expiredReregs = db.prepare<[number], { uuid: string }>('SELECT uuid FROM reregistrations WHERE created_at < ?');
  }

  get(uuid: string): DeviceRow | undefined {
    return this.#byUuid.get(uuid);
  }

  all(): DeviceRow[] {
    return this.#all.all();
  }

  countsByStatus(): Record<HostStatus, number> {
    const out: Record<HostStatus, number> = { pending: 0, approved: 0, revoked: 0 };
    for (const { status, n } of this.#counts.all()) out[status] = n;
    return out;
  }

  lookupToken(token: string): TokenLookup {
    const hash = hashToken(token);
    const device = this.#byHash.get(hash);
    if (device) return { kind: 'current', device };
    const unconfirmed = this.#reregByHash.get(hash);
    if (unconfirmed) return { kind: 'unconfirmed', device: this.#byUuid.get(unconfirmed.uuid)! };
    const retired = this.#retiredByHash.get(hash);
    return retired ? { kind: 'replaced', uuid: retired.uuid } : { kind: 'unknown' };
  }

  /**
   * Registers a new device, or gives a known uuid a fresh token (same status and
   * owner; the previous token stops working). With `origin.bindToNetwork`, an
   * approved or revoked device registering from a network other than its last
   * accepted registration's instead gets an unconfirmed token (`unconfirmed:
   * true`): the current token keeps working until someone confirms the new one.
   * Returns the plain token once.
   */
  register(
    uuid: string,
    name: string | null,
    publicIp: string | null,
    initialStatus: 'pending' | 'approved',
    now = Date.now(),
    origin: RegistrationOrigin | null = null,
  ): { token: string; device: DeviceRow; created: boolean; unconfirmed: boolean } {
    const token = newToken();
    const hash = hashToken(token);
    const outcome = this.#db.transaction((): 'created' | 'replaced' | 'unconfirmed' => {
      const existing = this.#byUuid.get(uuid);
      if (!existing) {
        this.#insert.run(uuid, name, publicIp, initialStatus, hash, now, initialStatus === 'approved' ? now : null);
        if (origin) this.#setNetwork.run(origin.network, uuid);
        return 'created';
      }
      // A pending device has nothing to take over; a device registered before networks were recorded adopts this one.
      const bound = origin !== null && origin.bindToNetwork && existing.status !== 'pending' && existing.network !== null;
      if (bound && existing.network !== origin.network) {
        const older = this.#rereg.get(uuid);
        if (older) this.#retireHash(older.token_hash, uuid, now);
        this.#putRereg.run(uuid, hash, origin.network, origin.address, name, publicIp, now);
        return 'unconfirmed';
      }
      this.#retireHash(existing.token_hash, uuid, now);
      this.#replaceToken.run(hash, name, publicIp, uuid);
      if (origin) this.#setNetwork.run(origin.network, uuid);
      return 'replaced';
    })();
    return { token, device: this.#byUuid.get(uuid)!, created: outcome === 'created', unconfirmed: outcome === 'unconfirmed' };
  }

  #retireHash(hash: string, uuid: string, now: number): void {
    this.#retire.run(hash, uuid, now);
    this.#pruneRetired.run(uuid, uuid, RETIRED_PER_DEVICE);
  }

  /** The re-registration from a new network waiting for confirmation, if any. */
  reregistration(uuid: string): ReregistrationRow | undefined {
    return this.#rereg.get(uuid);
  }

  /** Makes the unconfirmed token the device's current one (the previous becomes "replaced"); undefined when none waits. */
  confirmReregistration(uuid: string, now = Date.now()): DeviceRow | undefined {
    return this.#db.transaction(() => {
      const pending = this.#rereg.get(uuid);
      const device = this.#byUuid.get(uuid);
      if (!pending || !device) return undefined;
      this.#deleteRereg.run(uuid);
      this.#retireHash(device.token_hash, uuid, now);
      this.#confirm.run(pending.token_hash, pending.name, pending.public_ip, pending.network, uuid);
      return this.#byUuid.get(uuid);
    })();
  }

  /** Drops the unconfirmed token (it becomes unknown); false when none waited. */
  dismissReregistration(uuid: string): boolean {
    return this.#deleteRereg.run(uuid).changes > 0;
  }

  /** Deletes pending devices and unconfirmed re-registrations created before `before`; returns their uuids. */
  expirePending(before: number): { devices: string[]; reregistrations: string[] } {
    return this.#db.transaction(() => {
      const devices = this.#expiredDevices.all(before).map((r) => r.uuid);
      const reregistrations = this.#expiredReregs.all(before).map((r) => r.uuid);
      for (const uuid of reregistrations) this.#deleteRereg.run(uuid);
      for (const uuid of devices) this.#delete.run(uuid);
      return { devices, reregistrations };
    })();
  }

  setStatus(uuid: string, status: HostStatus, owner: string | null, approvedAt: number | null): DeviceRow | undefined {
    this.#setStatus.run(status, owner, approvedAt, uuid);
    return this.#byUuid.get(uuid);
  }

  setPublicIp(uuid: string, publicIp: string | null): void {
    this.#setPublicIp.run(publicIp, uuid);
  }

  setLastSeen(uuid: string, at: number): void {
    this.#setLastSeen.run(at, uuid);
  }

  /** Removes the device and (by cascade) its retired tokens. */
  delete(uuid: string): boolean {
    return this.#delete.run(uuid).changes > 0;
  }
}
