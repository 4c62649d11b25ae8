/**
 * Test helpers: a real server on 127.0.0.1 with a fresh data directory, real
 * `ws` clients speaking the Android app's exact messages, real JPEGs (sharp).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { ViewerAcker, decodeViewerFrameHeader } from '@booxstream/protocol';
import WebSocket from 'ws';
import { afterEach } from 'vitest';
import { startServer, type RunningServer, type ServerConfig } from '../src/index.js';

export const ADMIN = { 'x-authentik-username': 'alice', 'x-authentik-groups': 'users|authentik Admins', 'x-authentik-email': 'alice@example.test' };
export const USER = { 'x-authentik-username': 'bob', 'x-authentik-groups': 'users' };
/** A second admin, to tell two viewers of one device apart in `relayStats`. */
export const ADMIN2 = { 'x-authentik-username': 'carol', 'x-authentik-groups': 'authentik Admins' };

export interface TestServer extends RunningServer {
  readonly dataDir: string;
  readonly logs: string[];
}

const dirs: string[] = [];

export function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'booxstream-server-test-'));
  dirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export async function start(overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
  const logs: string[] = [];
  const dataDir = overrides.dataDir ?? tempDataDir();
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    devicePort: null,
    dataDir,
    logLevel: 'info',
    logSink: (line) => logs.push(line),
    registerRatePerMinute: 10_000,
    registerBurst: 1000,
    ...overrides,
  });
  return { ...server, dataDir, logs };
}

/** A distinct, real JPEG of roughly `kb` KB (noise compresses badly, so size follows dimensions). */
export async function makeJpeg(seed: number, width = 64, height = 48): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < raw.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    raw[i] = x >>> 24;
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 60 }).toBuffer();
}

/** The Android app's frame message, byte for byte (see encodeLegacyFrame). */
export function appFrame(jpeg: Buffer, timestamp = Date.now()): string {
  return `{"type":"frame","data":"${jpeg.toString('base64')}","timestamp":${timestamp}}`;
}

export async function register(server: { url: string }, uuid: string = randomUUID(), name: string | null = 'Note Air', publicIp: string | null = '203.0.113.7') {
  const res = await fetch(`${server.url}/api/hosts/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ uuid, public_ip: publicIp, name }),
  });
  const body = (await res.json()) as { success: boolean; token: string; host: { uuid: string; public_ip: string | null; name: string | null } };
  return { status: res.status, uuid, token: body.token, body };
}

/** Registers and approves a device (as the admin "alice"). */
export async function approvedDevice(server: TestServer) {
  const r = await register(server);
  server.approveDevice(r.uuid, 'alice');
  return r;
}

/** A WebSocket client that records every message. */
export interface Client {
  readonly ws: WebSocket;
  readonly texts: unknown[];
  readonly binaries: Buffer[];
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Resolves once `pred` holds for the recorded messages (checked on every message). */
  until(pred: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): void;
}

/**
 * `ack`: ack binary frames as the web app does (ViewerAcker); viewers that do not ack get at most the ack window.
 * `protocols`: WebSocket subprotocols to offer.
 */
export function connect(url: string, headers: Record<string, string> = {}, options: { ack?: boolean; protocols?: string[] } = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options.protocols ?? [], { headers, perMessageDeflate: false });
    const acker = options.ack ? new ViewerAcker() : null;
    const texts: unknown[] = [];
    const binaries: Buffer[] = [];
    const waiters = new Set<() => void>();
    const notify = (): void => {
      for (const w of [...waiters]) w();
    };
    const closed = new Promise<{ code: number; reason: string }>((res) => {
      ws.on('close', (code, reason) => {
        res({ code, reason: reason.toString() });
        notify();
      });
    });
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        binaries.push(data);
        const ack = acker?.onFrame(decodeViewerFrameHeader(data).seq);
        if (ack) ws.send(ack);
      } else texts.push(JSON.parse(data.toString()));
      notify();
    });
    const client: Client = {
      ws,
      texts,
      binaries,
      closed,
      until(pred, what, timeoutMs = 10_000) {
        return new Promise((res, rej) => {
          if (pred()) return res();
          const timer = setTimeout(() => {
            waiters.delete(check);
            rej(new Error(`timed out waiting for ${what}`));
          }, timeoutMs);
          const check = (): void => {
            if (pred()) {
              clearTimeout(timer);
              waiters.delete(check);
              res();
            }
          };
          waiters.add(check);
        });
      },
      close() {
        ws.close();
      },
    };
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode} ${body}`), { status: res.statusCode, body })));
    });
    ws.once('error', reject);
  });
}

