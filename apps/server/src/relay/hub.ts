/**
 * The relay: channels by host uuid, device sessions, viewers, heartbeat and
 * the stats/persistence tick. Knows the stores only through the
 * narrow calls below; never logs a token, a frame or a full uuid.
 */
import { CloseCode, type HostView, type ProtocolError, type ViewerEvent } from '@booxstream/protocol';
import type { AuditLog } from '../db/audit.js';
import type { DeviceRow, DeviceStore } from '../db/devices.js';
import type { DeviceAuthFailure } from '../errors.js';
import type { Identity } from '../identity/identity.js';
import { rateLimitKey } from '../identity/network.js';
import { devicePrefix, logDeviceAuthRefused, type Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { Channel, type DistinctFrameSink, type PatcherFactory } from './channel.js';
import { PATCH_DEFAULTS, PatchEncoder } from './patch-encoder.js';
import type { PatchMethod } from '../config.js';
import { DeviceSession, type CutReason, type DeviceSessionHost, type DeviceSessionLimits, type RawInput } from './device-session.js';
import { Heartbeat } from './heartbeat.js';
import type { RelaySocket } from './relay-socket.js';
import { Viewer, type ViewerSnapshot } from './viewer.js';

export interface HubOptions {
  readonly devices: DeviceStore;
  readonly audit: AuditLog;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** A device socket's budgets. */
  readonly device: DeviceSessionLimits;
  readonly viewerMaxBufferedBytes: number;
  readonly viewerMaxQueuedBytes: number;
  readonly viewerMessageRate: number;
  /** How long a device closed for a message budget is refused at auth (0 = off). */
  readonly deviceCoolDownMs: number;
  /** Device sockets not yet authenticated: per client address, and in total. */
  readonly maxUnauthenticatedPerAddress: number;
  readonly maxUnauthenticated: number;
  readonly maxViewersPerHost: number;
  readonly pingIntervalMs: number;
  readonly statsIntervalMs: number;
  /** Bounds audit rows for auth failures per client address (the metric counts them all). */
  readonly auditLimiter: { take(key: string): { readonly ok: boolean } };
  /** Each distinct frame, once (the history store). */
  readonly onDistinctFrame?: DistinctFrameSink;
  /** Whether viewers may ask for patches (`?patches=1`); on unless false. */
  readonly patches?: boolean;
  /** How patches are found and coded (config `PATCH_METHOD`). [patchMethod='auto'] */
  readonly patchMethod?: PatchMethod;
}

/** `last_seen` is written at most this often per host. */
const LAST_SEEN_PERSIST_MS = 5000;

/** Stats events refresh changed counters every this many ticks; a new audience goes out at the next tick. */
const STATS_REFRESH_TICKS = 5;

export const DEVICE_MESSAGES = {
  unknown: 'This token is not known to the server. Open the BooxStream app again so it registers and gets a new token.',
  replaced: 'This device registered again; the older token was replaced. Restart the BooxStream app so it uses its newest token.',
  revoked: 'This device was revoked by an administrator. Ask an administrator to approve it again in BooxStream.',
  unconfirmed: 'This device registered again from a new network. Its owner must confirm it in BooxStream; open the app again once confirmed.',
  pending: 'This device is waiting for an administrator to approve it in BooxStream. Open the app again once it is approved.',
  deleted: 'This device was removed from BooxStream by an administrator. Open the app again to register it anew.',
  replacedConnection: 'Another streaming connection for this device took over; this one is closed.',
} as const;

export interface HostRelayStats {
  readonly uuid: string;
  readonly streaming: boolean;
  readonly framesIn: number;
  readonly framesDeduplicated: number;
  readonly framesOut: number;
  readonly framesSkipped: number;
  readonly viewers: readonly ViewerSnapshot[];
}

export class Hub implements DeviceSessionHost {
  readonly #o: HubOptions;
  readonly #channels = new Map<string, Channel>();
  readonly #sessions = new Set<DeviceSession>();
  readonly #viewers = new Set<Viewer>();
  /**
   * Device sessions not yet authenticated, and their count per client address keyed as the
   * registration rate limit keys it (`rateLimitKey`: an IPv4 address, an IPv6 /64), so one
   * IPv6 customer cannot take 2^64 times the cap.
   */
  readonly #unauthenticated = new Set<DeviceSession>();
  readonly #unauthenticatedPerAddress = new Map<string, number>();
  /** Devices closed for a message budget: uuid → until when (Date.now() ms) their token is refused. */
  readonly #coolDowns = new Map<string, number>();
  readonly #heartbeat: Heartbeat;
  readonly #statsTimer: NodeJS.Timeout;

  constructor(options: HubOptions) {
    this.#o = options;
    this.#heartbeat = new Heartbeat(options.pingIntervalMs);
    this.#statsTimer = setInterval(this.#tick, options.statsIntervalMs).unref();
  }

  get deviceSocketCount(): number {
    return this.#sessions.size;
  }

  get viewerCount(): number {
    return this.#viewers.size;
  }

  get streamingCount(): number {
    let n = 0;
    for (const c of this.#channels.values()) if (c.streaming) n++;
    return n;
  }

  channel(uuid: string): Channel | undefined {
    return this.#channels.get(uuid);
  }

  #channelFor(row: DeviceRow): Channel {
    let c = this.#channels.get(row.uuid);
    if (!c) {
      c = new Channel(row.uuid, row.status, this.#o.metrics, this.#o.onDistinctFrame ?? null, this.#o.patches === false ? null : this.#patcherFor(row.uuid));
      c.persistedLastSeen = row.last_seen ?? 0;
      this.#channels.set(row.uuid, c);
    }
    c.status = row.status;
    return c;
  }

  /** A host's patch encoder, reporting to the metrics; a refused frame is logged at most once a minute per host. */
  #patcherFor(uuid: string): PatcherFactory {
    const { metrics, logger } = this.#o;
    let loggedAt = Number.NEGATIVE_INFINITY;
    return (deliver) => new PatchEncoder({
      deliver,
      encoded: (ms, patched) => metrics.patchEncodeSeconds.observe({ result: patched ? 'patch' : 'full' }, ms / 1000),
      failed: (err) => {
        metrics.patchDecodeFailures.inc();
        if (Date.now() - loggedAt < 60_000) return;
        loggedAt = Date.now();
        logger.warn({ device: devicePrefix(uuid), err: err.message }, 'frame could not be decoded for patches; patch viewers get it whole');
      },
    }, { ...PATCH_DEFAULTS, method: this.#o.patchMethod ?? PATCH_DEFAULTS.method });
  }

  // ---- devices -----------------------------------------------------------

  /**
   * Why a new device socket from `address` must be refused now, or null: the
   * caps on sockets that have not authenticated yet (each may hold
   * preAuthMaxBytes for authTimeoutMs), per address and in total.
   */
  deviceAdmission(address: string): 'unauthenticated-per-address' | 'unauthenticated-total' | null {
    if (this.#unauthenticated.size >= this.#o.maxUnauthenticated) return 'unauthenticated-total';
    if ((this.#unauthenticatedPerAddress.get(rateLimitKey(address)) ?? 0) >= this.#o.maxUnauthenticatedPerAddress) return 'unauthenticated-per-address';
    return null;
  }

  /** Takes a freshly upgraded device socket; `raw` is the TCP socket under it (see DeviceSession). */
  addDevice(ws: RelaySocket, address: string, raw?: RawInput): DeviceSession {
    const session = new DeviceSession(ws, address, this, this.#o.device, raw);
    this.#sessions.add(session);
    this.#unauthenticated.add(session);
    const key = rateLimitKey(address);
    this.#unauthenticatedPerAddress.set(key, (this.#unauthenticatedPerAddress.get(key) ?? 0) + 1);
    this.#heartbeat.watch(ws);
    return session;
  }

  #authenticated(session: DeviceSession): void {
    if (!this.#unauthenticated.delete(session)) return;
    const key = rateLimitKey(session.address);
    const n = (this.#unauthenticatedPerAddress.get(key) ?? 1) - 1;
    if (n > 0) this.#unauthenticatedPerAddress.set(key, n);
    else this.#unauthenticatedPerAddress.delete(key);
  }

  authenticate(session: DeviceSession, token: string): ReturnType<DeviceSessionHost['authenticate']> {
    const found = this.#o.devices.lookupToken(token);
    if (found.kind === 'unknown') return this.#refuse(session, 'unknown', null, CloseCode.Unauthorized);
    if (found.kind === 'replaced') return this.#refuse(session, 'replaced', found.uuid, CloseCode.Unauthorized);
    if (found.kind === 'unconfirmed') return this.#refuse(session, 'unconfirmed', found.device.uuid, CloseCode.PendingApproval);
    const device = found.device;
    if (device.status === 'revoked') return this.#refuse(session, 'revoked', device.uuid, CloseCode.Unauthorized);
    if (device.status === 'pending') return this.#refuse(session, 'pending', device.uuid, CloseCode.PendingApproval);
    // Before anything changes: a refused reconnect must not take over the device's live connection.
    const coolingFor = this.#coolingDownFor(device.uuid);
    if (coolingFor > 0) {
      this.#authFailure(session, 'cooling-down', device.uuid);
      const message = `This device was closed for sending too many messages; it may connect again in ${Math.ceil(coolingFor / 1000)} s.`;
      return { ok: false, message, closeCode: CloseCode.TooManyMessages, stopReading: true };
    }
    const channel = this.#channelFor(device);
    const previous = channel.device;
    if (previous && previous !== session) {
      channel.device = null;
      previous.close(CloseCode.Replaced, DEVICE_MESSAGES.replacedConnection);
    }
    channel.device = session;
    this.#authenticated(session);
    channel.resetDedup();
    channel.broadcastStatus();
    this.#o.logger.info({ device: devicePrefix(device.uuid), address: session.address, replaced: previous !== null }, 'device streaming');
    return { ok: true, uuid: device.uuid, channel };
  }

  #refuse(session: DeviceSession, reason: Exclude<DeviceAuthFailure, 'timeout' | 'protocol' | 'cooling-down'>, uuid: string | null, closeCode: number): { ok: false; message: string; closeCode: number } {
    this.#authFailure(session, reason, uuid);
    return { ok: false, message: DEVICE_MESSAGES[reason], closeCode };
  }

  #authFailure(session: DeviceSession, reason: DeviceAuthFailure, uuid: string | null): void {
    this.#o.metrics.authFailures.inc({ reason });
    const prefix = uuid ? devicePrefix(uuid) : null;
    logDeviceAuthRefused(this.#o.logger, { device: prefix, address: session.address, reason, route: 'android-ws' });
    if (this.#o.auditLimiter.take(session.address).ok) {
      this.#o.audit.record('auth_failure', prefix, session.address, reason);
    }
  }

  onAuthTimeout(session: DeviceSession): void {
    this.#authFailure(session, 'timeout', null);
  }

  onRejectedMessage(session: DeviceSession, err: ProtocolError): void {
    this.#o.metrics.framesRejected.inc();
    if (session.state === 'awaiting-auth') this.#authFailure(session, 'protocol', null);
    // Not logged per message: a misbehaving device could flood the log. The metric counts them.
    void err;
  }

  onSocketError(session: DeviceSession, err: Error & { code?: string }): void {
    this.#o.metrics.framesRejected.inc();
    // Once per socket (ws closes it), so this cannot flood the log.
    this.#o.logger.warn({ device: session.uuid ? devicePrefix(session.uuid) : null, address: session.address, code: err.code }, 'device socket refused a message');
  }

  onInternalError(session: DeviceSession, err: unknown): void {
    const prefix = session.uuid ? devicePrefix(session.uuid) : null;
    this.#o.logger.error({ device: prefix, err: err instanceof Error ? err.message : String(err) }, 'device message failed');
  }

  onCut(session: DeviceSession, reason: CutReason): void {
    this.#o.metrics.socketsCut.inc({ kind: 'device', reason });
    // Only the message budgets: 'not-reading' can be a stalled network, and the app must reconnect at once then.
    const coolDownMs = session.uuid !== null && (reason === 'message-rate' || reason === 'reject-rate') ? this.#o.deviceCoolDownMs : 0;
    if (coolDownMs > 0) this.#coolDowns.set(session.uuid!, Date.now() + coolDownMs);
    // Once per socket, and sockets are capped: this cannot flood the log.
    this.#o.logger.warn({ device: session.uuid ? devicePrefix(session.uuid) : null, address: session.address, reason, coolDownMs }, 'device socket cut off');
  }

  /** ms left of a device's cool-down, 0 when none. */
  #coolingDownFor(uuid: string, now = Date.now()): number {
    const until = this.#coolDowns.get(uuid);
    if (until === undefined) return 0;
    if (until > now) return until - now;
    this.#coolDowns.delete(uuid);
    return 0;
  }

  onClose(session: DeviceSession): void {
    this.#sessions.delete(session);
    this.#authenticated(session);
    const channel = session.channel;
    if (channel && channel.device === session) {
      channel.device = null;
      channel.broadcastStatus();
      this.#persistLastSeen(channel, true);
      this.#o.logger.info({ device: devicePrefix(channel.uuid) }, 'device stopped streaming');
    }
  }

  // ---- viewers -----------------------------------------------------------

  /** True when the host already has the maximum number of viewers. */
  isFull(uuid: string): boolean {
    return (this.#channels.get(uuid)?.viewers.size ?? 0) >= this.#o.maxViewersPerHost;
  }

  /** Takes a freshly upgraded, already authorised viewer socket: status event, then the latest frame at once. */
  addViewer(ws: RelaySocket, row: DeviceRow, identity: Identity, options: { patches?: boolean } = {}): Viewer {
    const channel = this.#channelFor(row);
    const viewer = new Viewer(ws, identity, channel, {
      patches: options.patches ?? false,
      maxBufferedBytes: this.#o.viewerMaxBufferedBytes,
      maxQueuedBytes: this.#o.viewerMaxQueuedBytes,
      messageRate: this.#o.viewerMessageRate,
      onCut: (v, reason) => {
        this.#o.metrics.socketsCut.inc({ kind: 'viewer', reason });
        this.#o.logger.warn({ device: devicePrefix(channel.uuid), user: v.identity.username, reason }, 'viewer socket cut off');
      },
      onClose: (v) => {
        this.#viewers.delete(v);
        channel.viewers.delete(v);
      },
    });
    this.#viewers.add(viewer);
    channel.viewers.add(viewer);
    this.#heartbeat.watch(ws);
    viewer.sendText(channel.statusEvent(), true);
    // Stats are broadcast only when they change, so a newcomer gets the current ones now.
    viewer.sendText(channel.statsEvent());
    // The latest frame at once; its age is not relay latency, so none is recorded.
    if (channel.latest && viewer.offer(channel.latest)) channel.onViewerSent(1, channel.latest.length, null);
    if (viewer.patches) channel.primePatches();
    return viewer;
  }

  // ---- admin actions -----------------------------------------------------

  onApproved(row: DeviceRow): void {
    const c = this.#channels.get(row.uuid);
    if (!c) return;
    c.status = row.status;
    c.broadcastStatus();
  }

  onRevoked(row: DeviceRow): void {
    const c = this.#channels.get(row.uuid);
    if (!c) return;
    c.status = row.status;
    const device = c.device;
    c.device = null;
    device?.close(CloseCode.Unauthorized, DEVICE_MESSAGES.revoked);
    c.broadcastStatus();
  }

  onDeleted(uuid: string): void {
    const c = this.#channels.get(uuid);
    if (!c) return;
    this.#channels.delete(uuid);
    const device = c.device;
    c.device = null;
    device?.close(CloseCode.Unauthorized, DEVICE_MESSAGES.deleted);
    const event: ViewerEvent = { type: 'error', code: 'HOST_ERR_NOT_FOUND', message: 'This device was removed.' };
    const text = JSON.stringify(event);
    for (const v of c.viewers) {
      v.sendText(text, true);
      v.ws.close(CloseCode.NotFound, 'host removed');
    }
  }

  // ---- views -------------------------------------------------------------

  hostView(row: DeviceRow): HostView {
    const c = this.#channels.get(row.uuid);
    const now = Date.now();
    return {
      uuid: row.uuid,
      name: row.name,
      status: row.status,
      owner: row.owner,
      streaming: c?.streaming ?? false,
      viewers: c?.viewers.size ?? 0,
      fps: c ? c.stats(now).fps : 0,
      lastFrameAt: c?.lastFrameAt ?? row.last_seen ?? null,
      bytesIn: c?.bytesIn ?? 0,
    };
  }

  /** The relay's own accounting per host (tests and debugging; no frame data). */
  relayStats(uuid: string): HostRelayStats | null {
    const c = this.#channels.get(uuid);
    if (!c) return null;
    return {
      uuid,
      streaming: c.streaming,
      framesIn: c.framesIn,
      framesDeduplicated: c.framesDeduplicated,
      framesOut: c.framesOut,
      framesSkipped: c.framesSkipped,
      viewers: [...c.viewers].map((v) => v.snapshot()),
    };
  }

  // ---- timers and shutdown -----------------------------------------------

  readonly #tick = (): void => {
    const now = Date.now();
    // Bounded by the number of devices anyway; expired entries go here rather than wait for a reconnect.
    for (const uuid of this.#coolDowns.keys()) this.#coolingDownFor(uuid, now);
    for (const c of this.#channels.values()) {
      const text = c.viewers.size > 0 ? c.statsEventIfChanged(now, STATS_REFRESH_TICKS * this.#o.statsIntervalMs) : null;
      if (text !== null) for (const v of c.viewers) v.sendText(text);
      this.#persistLastSeen(c, false);
    }
  };

  #persistLastSeen(c: Channel, force: boolean): void {
    const at = c.lastFrameAt;
    if (at === null || at <= c.persistedLastSeen) return;
    if (!force && at - c.persistedLastSeen < LAST_SEEN_PERSIST_MS) return;
    try {
      this.#o.devices.setLastSeen(c.uuid, at);
      c.persistedLastSeen = at;
    } catch (err) {
      this.#o.logger.error({ err: (err as Error).message }, 'could not persist last_seen');
    }
  }

  /** Closes every socket with 1001 and stops the timers. */
  close(): void {
    this.#heartbeat.stop();
    clearInterval(this.#statsTimer);
    for (const c of this.#channels.values()) this.#persistLastSeen(c, true);
    for (const s of this.#sessions) {
      s.state = 'closed';
      s.ws.close(CloseCode.GoingAway, 'server shutting down');
    }
    for (const v of this.#viewers) v.ws.close(CloseCode.GoingAway, 'server shutting down');
  }

  /** Sockets still open (for a bounded wait at shutdown). */
  openSockets(): RelaySocket[] {
    return [...[...this.#sessions].map((s) => s.ws), ...[...this.#viewers].map((v) => v.ws)];
  }
}
