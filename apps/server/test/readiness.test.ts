/**
 * Readiness tells the truth, and the server refuses a database it cannot use.
 * Real SQLite files: one with a damaged page, and data files made immutable
 * with `chattr +i` (the tests run as root, whom file modes do not stop; the
 * immutable flag stops root too: writes fail with EPERM, as on a read-only mount).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseUnusableError } from '../src/index.js';
import { ADMIN, api, register, runMain, serversPerTest, start, tempDataDir } from './helpers.js';

const server = serversPerTest();

const immutable: string[] = [];
/** `chattr +i` on the data directory and its files, except the WAL index (SQLite maps it into memory). */
function freeze(dataDir: string): void {
  const paths = [dataDir, ...readdirSync(dataDir).filter((f) => !f.endsWith('-shm')).map((f) => join(dataDir, f))];
  execFileSync('chattr', ['+i', ...paths]);
  immutable.push(...paths);
}
function thaw(): void {
  if (immutable.length > 0) execFileSync('chattr', ['-i', ...immutable.splice(0)]);
}
afterEach(thaw);

/** Overwrites the first page of the devices table with garbage, as a failing disk would. */
function damageDevicesTable(dataDir: string): void {
  const file = join(dataDir, 'booxstream.db');
  const db = new Database(file);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const { rootpage } = db.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'devices'").get() as { rootpage: number };
  db.close();
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (rootpage - 1) * pageSize);
  closeSync(fd);
}

async function readyStatus(url: string, want: number): Promise<number> {
  const deadline = Date.now() + 5000;
  let status = 0;
  while (Date.now() < deadline) {
    status = (await fetch(`${url}/readyz`)).status;
    if (status === want) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
  return status;
}

describe('/readyz', () => {
  it('answers 503 once the database cannot be written, and 200 again when it can', async () => {
    const s = await server();
    await register(s);
    expect(await readyStatus(s.url, 200)).toBe(200);
    freeze(s.dataDir);
    expect(await readyStatus(s.url, 503)).toBe(503);
    expect(await (await fetch(`${s.url}/readyz`)).json()).toMatchObject({ error: { code: 'SERVER_ERR_NOT_READY', message: expect.stringMatching(/cannot be written/) } });
    // Liveness is another question: the process still answers.
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    thaw();
    expect(await readyStatus(s.url, 200)).toBe(200);
    expect((await register(s)).status).toBe(201);
  });
});

describe('start on a database it cannot use', () => {
  it('refuses a database with a damaged page (exit 65 from the process)', async () => {
    const dataDir = tempDataDir();
    const first = await start({ dataDir });
    for (let i = 0; i < 30; i++) await register(first);
    await first.close();
    damageDevicesTable(dataDir);
    await expect(start({ dataDir })).rejects.toMatchObject({ name: 'DatabaseUnusableError', failure: 'corrupt', exitCode: 65 });
    const { code, stderr } = await runMain({ DATA_DIR: dataDir }, null);
    expect(code).toBe(65);
    expect(stderr).toMatch(/booxstream\.db is damaged/);
  }, 30_000);

  it('refuses a data directory it cannot write (exit 74 from the process), keeping the data', async () => {
    const dataDir = tempDataDir();
    const first = await start({ dataDir });
    const dev = await register(first);
    await first.close();
    // Another connection keeps the WAL files in place (as after a crash), so opening and reading work; only writing fails.
    const holder = new Database(join(dataDir, 'booxstream.db'));
    holder.pragma('journal_mode = WAL');
    holder.prepare('SELECT count(*) FROM devices').get();
    freeze(dataDir);
    const err = await start({ dataDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnusableError);
    expect(err).toMatchObject({ failure: 'unwritable', exitCode: 74 });
    const { code, stderr } = await runMain({ DATA_DIR: dataDir }, null);
    expect(code).toBe(74);
    expect(stderr).toMatch(/booxstream\.db cannot be written/);
    thaw();
    holder.close();
    const again = await server({ dataDir });
    expect((await (await api(again, '/api/hosts', { identity: ADMIN })).json()) as { uuid: string }[]).toEqual([expect.objectContaining({ uuid: dev.uuid })]);
  }, 30_000);

  it('refuses a data directory where the database cannot even be created', async () => {
    const dataDir = tempDataDir();
    freeze(dataDir);
    await expect(start({ dataDir })).rejects.toMatchObject({ failure: 'unwritable' });
  });
});
