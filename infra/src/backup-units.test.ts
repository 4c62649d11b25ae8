/** The rendered units against the real `systemd-analyze verify` and `systemd-analyze calendar`. */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { renderBackupUnits, type BackupUnitsInput } from './backup-units.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'backup-units-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// verify checks that ExecStart's binary exists; this machine has no Docker CLI.
const docker = join(dir, 'docker');
writeFileSync(docker, '#!/bin/sh\nexit 0\n');
chmodSync(docker, 0o755);

const INPUT: BackupUnitsInput = {
  serverContainer: 'booxstream',
  image: 'booxstream-server:latest',
  dataDir: '/data',
  repository: '/backups/booxstream',
  repositoryHostDir: '/srv/backups/booxstream',
  passwordFile: '/etc/booxstream/restic-password',
  textfileDir: '/var/lib/prometheus/node-exporter',
  include: { 'bookstack-db': '/var/backups/bookstack' },
  extraExecStartPre: ['/usr/local/bin/bookstack-dump /var/backups/bookstack'],
  docker,
};

async function verify(units: { name: string; text: string }[]): Promise<{ ok: boolean; out: string }> {
  const sub = mkdtempSync(join(dir, 'v-'));
  for (const u of units) writeFileSync(join(sub, u.name), u.text);
  // The VM's Docker unit, which Requires= names; verify loads units beside the checked ones.
  writeFileSync(join(sub, 'docker.service'), `[Unit]\nDescription=stand-in for Docker's unit\n[Service]\nExecStart=${docker}\n`);
  try {
    const r = await run('systemd-analyze', ['verify', ...units.map((u) => join(sub, u.name))], { timeout: 30_000 });
    return { ok: true, out: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describe('renderBackupUnits', () => {
  const u = renderBackupUnits(INPUT);
  // The extra ExecStartPre must exist too for verify; point it at the stub.
  const verifiable = renderBackupUnits({ ...INPUT, extraExecStartPre: [`${docker} dump`] });

  it('systemd-analyze verify accepts the timer and the service', async () => {
    const r = await verify([{ name: verifiable.serviceName, text: verifiable.service }, { name: verifiable.timerName, text: verifiable.timer }]);
    expect(r.out).toBe('');
    expect(r.ok).toBe(true);
  });

  it('verify catches a broken unit (so the check above can fail)', async () => {
    const r = await verify([{ name: verifiable.serviceName, text: verifiable.service.replace('Type=oneshot', 'Type=sometimes') }, { name: verifiable.timerName, text: verifiable.timer }]);
    expect(r.out).toMatch(/service type/i);
  });

  it('fires daily at 02:00 and catches up after downtime', async () => {
    expect(u.timer).toContain('OnCalendar=*-*-* 02:00:00');
    expect(u.timer).toContain('Persistent=true');
    const { stdout } = await run('systemd-analyze', ['calendar', '--iterations=2', '*-*-* 02:00:00']);
    expect(stdout).toMatch(/Next elapse: .* 02:00:00/);
  });

  it('runs pnpm backup from the server image with the password as a file, never on the command line', () => {
    expect(u.service).toContain('--volumes-from booxstream:rw');
    expect(u.service).toContain('RESTIC_PASSWORD_FILE=/run/secrets/restic-password');
    expect(u.service).toContain('/etc/booxstream/restic-password:/run/secrets/restic-password:ro');
    expect(u.service).not.toMatch(/RESTIC_PASSWORD=/);
    expect(u.service).toContain('BACKUP_INCLUDE=bookstack-db=/include/bookstack-db');
    expect(u.service).toContain('ExecStartPre=/usr/local/bin/bookstack-dump /var/backups/bookstack');
    expect(u.service).toMatch(/--entrypoint node booxstream-server:latest dist\/ops\.js backup$/m);
  });
});
