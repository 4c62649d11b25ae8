/**
 * Pending devices nobody approves, and re-registrations nobody confirms, expire
 * after PENDING_DEVICE_TTL_MS. Real server and SQLite file; ages are set by
 * back-dating rows in the file between two runs on the same DATA_DIR.
 */
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { CloseCode } from '@booxstream/protocol';
import { describe, expect, it } from 'vitest';
import { ADMIN, api, register, serversPerTest, streamingDevice, tempDataDir } from './helpers.js';

const server = serversPerTest();
const HOUR = 3_600_000;

function backdate(dataDir: string, ms: number): void {
  const db = new Database(join(dataDir, 'booxstream.db'));
  db.prepare('UPDATE devices SET created_at = created_at - ?').run(ms);
  db.prepare('UPDATE reregistrations SET created_at = created_at - ?').run(ms);
  db.close();
}

function auditDetails(dataDir: string): string[] {
  const db = new Database(join(dataDir, 'booxstream.db'), { readonly: true });
  const rows = db.prepare("SELECT detail FROM audit_log WHERE event = 'expire'").all() as { detail: string }[];
  db.close();
  return rows.map((r) => r.detail);
}

describe('pending expiry', () => {
  it('deletes pending devices and unconfirmed re-registrations older than 72 h by default, and nothing else', async () => {
    const dataDir = tempDataDir();
    const first = await server({ dataDir });
    const stale = await register(first);
    const kept = await register(first);
    first.approveDevice(kept.uuid, 'alice');
    const unconfirmed = await fetch(`${first.url}/api/hosts/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cf-connecting-ip': '192.0.2.1' },
      body: JSON.stringify({ uuid: kept.uuid, name: 'x', public_ip: null }),
    });
    const otherToken = ((await unconfirmed.json()) as { token: string }).token;
    await first.close();
    backdate(dataDir, 71 * HOUR);

    const second = await server({ dataDir });
    expect(((await (await api(second, '/api/hosts', { identity: ADMIN })).json()) as unknown[]).length).toBe(2);
    await second.close();
    backdate(dataDir, 2 * HOUR);

    const third = await server({ dataDir });
    const hosts = (await (await api(third, '/api/hosts', { identity: ADMIN })).json()) as { uuid: string; reregistration: unknown }[];
    expect(hosts).toEqual([expect.objectContaining({ uuid: kept.uuid, reregistration: null })]);
    const refused = await streamingDevice(third, stale.token);
    expect((await refused.closed).code).toBe(CloseCode.Unauthorized);
    const dropped = await streamingDevice(third, otherToken);
    expect(dropped.texts[0]).toMatchObject({ message: expect.stringMatching(/not known/) });
    const ok = await streamingDevice(third, kept.token);
    expect(ok.texts[0]).toMatchObject({ type: 'authenticated' });
    ok.close();
    expect(auditDetails(dataDir).sort()).toEqual(['pending device never approved', 're-registration from a new network never confirmed']);
    // The stale uuid may register anew, as a new device.
    expect((await register(third, stale.uuid)).status).toBe(201);
  });

  it('expires while running, with the configured time', async () => {
    const s = await server({ pendingDeviceTtlMs: 1000 });
    const dev = await register(s, randomUUID());
    const deadline = Date.now() + 8000;
    let listed = 1;
    while (listed > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      listed = ((await (await api(s, '/api/hosts', { identity: ADMIN })).json()) as unknown[]).length;
    }
    expect(listed).toBe(0);
    const again = await register(s, dev.uuid);
    expect(again.status).toBe(201);
  });
});
