/**
 * A small stand-in for the Pulumi engine, for end-to-end runs of the real program against the
 * fake Cloudflare and the fake authentik. There is no Pulumi CLI here; this does what the
 * engine does with the program's dynamic resources, in the engine's order:
 *
 * - `preview`: the program runs under mocks; every dynamic resource goes through its
 *   provider's `check` (and `diff` against the state), nothing is created. `pulumi up` runs
 *   this first, so a check failure stops the run before any change.
 * - `up`: `check`, then `create` for a new resource, or `diff` against the state and `update`
 *   when it reports changes (`replaces` → create the new one, delete the old one afterwards,
 *   the engine's default create-before-delete order). Outputs feed the next resources.
 * - `refresh`: `read` of every resource in the state.
 * - `destroy`: `delete` in reverse creation order.
 *
 * The runtimes are the same modules the serialized providers load (src/authentik and
 * src/cloudflare provider-runtime.ts); other resource types (SSH commands, Docker) are echoed.
 */
import * as pulumi from '@pulumi/pulumi';
import * as authentik from '../src/authentik/provider-runtime.js';
import { UNKNOWN } from '../src/authentik/provider-runtime.js';
import * as cloudflare from '../src/cloudflare/provider-runtime.js';
import { loadStackConfig } from '../src/config.js';
import { declareGateway } from '../src/program.js';
import type { RemoteShell } from '../src/tunnel/local-apply.js';
import * as localTunnel from '../src/tunnel/provider-runtime.js';
import { mapSource, projectFiles } from './example-stack.js';

type Props = Record<string, unknown>;

export interface StateEntry {
  type: string;
  name: string;
  id: string;
  inputs: Props;
  outputs: Props;
}

export interface EngineConnections {
  authentik: { url: string; token: string };
  cloudflare: { token: string; baseUrl: string };
  /** The gateway's shell for the locally-managed tunnel (SSH in production). */
  gatewayShell?: RemoteShell;
}

export interface RunLog {
  created: string[];
  updated: string[];
  replaced: string[];
  deleted: string[];
  /** Check failures, as `type::name: property: reason`. */
  failures: string[];
}

const AUTHENTIK_KINDS: Record<string, authentik.AuthentikKind> = {
  Flow: 'flow',
  Group: 'group',
  ProxyProvider: 'proxy-provider',
  Application: 'application',
  OutpostMembership: 'outpost-membership',
  PolicyBinding: 'policy-binding',
  MfaObject: 'mfa-object',
  NamedLookup: 'named-lookup',
};
const CLOUDFLARE_KINDS: Record<string, cloudflare.CloudflareKind> = { TunnelIngressRules: 'tunnel-ingress', DnsRecord: 'dns-record' };

/** The provider runtime of a type, or undefined for a type the engine only echoes. */
function runtimeOf(type: string, conns: EngineConnections) {
  const [, module, kindName] = /^pulumi-nodejs:dynamic\/(\w+):(\w+)$/.exec(type) ?? [];
  if (module === 'authentik' && kindName && AUTHENTIK_KINDS[kindName]) {
    const kind = AUTHENTIK_KINDS[kindName];
    const conn = { ...conns.authentik, urlKey: 'booxstream:authentikUrl', tokenKey: 'booxstream:authentikToken' };
    return {
      check: async (news: Props) => authentik.check(kind, news),
      diff: (olds: Props, news: Props) => authentik.diff(kind, olds, news),
      create: (inputs: Props) => authentik.create(kind, conn, inputs),
      read: (id: string, props: Props) => authentik.read(kind, conn, id, props),
      update: (id: string, olds: Props, news: Props) => authentik.update(kind, conn, id, olds, news),
      remove: (id: string, props: Props) => authentik.remove(kind, conn, id, props),
    };
  }
  if (module === 'cloudflare' && kindName && CLOUDFLARE_KINDS[kindName]) {
    const kind = CLOUDFLARE_KINDS[kindName];
    const conn = { ...conns.cloudflare, tokenKey: 'booxstream:cloudflareApiToken' };
    return {
      check: (news: Props, olds: Props) => cloudflare.check(kind, news, conn, olds),
      diff: (olds: Props, news: Props) => cloudflare.diff(kind, olds, news),
      create: (inputs: Props) => cloudflare.create(kind, conn, inputs),
      read: (id: string, props: Props) => cloudflare.read(kind, conn, id, props),
      update: (id: string, olds: Props, news: Props) => cloudflare.update(kind, conn, id, olds, news),
      remove: (id: string, props: Props) => cloudflare.remove(kind, conn, id, props),
    };
  }
  if (module === 'cloudflared' && kindName === 'LocalTunnelIngressRules') {
    const conn = { shell: conns.gatewayShell };
    return {
      check: async (news: Props) => localTunnel.check('local-tunnel-ingress', news),
      diff: (olds: Props, news: Props) => localTunnel.diff('local-tunnel-ingress', olds, news),
      create: (inputs: Props) => localTunnel.create('local-tunnel-ingress', conn, inputs),
      read: (id: string, props: Props) => localTunnel.read('local-tunnel-ingress', conn, id, props),
      update: (id: string, olds: Props, news: Props) => localTunnel.update('local-tunnel-ingress', conn, id, olds, news),
      remove: (id: string, props: Props) => localTunnel.remove('local-tunnel-ingress', conn, id, props),
    };
  }
  return undefined;
}

