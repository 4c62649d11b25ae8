/**
 * What every mode gets from the runner: where to write logs and profiles,
 * the server's config overrides, payload pools and the run's scale.
 */
import type { FrameMessage } from '../payloads.js';
import type { RelayKind } from '../relay-process.js';
import type { SessionOptions } from '../session.js';

export type PayloadKind = 'shaped' | 'real' | 'static';

export interface ModeContext {
  readonly outDir: string;
  /** Overrides for `startServer` common to every mode. */
  readonly serverConfig: Record<string, unknown>;
  /** Profile this relay kind (`--cpu-prof`) into `<outDir>/prof`. */
  readonly profile: ReadonlySet<RelayKind>;
  readonly pools: Record<PayloadKind, (hostIndex: number) => FrameMessage[]>;
  /** Short durations and small counts (CI smoke run). */
  readonly smoke: boolean;
  /** Label of this run (mode name and run number), for log and profile names. */
  readonly label: string;
  readonly log: (line: string) => void;
  /** Bundled child entries; relays run from source through tsx when null. */
  readonly bundles: Record<RelayKind, string> | null;
  /** What-ifs applied to the relays (see server-child.ts); empty for real results. */
  readonly experiments: ReadonlySet<string>;
}

export function sessionOptions(
  ctx: ModeContext,
  kind: RelayKind,
  o: { hosts: number; viewersPerHost: number; payload: PayloadKind; serverConfig?: Record<string, unknown>; connectDevices?: boolean },
): SessionOptions {
  return {
    kind,
    hosts: o.hosts,
    viewersPerHost: o.viewersPerHost,
    pool: ctx.pools[o.payload],
    serverConfig: { ...ctx.serverConfig, ...o.serverConfig },
    logFile: `${ctx.outDir}/logs/${ctx.label}-${kind}.log`,
    ...(ctx.profile.has(kind) ? { cpuProfDir: `${ctx.outDir}/prof/${ctx.label}` } : {}),
    ...(o.connectDevices === false ? { connectDevices: false } : {}),
    ...(ctx.bundles ? { bundle: ctx.bundles[kind] } : {}),
    ...(ctx.experiments.size > 0 ? { experiments: ctx.experiments } : {}),
  };
}
