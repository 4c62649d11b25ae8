/**
 * The rendered CrowdSec layer run by Debian's CrowdSec, offline on loopback: Traefik access-log
 * lines and relay log lines go in as they would in production (a file Traefik appends to, the
 * relay's syslog datagrams), and the local API answers a bouncer's question with the bans the
 * scenarios and the escalating profile produce.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkIds, type IdsLayer } from '../../src/model/ids.js';
import { renderCrowdsec } from '../../src/render/crowdsec.js';
import { createOfflineCrowdsec, freeTcpPort, freeUdpPort, goDurationSeconds, type OfflineCrowdsec } from './crowdsec-offline.js';

const CLOUDFLARED = '172.18.0.5';
const HOST = 'booxstream.kevinvdb.dev';
// Documentation ranges (RFC 5737): public-looking, so the stock private-range whitelist does not hide them.
const VISITOR = '203.0.113.50';
const ATTACKER = '198.51.100.23';
const SPOOFER = '192.0.2.99';

let cs: OfflineCrowdsec;
let accessLog: string;
let logDir: string;
let syslogPort: number;

function ids(accessLogPath: string): IdsLayer {
  const issues: { path: string; message: string }[] = [];
  const layer = checkIds({ cloudflaredAddresses: ['172.18.0.0/16'], accessLogPath }, 'ids', issues);
  if (!layer) throw new Error(JSON.stringify(issues));
  return layer;
}

/** One line as Traefik's JSON access log writes it (field names from Traefik's access-log docs). */
function traefikLine(peer: string, cfIp: string | null, path: string, status: number, userAgent = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0'): string {
  const entry: Record<string, unknown> = {
    ClientAddr: `${peer}:41234`,
    ClientHost: peer,
    ClientPort: '41234',
    DownstreamContentSize: 120,
    DownstreamStatus: status,
    Duration: 1_234_567,
    RequestHost: HOST,
    RequestMethod: 'GET',
    RequestPath: path,
    RequestProtocol: 'HTTP/1.1',
    RouterName: 'booxstream@file',
    entryPointName: 'web',
    level: 'info',
    msg: '',
    'request_User-Agent': userAgent,
    time: new Date().toISOString(),
  };
  if (cfIp !== null) entry['request_Cf-Connecting-Ip'] = cfIp;
  return JSON.stringify(entry) + '\n';
}

/** One relay log line (pino) wrapped as Docker's syslog driver sends it (RFC 5424, tag = app name). */
function relayDatagram(fields: Record<string, unknown>, msg: string): Buffer {
  const line = JSON.stringify({ level: 40, time: Date.now(), svc: 'booxstream-server', ...fields, msg });
  return Buffer.from(`<132>1 ${new Date().toISOString()} booxstream-vm booxstream 4242 booxstream - ${line}`);
}

