/**
 * Audit log of registrations, approvals, revocations, deletions and auth
 * failures. Rows name devices by uuid prefix only and never hold a token.
 */
import type { Db } from './database.js';

export type AuditEvent =
  | 'register' | 'reregister' | 'reregister_unconfirmed' | 'confirm_network' | 'dismiss_network' | 'expire'
  | 'approve' | 'revoke' | 'delete' | 'auth_failure' | 'update_ip' | 'share_create' | 'share_revoke';

export interface AuditRow {
  readonly id: number;
  readonly at: number;
  readonly event: AuditEvent;
  readonly device_prefix: string | null;
  readonly actor: string | null;
  readonly detail: string | null;
}

export class AuditLog {
  readonly #insert;
  readonly #recent;

  constructor(db: Db) {
    this.#insert = db.prepare<[number, string, string | null, string | null, string | null]>(
      'INSERT INTO audit_log (at, event, device_prefix, actor, detail) VALUES (?, ?, ?, ?, ?)',
    );
    this.#recent = db.prepare<[number], AuditRow>('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?');
  }

  record(event: AuditEvent, devicePrefix: string | null, actor: string | null, detail: string | null = null): void {
    this.#insert.run(Date.now(), event, devicePrefix, actor, detail);
  }

  /** Newest first. */
  recent(limit = 100): AuditRow[] {
    return this.#recent.all(limit);
  }
}
