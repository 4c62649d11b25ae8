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
}

/** How a presented device token resolves. */
export type TokenLookup =
  | { readonly kind: 'current'; readonly device: DeviceRow }
  | { readonly kind: 'replaced'; readonly uuid: string }
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
    const retired = this.#retiredByHash.get(hash);
    return retired ? { kind: 'replaced', uuid: retired.uuid } : { kind: 'unknown' };
  }

  /**
   * Registers a new device, or gives a known uuid a fresh token (same status and
   * owner; the previous token stops working). Returns the plain token once.
   */
  register(
    uuid: string,
    name: string | null,
    publicIp: string | null,
    initialStatus: 'pending' | 'approved',
    now = Date.now(),
  ): { token: string; device: DeviceRow; created: boolean } {
    const token = newToken();
    const hash = hashToken(token);
    const created = this.#db.transaction(() => {
      const existing = this.#byUuid.get(uuid);
      if (existing) {
        this.#retire.run(existing.token_hash, uuid, now);
        this.#pruneRetired.run(uuid, uuid, RETIRED_PER_DEVICE);
        this.#replaceToken.run(hash, name, publicIp, uuid);
        return false;
      }
      this.#insert.run(uuid, name, publicIp, initialStatus, hash, now, initialStatus === 'approved' ? now : null);
      return true;
    })();
    return { token, device: this.#byUuid.get(uuid)!, created };
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
