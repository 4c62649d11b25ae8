/**
 * The backup schedule on the BooxStream VM: the restic password as a root-only file written from
 * a Pulumi secret over SSH (stdin, never a command line or a copied asset), the rendered systemd
 * service and timer (src/backup-units.ts), and the timer enabled. Destroy disables the timer and
 * removes the files; the repository and its snapshots are never touched.
 */
import { createHash } from 'node:crypto';
import * as command from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import { renderBackupUnits, type BackupUnitsInput } from '../backup-units.js';
import { remoteFile } from './remote-file.js';

/** The server image's user (`node`), which the backup container runs as. */
const BACKUP_UID = 1000;

/** Where the units go on the VM. */
export const SYSTEMD_DIR = '/etc/systemd/system';

export interface BackupScheduleArgs {
  /** SSH connection to the VM (root or a sudo-less admin: systemctl and /etc are written). */
  connection: pulumi.Input<command.types.input.remote.ConnectionArgs>;
  /** Everything the units need except the docker path (the VM's is /usr/bin/docker). */
  units: Omit<BackupUnitsInput, 'docker'>;
  /** The restic repository password, a Pulumi secret. */
  resticPassword: pulumi.Input<string>;
  /** Scripts other apps' steps run (a database dump), copied and made executable. [hookFiles=[]] */
  hookFiles?: readonly { path: string; content: string; mode: '0755' }[];
}

export class BackupSchedule extends pulumi.ComponentResource {
  readonly timerName: pulumi.Output<string>;
  /** sha256 of service + timer, to see a schedule change in `pulumi preview`. */
  readonly unitsHash: pulumi.Output<string>;

  constructor(name: string, args: BackupScheduleArgs, opts?: pulumi.ComponentResourceOptions) {
    super('booxstream:backup:BackupSchedule', name, {}, opts);
    const units = renderBackupUnits(args.units);
    const pw = args.units.passwordFile;
    for (const [what, path] of [['passwordFile', pw], ['textfileDir', args.units.textfileDir], ['repositoryHostDir', args.units.repositoryHostDir ?? '/']] as const) {
      if (!/^\/[A-Za-z0-9._/-]*$/.test(path) || path.includes('..')) {
        throw new pulumi.ResourceError(`backup ${what} ${JSON.stringify(path)} must be an absolute path of letters, digits and ._/-`, this);
      }
    }

    // `install -m 600` creates the file with its final mode: no window where it is world-readable.
    const password = new command.remote.Command(
      `${name}-password`,
      {
        connection: args.connection,
        // The backup container runs as the image's user (1000): it must read the password and
        // write the textfile directory and a local repository.
        create: [
          `install -d -m 700 '${pw.slice(0, pw.lastIndexOf('/')) || '/'}'`,
          `install -m 600 -o ${BACKUP_UID} -g ${BACKUP_UID} /dev/stdin '${pw}'`,
          `install -d -m 755 -o ${BACKUP_UID} -g ${BACKUP_UID} '${args.units.textfileDir}'`,
          ...(args.units.repositoryHostDir ? [`install -d -m 700 -o ${BACKUP_UID} -g ${BACKUP_UID} '${args.units.repositoryHostDir}'`] : []),
        ].join(' && '),
        delete: `rm -f '${pw}'`,
        stdin: pulumi.secret(args.resticPassword),
        logging: 'none',
      },
      { parent: this, additionalSecretOutputs: ['stdin'] },
    );
    const service = remoteFile(`${name}-service`, { connection: args.connection, remotePath: `${SYSTEMD_DIR}/${units.serviceName}`, content: units.service, removeOnDelete: true }, this);
    const timer = remoteFile(`${name}-timer`, { connection: args.connection, remotePath: `${SYSTEMD_DIR}/${units.timerName}`, content: units.timer, removeOnDelete: true }, this);
    const hookChecks = (args.hookFiles ?? []).map((f, i) => {
      const file = remoteFile(`${name}-hook-${i}`, { connection: args.connection, remotePath: f.path, content: f.content, removeOnDelete: true }, this);
      return new command.remote.Command(
        `${name}-hook-${i}-mode`,
        { connection: args.connection, create: `chmod ${f.mode} '${f.path}'`, triggers: [createHash('sha256').update(f.content).digest('hex')] },
        { parent: this, dependsOn: [file.check] },
      );
    });
    const hash = createHash('sha256').update(units.service).update('\0').update(units.timer).digest('hex');
    new command.remote.Command(
      `${name}-enable`,
      {
        connection: args.connection,
        create: `systemctl daemon-reload && systemctl enable --now ${units.timerName}`,
        delete: `systemctl disable --now ${units.timerName}; systemctl daemon-reload`,
        // A changed unit is re-read and the timer re-armed.
        triggers: [hash],
      },
      { parent: this, dependsOn: [password, service.check, timer.check, ...hookChecks] },
    );
    this.timerName = pulumi.output(units.timerName);
    this.unitsHash = pulumi.output(hash);
    this.registerOutputs({ timerName: this.timerName, unitsHash: this.unitsHash });
  }
}