async function sendRelay(lines: Buffer[]): Promise<void> {
  const socket = createSocket('udp4');
  for (const l of lines) await new Promise<void>((resolve, reject) => socket.send(l, syslogPort, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
  socket.close();
}

async function banFor(ip: string, count: number, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const d = await cs.decisions(ip);
    if (d.length >= count || Date.now() > deadline) return d;
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  syslogPort = await freeUdpPort();
  const lapiPort = await freeTcpPort();
  logDir = mkdtempSync(join(tmpdir(), 'bx-traefik-log-'));
  accessLog = join(logDir, 'access.log');
  writeFileSync(accessLog, '');
  cs = await createOfflineCrowdsec(renderCrowdsec(ids(accessLog), { relaySyslog: { address: '127.0.0.1', port: syslogPort } }), lapiPort);
}, 30_000);
afterAll(async () => {
  await cs?.stop();
  if (logDir) rmSync(logDir, { recursive: true, force: true });
});

describe('CrowdSec offline with the rendered configuration', () => {
  it('crowdsec -t accepts it', async () => {
    await expect(cs.check()).resolves.toBeDefined();
  }, 30_000);

  it('crowdsec -t refuses a parser whose expression does not compile (the check can fail)', async () => {
    const rendered = renderCrowdsec(ids(accessLog));
    const broken = {
      ...rendered,
      files: rendered.files.map((f) => (f.path.endsWith('booxstream-relay-json.yaml') ? { ...f, text: f.text.replace("JsonExtract(evt.Parsed.message, 'svc')", "JsonExtract(evt.Parsed.message 'svc')") } : f)),
    };
    expect(broken.files).not.toEqual(rendered.files);
    const other = await createOfflineCrowdsec(broken, await freeTcpPort());
    try {
      await expect(other.check()).rejects.toThrow(/booxstream\/relay-json|relay-json|compil|unexpected/i);
    } finally {
      await other.stop();
    }
  }, 30_000);

  it('starts without the central API and answers a bouncer', async () => {
    await cs.start();
    expect(await cs.decisions(VISITOR)).toEqual([]);
  }, 30_000);

  it('a healthy visitor is never banned: pages, assets, a few 404s, a tablet waiting for approval', async () => {
    const pages = ['/', '/app.js', '/app.css', '/api/me', '/api/hosts', '/favicon.ico', '/missing-once', '/'];
    appendFileSync(accessLog, Array.from({ length: 5 }, () => pages.map((p) => traefikLine(CLOUDFLARED, VISITOR, p, p.startsWith('/missing') || p === '/favicon.ico' ? 404 : 200))).flat().join(''));
    // A tablet whose owner has not approved it yet reconnects and is told "pending", again and again.
    await sendRelay(Array.from({ length: 12 }, () => relayDatagram({ device: 'a1b2c3d4', address: VISITOR, reason: 'pending' }, 'device auth refused')));
    await new Promise((r) => setTimeout(r, 2500));
    expect(await cs.decisions(VISITOR)).toEqual([]);
    // Every one of those requests came through cloudflared: it must never be the one banned.
    expect(await cs.decisions(CLOUDFLARED)).toEqual([]);
  }, 15_000);

  it('first offence, device-token failures in the relay log: a 5 minute ban for that address', async () => {
    await sendRelay(Array.from({ length: 5 }, () => relayDatagram({ device: null, address: ATTACKER, reason: 'unknown' }, 'device auth refused')));
    const [ban] = await banFor(ATTACKER, 1);
    expect(ban).toMatchObject({ type: 'ban', value: ATTACKER, scenario: 'booxstream/relay-device-auth-bf' });
    expect(goDurationSeconds(ban!.duration)).toBeGreaterThan(4 * 60);
    expect(goDurationSeconds(ban!.duration)).toBeLessThanOrEqual(5 * 60);
  }, 15_000);

  it('second offence, a registration flood: a longer ban (20 minutes)', async () => {
    const devices = ['d0000001', 'd0000002', 'd0000003', 'd0000004', 'd0000005', 'd0000006'];
    await sendRelay(devices.map((device) => relayDatagram({ device, address: ATTACKER, status: 'pending', created: true }, 'device registered')));
    const bans = await banFor(ATTACKER, 2);
    const flood = bans.find((b) => b.scenario === 'booxstream/relay-registration-flood');
    expect(flood).toBeDefined();
    expect(goDurationSeconds(flood!.duration)).toBeGreaterThan(19 * 60);
    expect(goDurationSeconds(flood!.duration)).toBeLessThanOrEqual(20 * 60);
  }, 15_000);

  it('third offence, probing through the tunnel (the address from Cf-Connecting-Ip): banned for the cap, 1 hour', async () => {
    const probes = ['/wp-login.php', '/.env', '/admin', '/phpmyadmin', '/.git/config', '/backup.zip', '/config.php', '/xmlrpc.php', '/server-status', '/old', '/test', '/cgi-bin/x'];
    appendFileSync(accessLog, probes.map((p) => traefikLine(CLOUDFLARED, ATTACKER, p, 404)).join(''));
    const bans = await banFor(ATTACKER, 3);
    const http = bans.filter((b) => b.scenario.startsWith('crowdsecurity/http-'));
    expect(http.length).toBeGreaterThan(0);
    expect(Math.max(...http.map((b) => goDurationSeconds(b.duration)))).toBeGreaterThan(59 * 60);
    expect(Math.max(...bans.map((b) => goDurationSeconds(b.duration)))).toBeLessThanOrEqual(60 * 60);
  }, 15_000);

  it('a Cf-Connecting-Ip sent by anyone but cloudflared is ignored: the sender is banned, not the visitor it names', async () => {
    const probes = ['/a.php', '/b.php', '/c.php', '/d.php', '/e.php', '/f.php', '/g.php', '/h.php', '/i.php', '/j.php', '/k.php', '/l.php'];
    appendFileSync(accessLog, probes.map((p) => traefikLine(SPOOFER, VISITOR, p, 404)).join(''));
    const [ban] = await banFor(SPOOFER, 1);
    expect(ban).toMatchObject({ type: 'ban', value: SPOOFER });
    expect(await cs.decisions(VISITOR)).toEqual([]);
  }, 15_000);
});
