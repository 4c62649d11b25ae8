/**
 * Applying the model's rules to a locally-managed tunnel's config.yml on the gateway, safely:
 *
 * 1. read the live file; merge (config-yml.ts); nothing changed → nothing written, no restart;
 * 2. write the candidate next to it and have cloudflared itself validate it
 *    (`cloudflared tunnel --config <candidate> ingress validate`, in the cloudflared container);
 *    a refusal stops here with cloudflared's words, the live file untouched;
 * 3. keep the previous file (`<path>.booxstream-prev`), write the new one in place (same inode:
 *    a bind-mounted file keeps working), restart cloudflared;
 * 4. wait for cloudflared to come back healthy; if it does not, put the previous file back,
 *    restart again and fail, naming what happened.
 *
 * Commands run through a `RemoteShell` (SSH in production, a local shell in tests); every
 * path is checked before it reaches a shell.
 */
import { ConfigYmlError, mergeConfigYml } from './config-yml.js';
import type { IngressRule, OwnedRule } from '../cloudflare/ingress-merge.js';

export interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one `sh -c` command on the gateway, optionally with stdin. */
export interface RemoteShell {
  run(command: string, stdin?: string): Promise<ShellResult>;
}

export interface LocalTunnelCommands {
  /** Validates a candidate file; `{file}` is replaced by its path on the gateway (quoted). */
  validate: string;
  /** Restarts cloudflared (it reads config.yml at start only). */
  restart: string;
  /** Exits 0 once cloudflared is up and connected. */
  health: string;
  /** [healthAttempts=10] Health checks before giving up. */
  healthAttempts?: number;
  /** [healthIntervalMs=3000] Pause between them. */
  healthIntervalMs?: number;
}

export interface LocalApplyInput {
  path: string;
  desired: Record<string, OwnedRule>;
  owned: readonly string[];
  adopted: Readonly<Record<string, IngressRule>>;
  commands: LocalTunnelCommands;
}

export interface LocalApplyResult {
  adopted: Record<string, IngressRule>;
  changed: boolean;
  /** The file as it is on the gateway after the call. */
  text: string;
}

const SAFE_PATH = /^\/[A-Za-z0-9._/-]+$/;
export const PREVIOUS_SUFFIX = '.booxstream-prev';
const CANDIDATE_SUFFIX = '.booxstream-new';

const quote = (path: string) => `'${path}'`;

export async function applyLocalIngress(shell: RemoteShell, input: LocalApplyInput): Promise<LocalApplyResult> {
  const { path, commands } = input;
  if (!SAFE_PATH.test(path) || path.includes('..')) throw new ConfigYmlError(path, 'path must be absolute and use only letters, digits and ._/-');
  const read = await shell.run(`cat ${quote(path)}`);
  if (read.code !== 0) throw new ConfigYmlError(path, `cannot be read over SSH: ${read.stderr.trim()}`);
  const merged = mergeConfigYml(path, read.stdout, input);
  if (!merged.changed) return { adopted: merged.adopted, changed: false, text: read.stdout };

  const candidate = `${path}${CANDIDATE_SUFFIX}`;
  await must(shell, `cat > ${quote(candidate)}`, path, 'writing the candidate file', merged.text);
  const validation = await shell.run(commands.validate.replaceAll('{file}', quote(candidate)));
  if (validation.code !== 0) {
    await shell.run(`rm -f ${quote(candidate)}`);
    throw new ConfigYmlError(path, `cloudflared refused the merged configuration, nothing was changed: ${(validation.stderr || validation.stdout).trim()}`);
  }
  const previous = `${path}${PREVIOUS_SUFFIX}`;
  await must(shell, `cp -p ${quote(path)} ${quote(previous)} && cat ${quote(candidate)} > ${quote(path)} && rm -f ${quote(candidate)}`, path, 'replacing the file');
  await must(shell, commands.restart, path, 'restarting cloudflared');
  if (await healthy(shell, commands)) return { adopted: merged.adopted, changed: true, text: merged.text };

  // Roll back: the previous file, a restart, and a clear failure.
  await must(shell, `cat ${quote(previous)} > ${quote(path)}`, path, 'restoring the previous file');
  await shell.run(commands.restart);
  const back = await healthy(shell, commands);
  throw new ConfigYmlError(
    path,
    `cloudflared did not come back healthy after the change (\`${commands.health}\`); the previous file was restored and cloudflared restarted` +
      (back ? ' (healthy again)' : ' (still unhealthy: check the gateway)'),
  );
}

async function healthy(shell: RemoteShell, commands: LocalTunnelCommands): Promise<boolean> {
  const attempts = commands.healthAttempts ?? 10;
  for (let i = 0; i < attempts; i++) {
    if ((await shell.run(commands.health)).code === 0) return true;
    if (i < attempts - 1) await new Promise((r) => setTimeout(r, commands.healthIntervalMs ?? 3000));
  }
  return false;
}

async function must(shell: RemoteShell, command: string, path: string, what: string, stdin?: string): Promise<void> {
  const r = await shell.run(command, stdin);
  if (r.code !== 0) throw new ConfigYmlError(path, `${what} failed: ${r.stderr.trim()}`);
}
