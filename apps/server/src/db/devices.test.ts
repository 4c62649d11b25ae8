import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './database.js';
import { DeviceStore, hashToken } from './devices.js';
import { MIGRATIONS } from './migrations.js';

const dirs: string[] = [];
const dbs: Db[] = [];
function open(dir = mkdtempSync(join(tmpdir(), 'bxs-db-'))): { db: Db; dir: string } {
  dirs.push(dir);
  const db = openDatabase(dir);
  dbs.push(db);
  return { db, dir };
}
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const UUID = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('database', () => {
  it('uses WAL and records the schema version', () => {
    const { db } = open();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
  });

  it('refuses a database from a newer server', () => {
    const { db, dir } = open();
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openDatabase(dir)).toThrow(/newer than this server knows/);
  });
});

describe('DeviceStore', () => {
  it('stores only the token hash', () => {
    const { db } = open();
    const store = new DeviceStore(db);
    const { token, device, created } = store.register(UUID, 'Note', null, 'pending');
    expect(created).toBe(true);
    expect(device.token_hash).toBe(hashToken(token));
    const raw = JSON.stringify(db.prepare('SELECT * FROM devices').all());
    expect(raw).not.toContain(token);
    expect(store.lookupToken(token)).toMatchObject({ kind: 'current', device: { uuid: UUID, status: 'pending' } });
  });

  it('re-registration keeps status and owner, and retires the older token as "replaced"', () => {
    const { db } = open();
    const store = new DeviceStore(db);
    const first = store.register(UUID, 'Note', null, 'pending');
    store.setStatus(UUID, 'approved', 'alice', 1);
    const second = store.register(UUID, 'Note 2', '1.2.3.4', 'pending');
    expect(second.created).toBe(false);
    expect(second.device).toMatchObject({ status: 'approved', owner: 'alice', name: 'Note 2', public_ip: '1.2.3.4' });
    expect(store.lookupToken(first.token)).toEqual({ kind: 'replaced', uuid: UUID });
    expect(store.lookupToken(second.token)).toMatchObject({ kind: 'current' });
    expect(store.lookupToken('never-issued')).toEqual({ kind: 'unknown' });
  });

  it('keeps a bounded number of retired tokens, and forgets them with the device', () => {
    const { db } = open();
    const store = new DeviceStore(db);
    for (let i = 0; i < 50; i++) store.register(UUID, null, null, 'pending', 1000 + i);
    const count = (): number => (db.prepare('SELECT COUNT(*) AS n FROM retired_tokens').get() as { n: number }).n;
    expect(count()).toBe(20);
    store.delete(UUID);
    expect(count()).toBe(0);
  });

  it('keeps devices across reopening the same directory', () => {
    const { db, dir } = open();
    const { token } = new DeviceStore(db).register(UUID, null, null, 'approved');
    db.close();
    const again = openDatabase(dir);
    dbs.push(again);
    expect(new DeviceStore(again).lookupToken(token)).toMatchObject({ kind: 'current', device: { status: 'approved' } });
  });
});