/**
 * Inputs as a provider receives them: without the serialized provider and the declared-output
 * placeholders, and a value not known during preview as the engine's unknown sentinel (the
 * mock monitor hands those over as `Unknown` objects).
 */
function providerInputs(inputs: Props): Props {
  const out: Props = {};
  for (const [k, v] of Object.entries(inputs)) if (k !== '__provider' && v !== undefined) out[k] = wire(v);
  return out;
}

function wire(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && (value as { __pulumiUnknown?: boolean }).__pulumiUnknown === true) return UNKNOWN;
  if (Array.isArray(value)) return value.map(wire);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wire(v)]));
  return value;
}

export class Engine {
  /** `type::name` → entry, in creation order. */
  readonly state = new Map<string, StateEntry>();

  constructor(
    private readonly conns: EngineConnections,
    private readonly config: Record<string, string>,
    private readonly secretKeys: string[],
    private readonly projectDir: string,
    /** Project files held in memory instead of read from infra/ (a gateway file with other layers). */
    private readonly files: Record<string, string> = {},
  ) {}

  preview(): Promise<RunLog> {
    return this.run('preview');
  }

  up(): Promise<RunLog> {
    return this.run('up');
  }

  async refresh(): Promise<void> {
    for (const [key, entry] of this.state) {
      const runtime = runtimeOf(entry.type, this.conns);
      if (!runtime) continue;
      const r = await runtime.read(entry.id, entry.outputs);
      if (!r.id) this.state.delete(key);
      else entry.outputs = r.props;
    }
  }

  async destroy(): Promise<RunLog> {
    const log: RunLog = { created: [], updated: [], replaced: [], deleted: [], failures: [] };
    for (const [key, entry] of [...this.state].reverse()) {
      await runtimeOf(entry.type, this.conns)?.remove(entry.id, entry.outputs);
      this.state.delete(key);
      log.deleted.push(key);
    }
    return log;
  }

