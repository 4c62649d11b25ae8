/**
 * A streaming device as the Android app drives it: one WebSocket, the JSON
 * `auth` message, then legacy JSON `frame` text messages.
 */
import { WebSocket } from 'ws';
import { closeSocket } from './close-socket.js';

export interface DeviceOptions {
  readonly url: string;
  readonly token: string;
  /** [timeoutMs=10000] time allowed for open + authenticated */
  readonly timeoutMs?: number;
}

export class DeviceDriver {
  readonly #ws: WebSocket;
  closeCode: number | null = null;
  closeReason = '';

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
    });
  }

  /** Opens the socket, authenticates and waits for the `authenticated` reply. */
  static async connect(options: DeviceOptions): Promise<DeviceDriver> {
    // OkHttp (the app's client) offers no permessage-deflate by default.
    const ws = new WebSocket(options.url, { perMessageDeflate: false });
    const driver = new DeviceDriver(ws);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`device did not authenticate within ${options.timeoutMs ?? 10_000} ms`));
      }, options.timeoutMs ?? 10_000);
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(err);
      };
      ws.once('error', fail);
      ws.once('unexpected-response', (_req, res) => fail(new Error(`device upgrade refused: HTTP ${res.statusCode}`)));
      ws.once('close', (code, reason) => fail(new Error(`device socket closed before auth: ${code} ${reason.toString()}`)));
      ws.once('open', () => ws.send(JSON.stringify({ type: 'auth', token: options.token })));
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        const msg = JSON.parse(data.toString()) as { type?: string; message?: string };
        if (msg.type === 'authenticated') {
          clearTimeout(timer);
          ws.removeListener('error', fail);
          ws.removeAllListeners('close');
          ws.on('close', (code, reason) => {
            driver.closeCode = code;
            driver.closeReason = reason.toString();
          });
          ws.on('error', () => {}); // the close code tells what happened
          resolve();
        } else if (msg.type === 'error') {
          fail(new Error(`device auth refused: ${msg.message}`));
        }
      });
    });
    return driver;
  }

  get open(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  /** Bytes handed to ws but not yet to the kernel. */
  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  /**
   * Sends a prepared legacy frame message as a text message. ws copies the
   * bytes while masking, so `message` may be re-stamped right after.
   */
  send(message: Buffer, onWritten?: (err?: Error) => void): void {
    this.#ws.send(message, { binary: false }, onWritten);
  }

  close(): Promise<void> {
    return closeSocket(this.#ws);
  }
}
