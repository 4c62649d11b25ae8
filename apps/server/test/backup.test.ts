/**
 * `pnpm backup` / `pnpm restore` against the real restic (Debian `restic`) and a live server:
 * online copies while a device registers and streams, retention, the restore drill, and the
 * failures (wrong password, corrupted repository, full disk) that must leave the data intact.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runBackup, sqliteSource, BACKUP_TEXTFILE, type BackupOptions } from '../src/ops/backup.js';
import { BackupError } from '../src/ops/errors.js';
import { runRestore } from '../src/ops/restore.js';
import { main as cli } from '../src/ops/cli.js';
import { appFrame, approvedDevice, jpegVariant, makeJpeg, register, start, streamingDevice, tempDataDir, viewer, removeTempDirs, type TestServer } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'booxstream-backup-test-'));
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) execFileSync('umount', [m]);
  rmSync(root, { recursive: true, force: true });
  removeTempDirs();
});

let n = 0;
/** A fresh restic repository with its password in a file, as the deployment passes it. */
function newRepo(parent = root): { env: Record<string, string>; repo: string; wrong: Record<string, string> } {
  const dir = join(parent, `repo-${n++}`);
  const pw = join(root, `pw-${n}`);
  writeFileSync(pw, `correct horse ${n}\n`, { mode: 0o600 });
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: root, RESTIC_REPOSITORY: dir, RESTIC_PASSWORD_FILE: pw };
  execFileSync('restic', ['--no-cache', 'init'], { env, stdio: 'ignore' });
  return { env, repo: dir, wrong: { PATH: env.PATH, HOME: root, RESTIC_REPOSITORY: dir, RESTIC_PASSWORD: 'not the password' } };
}

function snapshotCount(env: Record<string, string>): number {
  return (JSON.parse(execFileSync('restic', ['--no-cache', 'snapshots', '--json'], { env, encoding: 'utf8' })) as unknown[]).length;
}

function opts(server: { dataDir: string }, env: Record<string, string>, extra: Partial<BackupOptions> = {}): BackupOptions {
  return { env, sources: [sqliteSource(server.dataDir)], stagingDir: join(server.dataDir, '.backup-staging'), textfileDir: join(root, 'textfile'), checkSubset: '100%', ...extra };
}

/** The devices table as stored (what must survive every failure). */
function devices(dataDir: string): unknown[] {
  const db = new Database(join(dataDir, 'booxstream.db'), { readonly: true });
  try {
    return db.prepare('SELECT * FROM devices ORDER BY rowid').all();
  } finally {
    db.close();
  }
}

async function expectCode(p: Promise<unknown>, code: string): Promise<BackupError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e, `expected ${code}`).toBeInstanceOf(BackupError);
  expect((e as BackupError).code, (e as Error).message).toBe(code);
  return e as BackupError;
}

async function streamFrames(server: TestServer, token: string): Promise<{ stop(): Promise<number> }> {
  const device = await streamingDevice(server, token);
  const base = await makeJpeg(1);
  let i = 0;
  const timer = setInterval(() => device.ws.send(appFrame(jpegVariant(base, i++))), 20);
  return {
    async stop() {
      clearInterval(timer);
      device.close();
      return i;
    },
  };
}

