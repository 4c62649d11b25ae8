/**
 * Runs the attack mode's hostile clients (drivers/attackers.ts) in a process
 * of their own, so their work never delays the healthy viewers' receipt
 * timestamps in the bench process (on 2 shared cores it did: a first version
 * that attacked from the bench process measured itself).
 *
 * parent -> child: the AttackSpec once, then 'stop'.
 * child -> parent: 'started', then the AttackReport after 'stop'.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FragmentHolder, InvalidFlooder, type AttackCounts } from './drivers/attackers.js';

export interface AttackSpec {
  readonly deviceUrl: string;
  /** Token of the approved device that floods. */
  readonly token: string;
  readonly fragmentSockets: number;
  readonly fragmentMaxBytes: number;
}

export interface AttackReport {
  readonly flood: AttackCounts;
  readonly fragments: AttackCounts;
  /** Fragment connections open when the attack stopped. */
  readonly heldOpen: number;
}

const SELF = fileURLToPath(import.meta.url);

export interface AttackProcess {
  /** Stops the attackers and returns what they did. */
  stop(): Promise<AttackReport>;
}

function nextMessage<T>(child: ChildProcess, what: string, timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`attack process: no ${what} within ${timeoutMs} ms`)), timeoutMs);
    child.once('message', (m) => {
      clearTimeout(timer);
      resolve(m as T);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`attack process exited (${code}) before ${what}`));
    });
  });
}

export async function startAttackProcess(spec: AttackSpec): Promise<AttackProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--attack-child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, NODE_OPTIONS: '' } });
  const started = nextMessage<string>(child, 'start');
  child.send(spec);
  await started;
  return {
    async stop(): Promise<AttackReport> {
      try {
        const report = nextMessage<AttackReport>(child, 'report');
        child.send('stop');
        return await report;
      } finally {
        child.kill();
      }
    },
  };
}

function runChild(): void {
  process.once('message', (spec: AttackSpec) => {
    const flooder = new InvalidFlooder(spec.deviceUrl, spec.token);
    const holder = new FragmentHolder(spec.deviceUrl, spec.fragmentSockets, spec.fragmentMaxBytes);
    process.send!('started');
    process.once('message', () => {
      const heldOpen = holder.openSockets;
      void Promise.all([flooder.stop(), holder.stop()]).then(() => {
        const report: AttackReport = { flood: flooder.counts, fragments: holder.counts, heldOpen };
        process.send!(report, () => process.exit(0));
      });
    });
  });
  process.once('disconnect', () => process.exit(0));
}

if (process.argv.includes('--attack-child')) runChild();
