/**
 * A signed-in viewer on the binary viewer WebSocket, as the web app uses it,
 * recording every frame it receives: id (from the JPEG's marker), latency from
 * the device's send on the same clock, size, and receipt time. Like the web app,
 * it acks on receipt with the protocol's ViewerAcker (cumulative, every few
 * frames: the server's flow control). It acks the floor's frames the same way,
 * with a running count for their missing seq: a browser sends its
 * acks whatever relay it talks to, and the same load means the floor's ws reads
 * (and ignores) them as the server's reads and uses them.
 */
import { performance } from 'node:perf_hooks';
import { ViewerAcker, decodeViewerFrameHeader } from '@booxstream/protocol';
import { WebSocket } from 'ws';
import { closeSocket } from './close-socket.js';
import type { Ledger } from '../ledger.js';
import { readMarker, sha1 } from '../payloads.js';
import { Sample } from '../percentiles.js';

export interface ViewerOptions {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** 0 for the floor's bare JPEGs; the server's frames carry a header whose length field is read. */
  readonly headerBytes: number;
  /** The ledger of the host this viewer watches; frames with another tag count as crossed. */
  readonly ledger: Ledger;
  /** Hash the JPEG of ids the ledger has a hash for. [checkHashes=false] */
  readonly checkHashes?: boolean;
  /** [timeoutMs=10000] */
  readonly timeoutMs?: number;
}

export interface WindowFigures {
  readonly frames: number;
  readonly bytes: number;
  readonly latencies: Float64Array;
}

export class ViewerDriver {
  readonly #ws: WebSocket;
  readonly #options: ViewerOptions;
  readonly #ids = new Sample(512);
  readonly #latencies = new Sample(512);
  readonly #sizes = new Sample(512);
  readonly #times = new Sample(512);
  frames = 0;
  bytes = 0;
  crossHost = 0;
  unmarked = 0;
  hashChecked = 0;
  hashMismatches = 0;
  /** Sum of gaps in the server's `seq` (frames the server skipped for this viewer). */
  seqSkipped = 0;
  #lastSeq = -1;
  readonly #acker = new ViewerAcker();
  newestId = -1;
  lastStats: Record<string, unknown> | null = null;
  closeCode: number | null = null;
  /** Called on each marked frame of this viewer's host (stall mode watches the resume). */
  onFrame: ((id: number, at: number) => void) | null = null;

  private constructor(ws: WebSocket, options: ViewerOptions) {
    this.#ws = ws;
    this.#options = options;
  }

  static async connect(options: ViewerOptions): Promise<ViewerDriver> {
    // Browsers always offer permessage-deflate; so does ws's client by default.
    const ws = new WebSocket(options.url, { headers: { ...options.headers } });
    const viewer = new ViewerDriver(ws, options);
    ws.on('message', (data: Buffer, isBinary: boolean) => viewer.#onMessage(data, isBinary));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`viewer did not connect within ${options.timeoutMs ?? 10_000} ms`));
      }, options.timeoutMs ?? 10_000);
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(err);
      };
      ws.once('error', fail);
      ws.once('unexpected-response', (_req, res) => fail(new Error(`viewer upgrade refused: HTTP ${res.statusCode}`)));
      ws.once('close', (code, reason) => fail(new Error(`viewer socket closed: ${code} ${reason.toString()}`)));
      ws.once('open', () => {
        clearTimeout(timer);
        ws.removeListener('error', fail);
        ws.removeAllListeners('close');
        ws.on('error', () => {});
        ws.on('close', (code) => {
          viewer.closeCode = code;
        });
        resolve();
      });
    });
    return viewer;
  }

  #ack(seq: number): void {
    const ack = this.#acker.onFrame(seq);
    if (ack !== null) this.#ws.send(ack);
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    const at = performance.now();
    if (!isBinary) {
      const event = JSON.parse(data.toString()) as Record<string, unknown>;
      if (event.type === 'stats') this.lastStats = event;
      return;
    }
    let offset = 0;
    if (this.#options.headerBytes > 0) {
      const header = decodeViewerFrameHeader(data);
      this.#ack(header.seq);
      offset = header.headerLength;
      if (this.#lastSeq >= 0 && header.seq > this.#lastSeq + 1) this.seqSkipped += header.seq - this.#lastSeq - 1;
      this.#lastSeq = header.seq;
    }
    if (this.#options.headerBytes === 0) this.#ack(this.frames + 1);
    this.frames++;
    this.bytes += data.length;
    const marker = readMarker(data, offset);
    if (!marker) {
      this.unmarked++;
      return;
    }
    const ledger = this.#options.ledger;
    if (marker.tag !== ledger.tag) {
      this.crossHost++;
      return;
    }
    const id = marker.id;
    this.#ids.push(id);
    this.#latencies.push(at - ledger.sendAt(id));
    this.#sizes.push(data.length);
    this.#times.push(at);
    if (id > this.newestId) this.newestId = id;
    if (this.#options.checkHashes) {
      const expected = ledger.hashes.get(id);
      if (expected !== undefined) {
        this.hashChecked++;
        if (sha1(data.subarray(offset)) !== expected) this.hashMismatches++;
      }
    }
    this.onFrame?.(id, at);
  }

  /** Frames of ids in [fromId, toId): count, bytes, latencies. */
  byIds(fromId: number, toId: number): WindowFigures {
    return this.#select((i, ids) => ids[i]! >= fromId && ids[i]! < toId);
  }

  /** Frames received in the time window [from, to) (performance.now() ms). */
  byTime(from: number, to: number): WindowFigures {
    const times = this.#times.values();
    return this.#select((i) => times[i]! >= from && times[i]! < to);
  }

  #select(keep: (i: number, ids: Float64Array) => boolean): WindowFigures {
    const ids = this.#ids.values();
    const lat = this.#latencies.values();
    const sizes = this.#sizes.values();
    const out = new Sample(ids.length);
    let bytes = 0;
    for (let i = 0; i < ids.length; i++) {
      if (!keep(i, ids)) continue;
      out.push(lat[i]!);
      bytes += sizes[i]!;
    }
    return { frames: out.length, bytes, latencies: out.values() };
  }

  /** Stops reading the socket: the kernel buffers fill and the relay sees a stalled viewer. */
  pause(): void {
    (this.#ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  resume(): void {
    (this.#ws as unknown as { _socket: { resume(): void } })._socket.resume();
  }

  close(): Promise<void> {
    return closeSocket(this.#ws);
  }

  terminate(): void {
    this.#ws.terminate();
  }
}
