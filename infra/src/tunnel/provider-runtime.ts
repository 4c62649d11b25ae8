/**
 * What the locally-managed tunnel's dynamic provider runs (loaded by path, see
 * src/dynamic/runtime-provider.ts): the model's rules in the gateway's config.yml, merged,
 * validated by cloudflared, applied with a restart and rolled back when cloudflared does not
 * come back (local-apply.ts), over SSH with the host key pinned.
 */
import { sameValue } from '../authentik/drift.js';
import { observedRules, ruleSatisfies, type IngressRule, type OwnedRule } from '../cloudflare/ingress-merge.js';
import { configYmlRules } from './config-yml.js';
import { applyLocalIngress, type LocalTunnelCommands, type RemoteShell } from './local-apply.js';
import { withSshShell, type SshTarget } from './ssh-shell.js';

export interface LocalTunnelInputs {
  host: SshTarget;
  path: string;
  rules: Record<string, OwnedRule>;
  commands: LocalTunnelCommands;
}

export interface LocalTunnelState extends LocalTunnelInputs {
  adopted: Record<string, IngressRule>;
  observed: Record<string, IngressRule | null>;
}

export interface LocalTunnelConnection {
  privateKey?: string | undefined;
  privateKeyKey?: string | undefined;
  /** Tests replace SSH with a local shell. */
  shell?: RemoteShell | undefined;
}

type Props = Record<string, unknown>;

export function check(_kind: string, news: Props) {
  const failures: { property: string; reason: string }[] = [];
  if (typeof news['path'] !== 'string') failures.push({ property: 'path', reason: 'path must be the config.yml path on the gateway' });
  return { inputs: news, failures };
}

export function diff(_kind: string, olds: Props, news: Props) {
  const replaces = ['host', 'path'].filter((k) => !sameValue(olds[k], news[k]));
  const rules = (news['rules'] ?? {}) as Record<string, OwnedRule>;
  const observed = (olds['observed'] ?? {}) as LocalTunnelState['observed'];
  const drifted = Object.entries(rules).some(([key, rule]) => key in observed && !ruleSatisfies(observed[key], rule));
  return { changes: replaces.length > 0 || !sameValue(olds['rules'], news['rules']) || !sameValue(olds['commands'], news['commands']) || drifted, replaces, deleteBeforeReplace: true };
}

export async function create(_kind: string, connection: LocalTunnelConnection, inputs: Props) {
  const i = inputs as unknown as LocalTunnelInputs;
  const state = await apply(connection, i, [], {});
  return { id: `${i.host.address}:${i.path}`, outs: state as unknown as Props };
}

export async function read(_kind: string, connection: LocalTunnelConnection, id: string, props: Props) {
  const s = props as unknown as LocalTunnelState;
  const text = await shellFor(connection, s.host, (shell) => shell.run(`cat '${s.path}'`));
  if (text.code !== 0) return { id: '', props: {} };
  return { id, props: { ...props, observed: observedRules(configYmlRules(text.stdout), Object.keys(s.rules)) } };
}

export async function update(_kind: string, connection: LocalTunnelConnection, _id: string, olds: Props, news: Props) {
  const o = olds as unknown as LocalTunnelState;
  return { outs: (await apply(connection, news as unknown as LocalTunnelInputs, Object.keys(o.rules), o.adopted ?? {})) as unknown as Props };
}

/** Releases our rules: adopted ones go back as they were, ours are removed; other rules stay. */
export async function remove(_kind: string, connection: LocalTunnelConnection, _id: string, props: Props): Promise<void> {
  const s = props as unknown as LocalTunnelState;
  await apply(connection, { ...s, rules: {} }, Object.keys(s.rules), s.adopted ?? {});
}

async function apply(connection: LocalTunnelConnection, inputs: LocalTunnelInputs, owned: string[], adopted: Record<string, IngressRule>): Promise<LocalTunnelState> {
  const r = await shellFor(connection, inputs.host, (shell) =>
    applyLocalIngress(shell, { path: inputs.path, desired: inputs.rules, owned, adopted, commands: inputs.commands }),
  );
  return { ...inputs, adopted: r.adopted, observed: observedRules(configYmlRules(r.text), Object.keys(inputs.rules)) };
}

function shellFor<T>(connection: LocalTunnelConnection, host: SshTarget, fn: (shell: RemoteShell) => Promise<T>): Promise<T> {
  if (connection.shell) return fn(connection.shell);
  if (!connection.privateKey) throw new Error(`gateway SSH key is not configured: set ${connection.privateKeyKey ?? 'booxstream:gatewaySshPrivateKey'} (with --secret)`);
  return withSshShell(host, connection.privateKey, fn);
}