  /** One resource registration: what the engine does with it in this mode. */
  private async step(
    mode: 'preview' | 'up',
    key: string,
    args: { type: string; name: string; inputs: unknown; custom?: boolean },
    log: RunLog,
    pendingDeletes: StateEntry[],
    stopped: () => boolean,
  ): Promise<{ id: string | undefined; state: Props }> {
    const inputs = providerInputs(args.inputs as Props);
    const runtime = runtimeOf(args.type, this.conns);
    const old = this.state.get(key);
    if (!runtime) {
      const outputs = { ...inputs, ...(args.type === 'docker:index/image:Image' ? { repoDigest: `sha256:${'cd'.repeat(32)}` } : {}) };
      if (mode === 'up') this.state.set(key, { type: args.type, name: args.name, id: `${args.name}-id`, inputs, outputs });
      return { id: args.custom ? `${args.name}-id` : undefined, state: outputs };
    }
    const checked = (await runtime.check(inputs, old?.inputs ?? {})) as { failures: { property: string; reason: string }[] };
    for (const f of checked.failures) log.failures.push(`${key}: ${f.property}: ${f.reason}`);
    if (checked.failures.length > 0) throw new Error(`${key} failed its check: ${checked.failures.map((f) => f.reason).join('; ')}`);
    if (mode === 'preview') {
      if (!old) log.created.push(key);
      else if ((runtime.diff(old.outputs, inputs) as { changes: boolean }).changes) log.updated.push(key);
      return { id: old?.id ?? `${args.name}-preview`, state: { ...inputs, ...(old?.outputs ?? {}) } };
    }
    if (stopped()) return { id: old?.id ?? `${args.name}-skipped`, state: { ...inputs, ...(old?.outputs ?? {}) } };
    if (!old) {
      const r = await runtime.create(inputs);
      this.state.set(key, { type: args.type, name: args.name, id: r.id, inputs, outputs: r.outs });
      log.created.push(key);
      return { id: r.id, state: { ...inputs, ...r.outs } };
    }
    const d = runtime.diff(old.outputs, inputs) as { changes: boolean; replaces: string[] };
    if (d.replaces.length > 0) {
      const r = await runtime.create(inputs);
      pendingDeletes.push(old);
      this.state.delete(key);
      this.state.set(key, { type: args.type, name: args.name, id: r.id, inputs, outputs: r.outs });
      log.replaced.push(key);
      return { id: r.id, state: { ...inputs, ...r.outs } };
    }
    if (d.changes) {
      const r = await runtime.update(old.id, old.outputs, inputs);
      old.inputs = inputs;
      old.outputs = r.outs;
      log.updated.push(key);
    }
    return { id: old.id, state: { ...inputs, ...old.outputs } };
  }

  private async run(mode: 'preview' | 'up'): Promise<RunLog> {
    const log: RunLog = { created: [], updated: [], replaced: [], deleted: [], failures: [] };
    const pendingDeletes: StateEntry[] = [];
    const seen = new Set<string>();
    let failed: Error | undefined;
    let inflight = 0;

    await pulumi.runtime.setMocks(
      {
        newResource: async (args) => {
          const key = `${args.type}::${args.name}`;
          seen.add(key);
          inflight += 1;
          try {
            return await this.step(mode, key, args, log, pendingDeletes, () => failed !== undefined);
          } catch (error) {
            // The engine stops starting new steps after a failure; the run then reports it.
            failed ??= error as Error;
            return { id: `${args.name}-failed`, state: {} };
          } finally {
            inflight -= 1;
          }
        },
        call: (args) => {
          if (args.token === 'cloudflare:index/getZeroTrustTunnelCloudflared:getZeroTrustTunnelCloudflared') {
            return { id: args.inputs['tunnelId'], configSrc: 'cloudflare', remoteConfig: true, name: 'home', status: 'healthy' };
          }
          return {};
        },
      },
      'booxstream',
      'brownfield',
      mode === 'preview',
    );
    pulumi.runtime.setAllConfig(this.config, this.secretKeys);

    const outputs = await pulumi.runtime.runInPulumiStack(async () => {
      const cfg = loadStackConfig(mapSource(this.config, this.secretKeys), projectFiles(this.files));
      const o = declareGateway(cfg, { projectDir: this.projectDir, stack: 'brownfield' });
      return { verify: o.verify, hashes: o.renderedFileHashes };
    });
    // Let every registration finish (they run after the outputs resolve), bounded.
    if (failed === undefined) await settle(outputs);
    let quiet = 0;
    for (let i = 0; i < 800 && quiet < 10; i++) {
      const before = seen.size;
      await new Promise((r) => setTimeout(r, 25));
      quiet = inflight === 0 && seen.size === before ? quiet + 1 : 0;
    }
    if (failed) throw failed;
    if (mode === 'up') {
      // What the program no longer declares goes, after the new resources (engine order).
      for (const [key, entry] of [...this.state].reverse()) {
        if (seen.has(key)) continue;
        await runtimeOf(entry.type, this.conns)?.remove(entry.id, entry.outputs);
        this.state.delete(key);
        log.deleted.push(key);
      }
      for (const old of pendingDeletes) await runtimeOf(old.type, this.conns)?.remove(old.id, old.outputs);
    }
    return log;
  }
}

async function settle(value: unknown): Promise<void> {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) {
      if (pulumi.Output.isInstance(v)) await new Promise((r) => (v as pulumi.Output<unknown>).apply((x) => r(x)));
    }
  }
}
