/** BackupSchedule under Pulumi's mocks: what it declares, and that the password stays secret. */
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { BackupSchedule } from './backup-schedule.js';

const PASSWORD = 'restic-password-for-the-mock-test-5f2c';
const recorded: { type: string; name: string; inputs: Record<string, unknown> }[] = [];
let outputs: Record<string, unknown> = {};
let stdinSecret = false;

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        return { id: args.custom ? `${args.name}-id` : undefined, state: args.inputs };
      },
      call: () => ({}),
    },
    'booxstream',
    'backup-test',
    false,
  );
  const stack = await pulumi.runtime.runInPulumiStack(async () => {
    const schedule = new BackupSchedule('backup', {
      connection: { host: '192.168.1.20', user: 'root', privateKey: pulumi.secret('key') },
      resticPassword: pulumi.secret(PASSWORD),
      units: {
        serverContainer: 'booxstream',
        image: 'booxstream-server:latest',
        dataDir: '/data',
        repository: '/backups/booxstream',
        repositoryHostDir: '/srv/backups/booxstream',
        passwordFile: '/etc/booxstream/restic-password',
        textfileDir: '/var/lib/prometheus/node-exporter',
      },
    });
    return { timerName: schedule.timerName, unitsHash: schedule.unitsHash, urn: schedule.urn };
  });
  for (const [k, v] of Object.entries(stack ?? {})) outputs[k] = await new Promise((r) => pulumi.output(v).apply(r));
  for (let i = 0; i < 100 && recorded.length < 7; i++) await new Promise((r) => setTimeout(r, 20));
  const pw = recorded.find((r) => r.name === 'backup-password');
  stdinSecret = JSON.stringify(pw?.inputs['stdin']).includes('1b47061264138c4ac30d75fd1eb44270');
});

describe('BackupSchedule', () => {
  it('copies the service and timer into systemd and enables the timer', () => {
    const copies = recorded.filter((r) => r.type === 'command:remote:CopyToRemote').map((r) => r.inputs['remotePath']);
    expect(copies).toEqual(['/etc/systemd/system/booxstream-backup.service', '/etc/systemd/system/booxstream-backup.timer']);
    const enable = recorded.find((r) => r.name === 'backup-enable')!;
    expect(enable.inputs['create']).toBe('systemctl daemon-reload && systemctl enable --now booxstream-backup.timer');
    expect(enable.inputs['delete']).toContain('systemctl disable --now booxstream-backup.timer');
  });

  it('writes the password root-only from stdin, as a secret, and never into outputs or commands', () => {
    const pw = recorded.find((r) => r.name === 'backup-password')!;
    expect(pw.inputs['create']).toContain("install -m 600 -o 1000 -g 1000 /dev/stdin '/etc/booxstream/restic-password'");
    expect(pw.inputs['create']).toContain("install -d -m 755 -o 1000 -g 1000 '/var/lib/prometheus/node-exporter'");
    expect(stdinSecret).toBe(true);
    expect(JSON.stringify(outputs)).not.toContain(PASSWORD);
    for (const r of recorded) {
      const { stdin: _stdin, ...rest } = r.inputs;
      expect(JSON.stringify(rest), r.name).not.toContain(PASSWORD);
    }
  });
});
