/**
 * The IPC protocol between the bench and a relay child process.
 *
 * parent -> child: {type:'call', id, method, args} | {type:'stop'}
 * child -> parent: {type:'ready', url} | {type:'result', id, value} | {type:'failed', id?, message}
 *
 * A child exits with code 0 after `stop`, SIGTERM, SIGINT or losing its
 * parent, closing the relay first, so `--cpu-prof` gets to write its profile.
 */

/** The relay's own counters for a host, where the relay keeps any (the floor keeps none). */
export interface RelayCounters {
  readonly framesIn: number;
  readonly framesDeduplicated: number;
  readonly framesOut: number;
  readonly framesSkipped: number;
}

export interface ChildRelay {
  readonly url: string;
  approve(uuid: string, owner: string): void;
  counters(uuid: string): RelayCounters | null;
  close(): Promise<void>;
}

/**
 * `cpuUsage` answers the child's own `process.cpuUsage()` (getrusage: the same
 * kernel counters as /proc/<pid>/stat's utime+stime, all threads, in µs instead
 * of 10 ms ticks). `memoryUsage` answers `process.memoryUsage()`: the soak
 * splits RSS growth into the V8 heap, Buffers (external) and the rest.
 */
export type ChildMethod = 'approve' | 'counters' | 'cpuUsage' | 'memoryUsage';

export type ParentMessage =
  | { readonly type: 'call'; readonly id: number; readonly method: ChildMethod; readonly args: readonly string[] }
  | { readonly type: 'stop' };

export type ChildMessage =
  | { readonly type: 'ready'; readonly url: string }
  | { readonly type: 'result'; readonly id: number; readonly value: unknown }
  | { readonly type: 'failed'; readonly id?: number; readonly message: string };

export async function serveChild(start: () => Promise<ChildRelay>): Promise<void> {
  const send = (msg: ChildMessage) => process.send?.(msg);
  let relay: ChildRelay;
  try {
    relay = await start();
  } catch (err) {
    send({ type: 'failed', message: (err as Error).stack ?? String(err) });
    process.exit(1);
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // A relay that hangs on close must not keep the bench waiting.
    setTimeout(() => process.exit(0), 4000).unref();
    try {
      await relay.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('message', (msg: ParentMessage) => {
    if (msg.type === 'stop') {
      void stop();
      return;
    }
    try {
      const [a = '', b = ''] = msg.args;
      const value =
        msg.method === 'approve' ? (relay.approve(a, b), null)
          : msg.method === 'cpuUsage' ? process.cpuUsage()
            : msg.method === 'memoryUsage' ? process.memoryUsage()
              : relay.counters(a);
      send({ type: 'result', id: msg.id, value });
    } catch (err) {
      send({ type: 'failed', id: msg.id, message: (err as Error).message });
    }
  });
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  send({ type: 'ready', url: relay.url });
}
