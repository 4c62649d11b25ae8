/**
 * Monitoring against real parts: Debian's Prometheus scrapes this server (a demo device
 * streaming to a viewer) and Debian's node exporter (serving the backup textfile), with the
 * configuration and rules `renderPrometheus` produces; then every panel query of every
 * generated dashboard must return at least one series.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dashboardQueries, renderDashboards, renderPrometheus } from '@booxstream/gateway';
import { createSyntheticEinkSource, registerDevice, startDevice } from '@booxstream/host-client';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTextfile } from '../src/ops/backup.js';
import { ADMIN, connect, start, viewer, wsUrl } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'booxstream-monitoring-'));
const children: ChildProcess[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
  rmSync(dir, { recursive: true, force: true });
});

/** A port free right now (the child binds it a moment later; collisions are unlikely on loopback). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

function run(cmd: string, args: string[]): ChildProcess {
  const c = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  c.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  c.once('exit', (code) => {
    if (code !== null && code !== 0) console.error(`${cmd} exited ${code}: ${err}`);
  });
  children.push(c);
  return c;
}

async function query(prom: string, expr: string): Promise<unknown[]> {
  const res = await fetch(`${prom}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return body.data!.result;
}

describe('Prometheus and the dashboards against the real server', () => {
  it('scrapes the server and the node exporter, loads the rules, and every panel query returns a series', { timeout: 90_000 }, async () => {
    const server = await start({ statsIntervalMs: 200 });
    cleanups.push(() => server.close());
    // A demo device streaming at 10 fps, a viewer, and one refused device (auth failure metric).
    const uuid = randomUUID();
    const { token } = await registerDevice(server.url, { uuid, name: 'Monitoring demo' });
    server.approveDevice(uuid, 'alice');
    const device = await startDevice({ apiUrl: server.url, uuid, token, wsUrl: wsUrl(server, '/android-ws'), source: createSyntheticEinkSource({ label: 'monitoring' }), fps: 10 });
    cleanups.unshift(() => device.stop());
    const v = await viewer(server, uuid, ADMIN);
    cleanups.unshift(async () => v.close());
    const intruder = await connect(wsUrl(server, '/android-ws'));
    intruder.ws.send(JSON.stringify({ type: 'auth', token: 'not-a-token' }));
    await intruder.closed;

    const textfileDir = join(dir, 'textfile');
    writeTextfile(textfileDir, Date.now(), { snapshotId: 'x', snapshots: 3, durationSeconds: 1.5 });
    const nodePort = await freePort();
    run('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${nodePort}`, `--collector.textfile.directory=${textfileDir}`]);

    const serverAddress = server.url.replace(/^http:\/\//, '');
    const rendered = renderPrometheus({
      server: { address: serverAddress },
      nodeExporter: { address: `127.0.0.1:${nodePort}` },
      scrapeInterval: '1s',
      rulesPath: join(dir, 'rules.yml'),
    });
    writeFileSync(join(dir, 'rules.yml'), rendered.rulesYaml);
    writeFileSync(join(dir, 'prometheus.yml'), rendered.configYaml);
    const promPort = await freePort();
    const prom = `http://127.0.0.1:${promPort}`;
    // The rendered flags, with this test's paths and port.
    const args = rendered.args.map((a) =>
      a.startsWith('--config.file=') ? `--config.file=${join(dir, 'prometheus.yml')}`
      : a.startsWith('--storage.tsdb.path=') ? `--storage.tsdb.path=${join(dir, 'tsdb')}`
      : a.startsWith('--web.listen-address=') ? `--web.listen-address=127.0.0.1:${promPort}`
      : a);
    expect(args).toContain('--storage.tsdb.retention.time=15d');
    run('prometheus', args);

    const queries = renderDashboards().flatMap((d) => dashboardQueries(d).map((q) => ({ ...q, dashboard: d.title })));
    expect(queries.length).toBeGreaterThan(15);
    // Grafana sizes $__rate_interval from the scrape interval; 10s spans many 1s scrapes.
    const concrete = (expr: string): string => expr.replaceAll('$__rate_interval', '10s');

    const deadline = Date.now() + 60_000;
    let empty: string[] = [];
    for (;;) {
      empty = [];
      try {
        for (const q of queries) if ((await query(prom, concrete(q.expr))).length === 0) empty.push(`${q.dashboard} / ${q.panel}: ${q.expr}`);
      } catch (e) {
        empty.push(`Prometheus not answering yet: ${(e as Error).message}`);
      }
      if (empty.length === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(empty).toEqual([]);

    // Both targets are up, and Prometheus loaded every rendered rule.
    const up = (await query(prom, 'up')) as { metric: { job: string }; value: [number, string] }[];
    expect(up.filter((s) => s.metric.job !== 'prometheus').map((s) => [s.metric.job, s.value[1]]).sort()).toEqual([['booxstream', '1'], ['node', '1']]);
    const rules = (await (await fetch(`${prom}/api/v1/rules`)).json()) as { data: { groups: { rules: unknown[] }[] } };
    expect(rules.data.groups.flatMap((g) => g.rules)).toHaveLength(rendered.rules.length);
    // The healthy system fires nothing but the alerts about what this test does not run.
    const firing = (await query(prom, 'ALERTS{alertstate="firing"}')) as { metric: { alertname: string } }[];
    expect(firing.map((a) => a.metric.alertname)).toEqual([]);
  });
});
