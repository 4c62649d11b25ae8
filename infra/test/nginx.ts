/**
 * A real nginx (Debian's, with auth_request) on 127.0.0.1 for the verify tests: one process
 * (`master_process off; daemon off;`), everything it writes (pid, error log, temp dirs) in a
 * fresh temp directory, a free port picked by the OS. `stop()` kills that one process by pid.
 *
 * CI needs the `nginx` Debian package (scripts/ensure-test-deps.mjs installs it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NGINX_BIN = '/usr/sbin/nginx';

export interface RunningNginx {
  readonly port: number;
  readonly dir: string;
  errorLog(): string;
  stop(): Promise<void>;
}

/** A port nobody listens on right now (the OS picks it; nginx binds it right after). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts nginx with `http { <httpBlock> }`, where `LISTEN` in the block is replaced by the
 * chosen `127.0.0.1:<port>`.
 * @throws when nginx is missing, rejects the config, or does not listen within 5 s.
 */
export async function startNginx(httpBlock: string): Promise<RunningNginx> {
  if (!existsSync(NGINX_BIN)) throw new Error(`${NGINX_BIN} not found: install Debian's nginx (apt-get install -y --no-install-recommends nginx)`);
  const dir = mkdtempSync(join(tmpdir(), 'infra-nginx-'));
  // A port taken between freePort() and nginx's bind shows as a start failure: retry a few times.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const conf = join(dir, 'nginx.conf');
    writeFileSync(
      conf,
      [
        'master_process off;',
        'daemon off;',
        `pid ${join(dir, 'nginx.pid')};`,
        `error_log ${join(dir, 'error.log')} warn;`,
        'events { worker_connections 64; }',
        'http {',
        '  access_log off;',
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(dir, t)};`),
        httpBlock.replaceAll('LISTEN', `127.0.0.1:${port}`),
        '}',
        '',
      ].join('\n'),
    );
    const child = spawn(NGINX_BIN, ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (await listening(port, exited)) {
      return {
        port,
        dir,
        errorLog: () => (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''),
        stop: () => stop(child, exited, dir),
      };
    }
    await stop(child, exited, null);
    if (!/Address already in use/.test(stderr + readLog(dir))) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`nginx did not start: ${stderr}${readLog(dir)}`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error('nginx could not bind a free port in 3 attempts');
}

function readLog(dir: string): string {
  const p = join(dir, 'error.log');
  return existsSync(p) ? readFileSync(p, 'utf8') : '';
}

async function listening(port: number, exited: Promise<number | null>): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  for (let i = 0; i < 50 && !gone; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function stop(child: ChildProcess, exited: Promise<number | null>, dir: string | null): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}