export function wsUrl(server: { url: string }, path: string): string {
  return server.url.replace(/^http/, 'ws') + path;
}

/** Connects a device on `/android-ws` and authenticates exactly as the app does. */
export async function streamingDevice(server: { url: string }, token: string, path = '/android-ws'): Promise<Client> {
  const c = await connect(wsUrl(server, path));
  c.ws.send(JSON.stringify({ type: 'auth', token }));
  await c.until(() => c.texts.length > 0, 'auth answer');
  return c;
}

/** A viewer that acks like the web app, unless `ack: false` (a client that never acks, or a test that acks by hand). */
export async function viewer(server: { url: string }, uuid: string, headers: Record<string, string> = ADMIN, options: { ack?: boolean } = {}): Promise<Client> {
  return connect(wsUrl(server, `/api/hosts/${uuid}/stream`), headers, { ack: options.ack ?? true });
}

/** A viewer API request as a script would send it: state-changing methods carry `Content-Type: application/json` (the same-origin rule's script case). */
export function api(server: { url: string }, path: string, init: RequestInit & { identity?: Record<string, string> } = {}) {
  const { identity, headers, ...rest } = init;
  const json: Record<string, string> = rest.method && !['GET', 'HEAD'].includes(rest.method) ? { 'content-type': 'application/json' } : {};
  return fetch(`${server.url}${path}`, { ...rest, headers: { ...json, ...(identity ?? {}), ...(headers as Record<string, string> | undefined) } });
}

/**
 * A distinct valid JPEG from a base one: a COM segment carrying `n` right
 * after SOI (decoders skip comments), so each variant's bytes differ.
 */
export function jpegVariant(base: Buffer, n: number): Buffer {
  const com = Buffer.from([0xff, 0xfe, 0x00, 0x06, 0, 0, 0, 0]);
  com.writeUInt32BE(n >>> 0, 4);
  return Buffer.concat([base.subarray(0, 2), com, base.subarray(2)]);
}

/** Polls `read` until `pred` holds (for server-side state with no event to wait on). */
export async function eventually<T>(read: () => T, pred: (v: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = read();
    if (pred(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function lastText(c: Client): Record<string, unknown> {
  return c.texts[c.texts.length - 1] as Record<string, unknown>;
}

/**
 * Servers for one test file: returns a starter whose servers (and their temp
 * data dirs) are closed after each test. `defaults` apply before each call's overrides.
 */
export function serversPerTest(defaults: Partial<ServerConfig> = {}): (overrides?: Partial<ServerConfig>) => Promise<TestServer> {
  let servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
    removeTempDirs();
  });
  return async (overrides = {}) => {
    const s = await start({ ...defaults, ...overrides });
    servers.push(s);
    return s;
  };
}

const ROOT = new URL('..', import.meta.url).pathname;
const TSX = join(ROOT, '../../node_modules/.bin/tsx');

/** Runs src/main.ts (the real process); with `during`, waits for it to listen, runs `during`, sends SIGTERM and collects close codes. */
export async function runMain(env: Record<string, string>, during: ((url: string) => Promise<{ closed: Promise<{ code: number }> }[]>) | null) {
  const child = spawn(TSX, ['src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: '0', HOST: '127.0.0.1', DEVICE_PORT: '0', DATA_DIR: tempDataDir(), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number>((r) => child.on('exit', (code) => r(code ?? -1)));
  let sockets: number[] = [];
  if (during) {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 20_000);
      child.stdout.on('data', () => {
        const m = /"port":(\d+)/.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    const clients = await during(`http://127.0.0.1:${port}`);
    child.kill('SIGTERM');
    sockets = (await Promise.all(clients.map((c) => c.closed))).map((c) => c.code);
  }
  const code = await exited;
  return { code, stdout, stderr, sockets };
}
