/**
 * SSH to the two hosts, both with the host key pinned.
 *
 * - The gateway (file copies) goes through @pulumi/command, which speaks SSH itself: the
 *   private key and the pinned host key are resource inputs.
 * - The BooxStream VM (Docker over `ssh://`) goes through the docker CLI's connection helper,
 *   which runs the system `ssh` binary: the key and a known_hosts file must exist on disk where
 *   Pulumi runs. `writeSshMaterial` puts them in a private per-stack directory; `dockerSshOpts`
 *   points ssh at them with strict host key checking.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SshHostConfig } from './config.js';

/** `@pulumi/command` connection args (plain values; the caller passes the key as a secret Output). */
export interface CommandConnection<Key> {
  host: string;
  port: number;
  user: string;
  privateKey: Key;
  hostKey: string;
  /** Bounded retries: a wrong address fails in about a minute, not ten. */
  dialErrorLimit: number;
  perDialTimeout: number;
}

export function commandConnection<Key>(host: SshHostConfig, privateKey: Key): CommandConnection<Key> {
  return {
    host: host.address,
    port: host.sshPort,
    user: host.sshUser,
    privateKey,
    hostKey: host.hostKey.trim(),
    dialErrorLimit: 4,
    perDialTimeout: 15,
  };
}

/** The Docker daemon URL over SSH, `ssh://user@host:port`. */
export function dockerHost(host: SshHostConfig): string {
  const address = host.address.includes(':') ? `[${host.address}]` : host.address;
  return `ssh://${host.sshUser}@${address}:${host.sshPort}`;
}

/** A known_hosts line for the pinned key (`[host]:port` form for non-22 ports, as ssh writes it). */
export function knownHostsLine(host: SshHostConfig): string {
  const [type, blob] = host.hostKey.trim().split(/\s+/);
  const name = host.sshPort === 22 ? host.address : `[${host.address}]:${host.sshPort}`;
  return `${name} ${type} ${blob}\n`;
}

export interface SshMaterialPaths {
  readonly identityFile: string;
  readonly knownHostsFile: string;
}

/**
 * Where the VM's key and known_hosts live: a private directory per stack, stable across runs so
 * the docker provider's `sshOpts` do not change between `pulumi up`s on the same machine.
 * [dir=~/.ssh/pulumi-booxstream/<stack>], overridable with BOOXSTREAM_SSH_DIR.
 */
export function sshMaterialPaths(stack: string, env: Record<string, string | undefined> = process.env, machine: 'vm' | 'gateway' = 'vm'): SshMaterialPaths {
  const dir = env['BOOXSTREAM_SSH_DIR'] ?? join(homedir(), '.ssh', 'pulumi-booxstream', stack);
  return { identityFile: join(dir, `${machine}_key`), knownHostsFile: join(dir, `${machine}_known_hosts`) };
}

/** ssh options for the docker CLI: this key only, this host key only, no prompts. */
export function dockerSshOpts(paths: SshMaterialPaths): string[] {
  return [
    '-o', `IdentityFile=${paths.identityFile}`,
    '-o', 'IdentitiesOnly=yes',
    '-o', `UserKnownHostsFile=${paths.knownHostsFile}`,
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=15',
  ];
}

/**
 * Writes the private key and the known_hosts line with owner-only permissions (ssh refuses a
 * key readable by others). Called from inside an `apply` on the secret key, so the key never
 * becomes a plain value in the program's outputs.
 */
export function writeSshMaterial(paths: SshMaterialPaths, privateKey: string, host: SshHostConfig): void {
  for (const dir of new Set([join(paths.identityFile, '..'), join(paths.knownHostsFile, '..')])) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
  writeFileSync(paths.identityFile, privateKey, { mode: 0o600 });
  chmodSync(paths.identityFile, 0o600);
  writeFileSync(paths.knownHostsFile, knownHostsLine(host), { mode: 0o600 });
  chmodSync(paths.knownHostsFile, 0o600);
}
