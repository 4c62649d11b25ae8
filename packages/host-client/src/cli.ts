/**
 * `demo-device`: a pretend Boox tablet for the quick start and for trying a server.
 * The only module here that reads argv, prints, and handles signals.
 */
import { randomUUID } from 'node:crypto';
import { parseCliArgs, USAGE, type CliOptions } from './cli-args.js';
import { startDevice, type DeviceEvent, type DeviceHandle, type DeviceStats } from './device.js';
import { HostClientError, InvalidOptionError } from './errors.js';
import { createFolderSource, createImageSource } from './sources/folder.js';
import type { FrameSource } from './sources/frame-source.js';
import { createSyntheticEinkSource } from './sources/synthetic-eink.js';

const log = (line: string): void => console.log(`[demo-device] ${line}`);

async function openSource(o: CliOptions): Promise<FrameSource> {
  switch (o.source.kind) {
    case 'synthetic':
      return createSyntheticEinkSource({ changeEveryMs: o.changeEveryMs, seed: o.seed, label: `BOOXSTREAM ${o.name}` });
    case 'folder':
      return createFolderSource(o.source.path, { intervalMs: o.changeEveryMs });
    case 'image':
      return createImageSource(o.source.path);
  }
}

function describe(e: DeviceEvent): string {
  switch (e.type) {
    case 'registered':
      return `registered as ${JSON.stringify(e.host.name)} (token received)`;
    case 'open':
      return `connected to ${e.url}, sending auth`;
    case 'authenticated':
      return `authenticated; server offers ${e.protocols.length ? e.protocols.join(', ') : 'no protocol list'}; streaming ${e.encoding}`;
    case 'error':
      return e.source === 'server' ? `server says: ${e.message}` : `${e.source} error: ${e.message}`;
    case 'close':
      return `socket closed (${e.code}${e.reason ? ` ${e.reason}` : ''})${e.willReconnect ? ', reconnecting' : ''}`;
  }
}

function statsLine(s: DeviceStats, prev: DeviceStats, seconds: number): string {
  const fps = (s.framesSent - prev.framesSent) / seconds;
  const kbps = (s.bytesSent - prev.bytesSent) / 1024 / seconds;
  return `${s.encoding ?? 'not streaming'}: ${s.framesSent} frames (${fps.toFixed(1)}/s, ${kbps.toFixed(0)} KB/s), ${s.unchangedSent} unchanged, ${(s.bytesSent / 1048576).toFixed(1)} MB, skipped ${s.skippedBackpressure} backpressure / ${s.skippedBusy} busy`;
}

async function main(argv: readonly string[]): Promise<number> {
  let o: CliOptions;
  try {
    o = parseCliArgs(argv);
  } catch (err) {
    if (err instanceof InvalidOptionError) {
      console.error(`demo-device: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (o.help) {
    console.log(USAGE);
    return 0;
  }
  let uuid = o.uuid;
  if (uuid === undefined) {
    uuid = randomUUID();
    // The uuid is the device's identity; print it once so the user can reuse this device.
    log(`new device uuid ${uuid} (pass --uuid ${uuid} to reuse it)`);
  } else {
    log(`device uuid ${uuid.slice(0, 8)}…`);
  }

  const source = await openSource(o);
  let device: DeviceHandle;
  try {
    device = await startDevice({
      apiUrl: o.url,
      uuid,
      name: o.name,
      source,
      fps: o.fps,
      encoding: o.encoding,
      ...(o.lanPort === undefined ? {} : { lanPort: o.lanPort }),
      ...(o.wsUrl === undefined ? {} : { wsUrl: o.wsUrl }),
      reconnect: o.reconnect,
      onEvent: (e) => log(describe(e)),
    });
  } catch (err) {
    source.close?.();
    if (err instanceof HostClientError) {
      log(`registration failed: ${err.message}`);
      return 1;
    }
    throw err;
  }

  let prev = device.stats;
  let prevAt = Date.now();
  const statsTimer = o.statsEveryS > 0
    ? setInterval(() => {
        const now = Date.now();
        const s = device.stats;
        log(statsLine(s, prev, (now - prevAt) / 1000));
        prev = s;
        prevAt = now;
      }, o.statsEveryS * 1000)
    : undefined;
  const durationTimer = o.durationS === undefined ? undefined : setTimeout(() => void device.stop(), o.durationS * 1000);

  let interrupted = 0;
  const onSignal = (): void => {
    interrupted++;
    if (interrupted > 1) process.exit(130); // a second Ctrl-C: do not wait for the close handshake
    log('stopping');
    void device.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const closed = await device.closed;
  clearInterval(statsTimer);
  clearTimeout(durationTimer);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  source.close?.();
  const s = device.stats;
  log(`stopped (${closed.code}${closed.reason ? ` ${closed.reason}` : ''}); sent ${s.framesSent} frames, ${s.unchangedSent} unchanged, ${(s.bytesSent / 1048576).toFixed(1)} MB`);
  // Stopped by the user or --duration: success. Closed by the server for good: failure.
  return interrupted > 0 || o.durationS !== undefined ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`demo-device: ${(err as Error)?.stack ?? String(err)}`);
    process.exitCode = 1;
  },
);
