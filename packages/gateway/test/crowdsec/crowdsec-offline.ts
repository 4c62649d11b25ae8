/**
 * Debian's CrowdSec run offline on loopback for the tests: the rendered files in a temp config
 * directory, the stock hub items symlinked from the package's hub (nothing downloaded), no
 * central API, the local API on an ephemeral port, a bouncer key registered with cscli.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import type { RenderedCrowdsec } from '../../src/render/crowdsec.js';

const run = promisify(execFile);
const HUB = '/var/lib/crowdsec/hub';
const PACKAGE_DATA = '/var/lib/crowdsec/data';
// The grok pattern library the package installs.
const PACKAGE_PATTERNS = '/etc/crowdsec/patterns';

export interface OfflineCrowdsec {
  readonly dir: string;
  readonly configPath: string;
  /** `crowdsec -t`: throws with its output when the config is refused. */
  check(): Promise<string>;
  start(): Promise<void>;
  /** Active decisions for an address, as a bouncer sees them. */
  decisions(ip: string): Promise<{ type: string; value: string; duration: string; scenario: string }[]>;
  cscli(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

export async function createOfflineCrowdsec(rendered: RenderedCrowdsec, lapiPort: number): Promise<OfflineCrowdsec> {
  const dir = mkdtempSync(join(tmpdir(), 'bx-crowdsec-'));
  const etc = join(dir, 'etc');
  const data = join(dir, 'data');
  for (const sub of ['acquis.d', 'parsers/s00-raw', 'parsers/s01-parse', 'parsers/s02-enrich', 'scenarios', 'postoverflows', 'notifications']) mkdirSync(join(etc, sub), { recursive: true });
  mkdirSync(data);
  // The scenarios' data files (user-agent and path lists) ship with the package.
  for (const f of readdirSync(PACKAGE_DATA)) if (!f.startsWith('crowdsec.db')) symlinkSync(join(PACKAGE_DATA, f), join(data, f));
  for (const file of rendered.files) {
    mkdirSync(dirname(join(etc, file.path)), { recursive: true });
    writeFileSync(join(etc, file.path), file.text);
  }
  for (const item of rendered.hubItems.parsers) {
    const [stage, author, name] = item.split('/');
    symlinkSync(join(HUB, 'parsers', stage!, author!, `${name}.yaml`), join(etc, 'parsers', stage!, `${name}.yaml`));
  }
  for (const item of rendered.hubItems.scenarios) {
    const [author, name] = item.split('/');
    symlinkSync(join(HUB, 'scenarios', author!, `${name}.yaml`), join(etc, 'scenarios', `${name}.yaml`));
  }
  writeFileSync(join(etc, 'simulation.yaml'), 'simulation: off\n');
  symlinkSync(PACKAGE_PATTERNS, join(etc, 'patterns'));
  const config = {
    common: { daemonize: false, log_media: 'stdout', log_level: 'info' },
    config_paths: {
      config_dir: etc,
      data_dir: data,
      simulation_path: join(etc, 'simulation.yaml'),
      hub_dir: HUB,
      index_path: join(HUB, '.index.json'),
      notification_dir: join(etc, 'notifications'),
      plugin_dir: '/usr/lib/crowdsec/plugins/',
    },
    crowdsec_service: { acquisition_dir: join(etc, 'acquis.d'), parser_routines: 1 },
    cscli: { output: 'json' },
    db_config: { type: 'sqlite', db_path: join(data, 'crowdsec.db'), use_wal: false, log_level: 'warning' },
    api: {
      client: { insecure_skip_verify: false, credentials_path: join(etc, 'local_api_credentials.yaml') },
      // No online_client: the central API is never contacted.
      server: { log_level: 'warning', listen_uri: `127.0.0.1:${lapiPort}`, profiles_path: join(etc, 'profiles.yaml'), trusted_ips: ['127.0.0.1'] },
    },
    prometheus: { enabled: false },
  };
  const configPath = join(etc, 'config.yaml');
  writeFileSync(configPath, yaml.dump(config));
  const bouncerKey = randomBytes(24).toString('hex');
  let child: ChildProcess | undefined;
  let output = '';
  const cscli = async (...args: string[]) => (await run('cscli', ['-c', configPath, ...args], { timeout: 20_000 })).stdout;
  const lapi = `http://127.0.0.1:${lapiPort}`;
  // The agent's credentials and a bouncer's key, straight into the database (no API running yet).
  await cscli('machines', 'add', 'booxstream-test', '--auto', '--force', '-f', join(etc, 'local_api_credentials.yaml'));
  await cscli('bouncers', 'add', 'booxstream-test-bouncer', '-k', bouncerKey);

  return {
    dir,
    configPath,
    async check() {
      const { stdout, stderr } = await run('crowdsec', ['-c', configPath, '-t'], { timeout: 30_000 });
      return stdout + stderr;
    },
    cscli,
    async start() {
      child = spawn('crowdsec', ['-c', configPath, '-no-capi'], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      const deadline = Date.now() + 20_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`crowdsec exited (${child.exitCode}):\n${output}`);
        // Ready once the local API answers a bouncer and the acquisitions are running.
        const ok = await fetch(`${lapi}/v1/decisions?ip=127.0.0.2`, { headers: { 'X-Api-Key': bouncerKey } }).then((r) => r.ok, () => false);
        if (ok && /Starting processing data|crowdsec_service.*started|Starting .* acquisition/i.test(output)) return;
        if (Date.now() > deadline) throw new Error(`crowdsec did not become ready in 20 s:\n${output}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async decisions(ip) {
      const res = await fetch(`${lapi}/v1/decisions?ip=${encodeURIComponent(ip)}`, { headers: { 'X-Api-Key': bouncerKey } });
      if (!res.ok) throw new Error(`LAPI answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as OfflineCrowdsecDecision[] | null) ?? [];
    },
    async stop() {
      child?.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 200));
      child?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

type OfflineCrowdsecDecision = { type: string; value: string; duration: string; scenario: string };

/** "19m59.6s" / "4m0s" / "59.9s" / "1h0m" → seconds. */
export function goDurationSeconds(d: string): number {
  let total = 0;
  for (const [, n, unit] of d.matchAll(/([\d.]+)(h|m|s|ms)/g)) total += Number(n) * ({ h: 3600, m: 60, s: 1, ms: 0.001 } as Record<string, number>)[unit!]!;
  return total;
}
