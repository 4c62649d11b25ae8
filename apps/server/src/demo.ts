/**
 * `pnpm start`: the server on embedded defaults plus one demo tablet, approved and
 * streaming, so a newcomer sees a live screen without a Boox or a gateway.
 *
 * Demo mode is an entry point, not a server setting: it only chooses defaults that the
 * environment can still override, and everything it relies on is the normal server.
 *  - `DEV_USER=demo` (an admin) gives the browser an identity without forward-auth
 *    headers; the server refuses DEV_USER unless it listens on loopback.
 *  - The demo device registers like the Android app, is approved by `demo` through the
 *    same code path as an admin's approve button, then streams legacy base64 frames.
 *  - Its uuid is kept in the data dir, so a restart finds the same device.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createSyntheticEinkSource, registerDevice, startDevice } from '@booxstream/host-client';
import { parseConfig } from './config.js';
import { configOrExit, runEntry, shutdownOnSignals } from './process-lifecycle.js';
import { startServer } from './server.js';

const DEMO_USER = 'demo';
const DEMO_DEVICE_NAME = 'Demo Boox (synthetic)';

/** pnpm runs package scripts in the package directory; INIT_CWD is where the user typed the command. */
const invokedFrom = process.env.INIT_CWD ?? process.cwd();

function demoDeviceUuid(dataDir: string): string {
  const file = join(dataDir, 'demo-device.json');
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { uuid?: unknown };
    if (typeof saved.uuid === 'string') return saved.uuid;
  }
  const uuid = randomUUID();
  mkdirSync(dataDir, { recursive: true });
  // The uuid is the device's secret: readable by the owner of the data dir only.
  writeFileSync(file, JSON.stringify({ uuid }) + '\n', { mode: 0o600 });
  return uuid;
}

const NAME = 'booxstream-demo';

runEntry(NAME, async () => {
  const config = configOrExit(NAME, () =>
    parseConfig({
      HOST: '127.0.0.1',
      DEV_USER: DEMO_USER,
      DATA_DIR: resolve(invokedFrom, 'data/demo'),
      // The demo device uses /android-ws on the HTTP port; no LAN port to collide with.
      DEVICE_PORT: '0',
      ...process.env,
    }),
  );

  const server = await startServer(config);
  const uuid = demoDeviceUuid(config.dataDir);
  const { token } = await registerDevice(server.url, { uuid, name: DEMO_DEVICE_NAME });
  // A device that was approved before keeps its status and owner on re-registration.
  server.approveDevice(uuid, config.devUser ?? DEMO_USER);
  const device = await startDevice({
    apiUrl: server.url,
    uuid,
    token,
    // The app dials a dotted-IPv4 API URL's LAN port (8080); the demo has the HTTP port only.
    wsUrl: `${server.url.replace(/^http/, 'ws')}/android-ws`,
    name: DEMO_DEVICE_NAME,
    source: createSyntheticEinkSource({ label: 'BooxStream demo' }),
    fps: 10,
    reconnect: true,
  });

  process.stdout.write(
    `\nBooxStream demo is running.\n` +
      `  Open ${server.url}/ in a browser (signed in as "${config.devUser}", local demo identity).\n` +
      `  Demo device "${DEMO_DEVICE_NAME}" streams 10 frames/s; data in ${config.dataDir}\n` +
      `  Ctrl-C stops it.\n\n`,
  );

  shutdownOnSignals(NAME, async () => {
    void device.stop();
    await server.close();
  });
});