describe('backup', () => {
  it('copies a live server online while a device registers and streams, and publishes the success time', { timeout: 60_000 }, async () => {
    const server = await start();
    try {
      const { env } = newRepo();
      const dev = await approvedDevice(server);
      const stream = await streamFrames(server, dev.token);
      // Registrations keep writing to SQLite during the copy.
      let registering = true;
      const registrations = (async () => {
        let k = 0;
        while (registering) {
          await register(server);
          k++;
        }
        return k;
      })();
      const before = Date.now();
      const result = await runBackup(opts(server, env));
      registering = false;
      const registered = await registrations;
      const frames = await stream.stop();
      expect(registered).toBeGreaterThan(0);
      expect(frames).toBeGreaterThan(0);
      expect(result.snapshots).toBe(1);

      const prom = readFileSync(join(root, 'textfile', BACKUP_TEXTFILE), 'utf8');
      const ts = Number(/^booxstream_backup_last_success_timestamp_seconds (\d+)$/m.exec(prom)?.[1]);
      expect(ts).toBeGreaterThanOrEqual(Math.floor(before / 1000));
      expect(ts).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
      expect(readdirSync(join(root, 'textfile'))).toEqual([BACKUP_TEXTFILE]);
      // The staging copy is gone; the live data directory holds only the server's files.
      expect(existsSync(join(server.dataDir, '.backup-staging'))).toBe(false);

      // The snapshot is one consistent database that holds the approved device.
      const out = join(root, 'peek');
      execFileSync('restic', ['--no-cache', 'restore', 'latest', '--target', out], { env, stdio: 'ignore' });
      const copy = execFileSync('find', [out, '-name', 'booxstream.db'], { encoding: 'utf8' }).trim();
      const db = new Database(copy, { readonly: true });
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect((db.prepare('SELECT count(*) AS c FROM devices').get() as { c: number }).c).toBeGreaterThanOrEqual(1);
      db.close();
    } finally {
      await server.close();
    }
  });

  it('12 backups leave the last 10 snapshots', { timeout: 120_000 }, async () => {
    const server = await start();
    try {
      const { env } = newRepo();
      await approvedDevice(server);
      for (let i = 0; i < 12; i++) {
        await register(server);
        // The check is proven by the other tests; here only retention matters.
        await runBackup(opts(server, env, { checkSubset: null }));
      }
      expect(snapshotCount(env)).toBe(10);
    } finally {
      await server.close();
    }
  });

  it('a wrong password or an unreachable repository is a clear error before anything is written', { timeout: 60_000 }, async () => {
    const server = await start();
    try {
      const { env, wrong } = newRepo();
      await approvedDevice(server);
      const textfile = join(root, 'textfile-wrong');
      await runBackup(opts(server, env, { textfileDir: textfile }));
      const published = readFileSync(join(textfile, BACKUP_TEXTFILE), 'utf8');
      const stored = devices(server.dataDir);

      const e = await expectCode(runBackup(opts(server, wrong, { textfileDir: textfile })), 'BACKUP_ERR_WRONG_PASSWORD');
      expect(e.message).toContain('RESTIC_PASSWORD');
      expect(e.message).not.toContain('not the password');
      await expectCode(runBackup(opts(server, { ...env, RESTIC_REPOSITORY: join(root, 'nowhere') }, { textfileDir: textfile })), 'BACKUP_ERR_NO_REPOSITORY');
      await expectCode(runBackup(opts(server, { ...env, RESTIC_REPOSITORY: 'rest:http://127.0.0.1:9/' }, { textfileDir: textfile })), 'BACKUP_ERR_REPOSITORY_UNREACHABLE');

      expect(snapshotCount(env)).toBe(1);
      expect(readFileSync(join(textfile, BACKUP_TEXTFILE), 'utf8')).toBe(published);
      expect(devices(server.dataDir)).toEqual(stored);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('a full disk under the repository is a clear error, leaves no snapshot and the data intact', { timeout: 60_000 }, async () => {
    const mnt = join(root, 'small');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
    mounts.push(mnt);
    const server = await start();
    try {
      const { env } = newRepo(mnt);
      await approvedDevice(server);
      const stored = devices(server.dataDir);
      // Fill what is left of the 4 MB so restic's first pack cannot be written.
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${join(mnt, 'filler')}`, 'bs=64k'], { stdio: 'ignore' });
      } catch {
        /* dd stops with ENOSPC: that is the point */
      }
      const textfile = join(root, 'textfile-full');
      await expectCode(runBackup(opts(server, env, { textfileDir: textfile })), 'BACKUP_ERR_DISK_FULL');
      rmSync(join(mnt, 'filler'));
      expect(snapshotCount(env)).toBe(0);
      expect(existsSync(join(textfile, BACKUP_TEXTFILE))).toBe(false);
      expect(devices(server.dataDir)).toEqual(stored);
      expect(existsSync(join(server.dataDir, '.backup-staging'))).toBe(false);
    } finally {
      await server.close();
    }
  });
});

describe('restore', () => {
  it('drill: approve a device, back up, wipe the data directory, restore; the same token streams to a viewer', { timeout: 60_000 }, async () => {
    const dataDir = tempDataDir();
    let server = await start({ dataDir });
    const { env } = newRepo();
    const dev = await approvedDevice(server);
    // A few distinct frames, so the history has a segment on disk (flushed once a second).
    const device0 = await streamingDevice(server, dev.token);
    const base = await makeJpeg(3);
    for (let i = 0; i < 5; i++) device0.ws.send(appFrame(jpegVariant(base, i)));
    const historyDir = join(dataDir, 'history', dev.uuid);
    const segments = await (async () => {
      for (let i = 0; i < 100; i++) {
        if (existsSync(historyDir) && readdirSync(historyDir).some((f) => statSync(join(historyDir, f)).size > 0)) return readdirSync(historyDir).sort();
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('no history segment written');
    })();
    device0.close();
    await runBackup(opts(server, env));
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });

    let started: TestServer | null = null;
    const result = await runRestore({
      env,
      dataDir,
      stop: async () => {
        await started?.close();
      },
      start: async () => {
        started = await start({ dataDir });
        return started.url;
      },
    });
    server = started!;
    try {
      expect(result.previous).toBeNull();
      expect(readdirSync(historyDir).sort()).toEqual(segments);
      const device = await streamingDevice(server, dev.token);
      expect(device.texts[0]).toMatchObject({ type: 'authenticated' });
      const v = await viewer(server, dev.uuid);
      const jpeg = await makeJpeg(7);
      device.ws.send(appFrame(jpeg));
      await v.until(() => v.binaries.length > 0, 'a frame at the viewer');
      device.close();
      v.close();
    } finally {
      await server.close();
    }
  });

  it('keeps the data in place, and the server running, when the repository is corrupted or the password wrong', { timeout: 60_000 }, async () => {
    const dataDir = tempDataDir();
    const server = await start({ dataDir });
    try {
      const { env, repo, wrong } = newRepo();
      await approvedDevice(server);
      await runBackup(opts(server, env));
      await approvedDevice(server); // newer than the snapshot: a restore would lose it
      const stored = devices(dataDir);
      let stops = 0;
      const hooks = { stop: async () => void stops++, start: async () => undefined };

      await expectCode(runRestore({ env: wrong, dataDir, ...hooks }), 'BACKUP_ERR_WRONG_PASSWORD');
      for (const f of execFileSync('find', [join(repo, 'data'), '-type', 'f'], { encoding: 'utf8' }).trim().split('\n')) {
        const size = statSync(f).size;
        writeFileSync(f, Buffer.alloc(size, 0x5a));
      }
      const e = await runRestore({ env, dataDir, ...hooks }).then(() => null, (err: unknown) => err as BackupError);
      expect(e).toBeInstanceOf(BackupError);
      expect(['BACKUP_ERR_REPOSITORY_DAMAGED', 'BACKUP_ERR_RESTIC']).toContain(e!.code);
      expect(stops).toBe(0);
      expect(devices(dataDir)).toEqual(stored);
      expect(readdirSync(dataDir).filter((f) => f.startsWith('.restore-'))).toEqual([]);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('swaps the previous data back when the server does not become ready on the restored data', { timeout: 60_000 }, async () => {
    const dataDir = tempDataDir();
    let server = await start({ dataDir });
    const { env } = newRepo();
    await approvedDevice(server);
    await runBackup(opts(server, env));
    await approvedDevice(server);
    const stored = devices(dataDir);
    let attempt = 0;
    const e = await expectCode(
      runRestore({
        env,
        dataDir,
        readyTimeoutMs: 1000,
        stop: async () => server.close(),
        start: async () => {
          server = await start({ dataDir });
          // The first start (on the restored data) is "not ready": a port nobody listens on.
          return attempt++ === 0 ? 'http://127.0.0.1:9' : server.url;
        },
      }),
      'BACKUP_ERR_NOT_READY',
    );
    expect(e.step).toBe('start');
    try {
      expect(devices(dataDir)).toEqual(stored);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('the CLI refuses to restore over a running server unless told how to stop it', async () => {
    const code = await cli(['restore'], { DATA_DIR: join(root, 'cli'), RESTIC_REPOSITORY: join(root, 'x'), RESTIC_PASSWORD: 'x' });
    expect(code).toBe(2);
  });
});
