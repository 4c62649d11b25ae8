/**
 * A `RemoteShell` over the system `ssh` client, for the dynamic provider that edits the
 * gateway's config.yml (dynamic providers cannot use @pulumi/command). The host key is pinned
 * (a known_hosts file holding only it, StrictHostKeyChecking=yes); the private key comes from
 * the stack config in `configure` and lives only in a 0600 file in a private temp directory
 * for the duration of the call.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RemoteShell, ShellResult } from './local-apply.js';

export interface SshTarget {
  address: string;
  port: number;
  user: string;
  /** `ssh-ed25519 AAAA…`, as in the stack config. */
  hostKey: string;
}

/** Runs `fn` with a shell to the target; the key material is removed afterwards. */
export async function withSshShell<T>(target: SshTarget, privateKey: string, fn: (shell: RemoteShell) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'booxstream-ssh-'));
  chmodSync(dir, 0o700);
  try {
    const key = join(dir, 'key');
    writeFileSync(key, privateKey.endsWith('\n') ? privateKey : `${privateKey}\n`, { mode: 0o600 });
    const knownHosts = join(dir, 'known_hosts');
    const hostPattern = target.port === 22 ? target.address : `[${target.address}]:${target.port}`;
    writeFileSync(knownHosts, `${hostPattern} ${target.hostKey.trim()}\n`, { mode: 0o600 });
    const args = [
      '-i', key,
      '-p', String(target.port),
      '-o', 'IdentitiesOnly=yes',
      '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=yes',
      '-o', `UserKnownHostsFile=${knownHosts}`,
      '-o', 'ConnectTimeout=15',
      `${target.user}@${target.address}`,
    ];
    return await fn({ run: (command, stdin) => runSsh(args, command, stdin) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runSsh(args: string[], command: string, stdin?: string): Promise<ShellResult> {
  return runProcess('ssh', [...args, command], { stdin });
}

/** Runs a process to completion (bounded), collecting its output. */
export function runProcess(file: string, args: string[], options: { stdin?: string | undefined; cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.env ? { env: options.env } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 255, stdout, stderr });
    });
    if (options.stdin !== undefined) child.stdin!.end(options.stdin);
  });
}
