import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { exampleStack, mapSource, projectFiles } from '../test/example-stack.js';
import { loadStackConfig } from './config.js';
import { envList, healthcheckCommand, serverContainerSpec, serverEnvironment } from './server-container.js';

const run = promisify(execFile);
let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function listen(status: number): Promise<number> {
  server = createServer((req, res) => res.writeHead(req.url === '/healthz' ? status : 404).end('{}'));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

async function exitCode(args: string[]): Promise<number> {
  // tests = ['CMD', 'node', '-e', script]: run exactly that, with this Node.
  const [, , flag, script] = args;
  try {
    await run(process.execPath, [flag as string, script as string], { timeout: 10_000 });
    return 0;
  } catch (error) {
    return (error as { code?: number }).code ?? -1;
  }
}

describe('server container', () => {
  const { config, secretKeys } = exampleStack();
  const cfg = loadStackConfig(mapSource(config, secretKeys), projectFiles());

  it('derives the environment from the stack: ports, gateway as the only trusted proxy', () => {
    expect(serverEnvironment(cfg)).toEqual({
      NODE_ENV: 'production',
      HOST: '0.0.0.0',
      PORT: '3001',
      DEVICE_PORT: '8080',
      DATA_DIR: '/data',
      WEB_ROOT: '/app/web',
      TRUSTED_PROXIES: '192.168.1.200/32',
      ADMIN_GROUPS: 'admins',
      DEVICE_APPROVAL: 'manual',
      LOG_LEVEL: 'info',
    });
    expect(envList({ B: '2', A: '1' })).toEqual(['A=1', 'B=2']);
  });

  it('publishes no device port when it is off', () => {
    const off = { ...cfg, vm: { ...cfg.vm, devicePort: 0 } };
    expect(serverContainerSpec(off).ports).toEqual([{ internal: 3001, external: 3001, ip: '192.168.1.202', protocol: 'tcp' }]);
    expect(serverEnvironment(off).DEVICE_PORT).toBe('0');
  });

  it('the health check (Node fetch, no curl) passes on 200 and fails on 500 or nothing listening', async () => {
    const healthy = await listen(200);
    expect(await exitCode(healthcheckCommand(healthy))).toBe(0);
    await new Promise<void>((r) => server!.close(() => r()));
    expect(await exitCode(healthcheckCommand(healthy))).toBe(1);
    const failing = await listen(500);
    expect(await exitCode(healthcheckCommand(failing))).toBe(1);
  });
});
