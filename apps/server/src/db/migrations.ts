/**
 * Versioned schema migrations, tracked with `PRAGMA user_version`. Append only:
 * a released migration is never edited.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: devices with one current token hash each, the hashes that re-registration
  // retired (so an old token gets "replaced" rather than "unknown"), and the audit log.
  `
  CREATE TABLE devices (
    uuid        TEXT PRIMARY KEY,
    name        TEXT,
    public_ip   TEXT,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'revoked')),
    owner       TEXT,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    approved_at INTEGER,
    last_seen   INTEGER
  );
  CREATE TABLE retired_tokens (
    token_hash TEXT PRIMARY KEY,
    uuid       TEXT NOT NULL REFERENCES devices(uuid) ON DELETE CASCADE,
    retired_at INTEGER NOT NULL
  );
  CREATE INDEX retired_tokens_by_device ON retired_tokens (uuid, retired_at);
  CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            INTEGER NOT NULL,
    event         TEXT NOT NULL,
    device_prefix TEXT,
    actor         TEXT,
    detail        TEXT
  );
  CREATE INDEX audit_log_by_time ON audit_log (at);
  `,
  // 2: share links (a secret stored only as its hash) and the index of each device's
  // distinct frames kept on disk (history/<uuid>/<segment>.seg). Both go with their device.
  `
  CREATE TABLE shares (
    id          TEXT PRIMARY KEY,
    uuid        TEXT NOT NULL REFERENCES devices(uuid) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    max_viewers INTEGER,
    revoked_at  INTEGER
  );
  CREATE INDEX shares_by_device ON shares (uuid, created_at);
  CREATE TABLE history_frames (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid    TEXT NOT NULL,
    at      INTEGER NOT NULL,
    segment INTEGER NOT NULL,
    offset  INTEGER NOT NULL,
    bytes   INTEGER NOT NULL
  );
  CREATE INDEX history_frames_by_device ON history_frames (uuid, id);
  CREATE INDEX history_frames_by_segment ON history_frames (uuid, segment);
  `,
  // 3: the client network (IPv4 /24, IPv6 /64) of each device's last accepted
  // registration; re-registrations from another network that wait for the owner's
  // confirmation (one per device); a one-row table that readiness writes to.
  `
  ALTER TABLE devices ADD COLUMN network TEXT;
  CREATE TABLE reregistrations (
    uuid       TEXT PRIMARY KEY REFERENCES devices(uuid) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    network    TEXT NOT NULL,
    address    TEXT NOT NULL,
    name       TEXT,
    public_ip  TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE health_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at INTEGER NOT NULL
  );
  `,
];
