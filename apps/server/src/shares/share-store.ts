/**
 * Read-only share links: one device, an expiry, an optional viewer limit. The
 * link carries a public id (in the path, harmless in logs) and a secret (in the
 * URL fragment, which browsers never send); only the secret's SHA-256 is stored.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/database.js';

export interface ShareRow {
  readonly id: string;
  readonly uuid: string;
  readonly secret_hash: string;
  readonly created_by: string;
  readonly created_at: number;
  readonly expires_at: number;
  readonly max_viewers: number | null;
  readonly revoked_at: number | null;
}

/** What the API shows of a share (never the secret or its hash). */
export interface ShareView {
  readonly id: string;
  readonly uuid: string;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly maxViewers: number | null;
  readonly revokedAt: number | null;
  readonly state: 'active' | 'expired' | 'revoked';
}

/** How a presented share (id + secret) resolves. */
export type ShareLookup =
  | { readonly kind: 'active'; readonly share: ShareRow }
  | { readonly kind: 'expired' | 'revoked'; readonly share: ShareRow }
  | { readonly kind: 'unknown' };

export const SHARE_ID_RE = /^[A-Za-z0-9_-]{16}$/;
export const SHARE_SECRET_RE = /^[A-Za-z0-9_-]{43}$/;

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export class ShareStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Creates a share; returns the row and the secret, which exists only in this return value. */
  create(uuid: string, createdBy: string, expiresAt: number, maxViewers: number | null, now = Date.now()): { share: ShareRow; secret: string } {
    const id = randomBytes(12).toString('base64url');
    const secret = randomBytes(32).toString('base64url');
    this.#db.prepare(
      'INSERT INTO shares (id, uuid, secret_hash, created_by, created_at, expires_at, max_viewers) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(id, uuid, hashSecret(secret).toString('hex'), createdBy, now, expiresAt, maxViewers);
    return { share: this.get(id)!, secret };
  }

  get(id: string): ShareRow | null {
    return (this.#db.prepare('SELECT * FROM shares WHERE id = ?').get(id) as ShareRow | undefined) ?? null;
  }

  forDevice(uuid: string): ShareRow[] {
    return this.#db.prepare('SELECT * FROM shares WHERE uuid = ? ORDER BY created_at, id').all(uuid) as ShareRow[];
  }

  /** Marks a share revoked (idempotent); returns the row, or null if unknown. */
  revoke(id: string, now = Date.now()): ShareRow | null {
    this.#db.prepare('UPDATE shares SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id);
    return this.get(id);
  }

  /** By id only: for the page, which never sees the secret. */
  state(id: string, now = Date.now()): ShareLookup {
    const share = SHARE_ID_RE.test(id) ? this.get(id) : null;
    if (!share) return { kind: 'unknown' };
    if (share.revoked_at !== null) return { kind: 'revoked', share };
    if (share.expires_at <= now) return { kind: 'expired', share };
    return { kind: 'active', share };
  }

  /** By id and secret: what the stream requires. A wrong secret is "unknown", as if the id did not exist. */
  check(id: string, secret: string, now = Date.now()): ShareLookup {
    const found = this.state(id, now);
    if (found.kind === 'unknown' || !SHARE_SECRET_RE.test(secret)) return { kind: 'unknown' };
    const expected = Buffer.from(found.share.secret_hash, 'hex');
    if (!timingSafeEqual(expected, hashSecret(secret))) return { kind: 'unknown' };
    return found;
  }

  /** Drops rows that ended more than `keepMs` ago, so the list stays short. */
  purgeEnded(now: number, keepMs: number): number {
    return this.#db.prepare(
      'DELETE FROM shares WHERE COALESCE(revoked_at, expires_at) < ?',
    ).run(now - keepMs).changes;
  }
}

export function shareView(row: ShareRow, now = Date.now()): ShareView {
  return {
    id: row.id,
    uuid: row.uuid,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    maxViewers: row.max_viewers,
    revokedAt: row.revoked_at,
    state: row.revoked_at !== null ? 'revoked' : row.expires_at <= now ? 'expired' : 'active',
  };
}
