/**
 * The locally-managed tunnel option: the rendered config.yml goes to the gateway over SSH and
 * cloudflared is restarted when it changes; no Cloudflare tunnel configuration resource.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadExampleGateway, renderTunnelIngress } from '@booxstream/gateway';
import { sha256 } from '../src/digest.js';
import { exampleStack } from './example-stack.js';
import { plain, resolve, runProgram, type ProgramRun } from './pulumi-mocks.js';

let run: ProgramRun;
let sshDir: string;
const rendered = renderTunnelIngress(loadExampleGateway());

beforeAll(async () => {
  sshDir = mkdtempSync(join(tmpdir(), 'infra-ssh-'));
  process.env['BOOXSTREAM_SSH_DIR'] = sshDir;
  const { config, secretKeys } = exampleStack();
  const cloudflare = JSON.parse(config['booxstream:cloudflare']!) as Record<string, unknown>;
  config['booxstream:cloudflare'] = JSON.stringify({ ...cloudflare, tunnelMode: 'local' });
  run = await runProgram(config, secretKeys);
}, 60_000);

afterAll(() => {
  rmSync(sshDir, { recursive: true, force: true });
  delete process.env['BOOXSTREAM_SSH_DIR'];
});

it('copies the rendered config.yml to the gateway and keeps it on destroy', async () => {
  const copy = run.get('command:remote:CopyToRemote', 'cloudflared-config');
  expect(copy.inputs['remotePath']).toBe('/opt/cloudflare/config.yml');
  const asset = (await resolve(copy.props['source'])) as { text: Promise<string> };
  expect(await asset.text).toBe(rendered.configYml);
  const check = run.get('command:remote:Command', 'cloudflared-config-check');
  expect(check.inputs['create']).toBe("test -s '/opt/cloudflare/config.yml'");
  // Deleting config.yml would take every hostname of the tunnel down.
  expect(check.inputs['delete']).toBeUndefined();
});

it('restarts cloudflared after a change of config.yml, and only then', () => {
  const restart = run.get('command:remote:Command', 'cloudflared-restart');
  expect(restart.inputs['create']).toBe('docker restart cloudflared');
  expect(restart.inputs['triggers']).toEqual([sha256(rendered.configYml)]);
  expect((restart.opts.dependsOn as { __name?: string }[]).map((d) => d.__name)).toEqual(['cloudflared-config', 'cloudflared-config-check']);
  expect((plain(restart.inputs['connection']) as { host: string }).host).toBe('192.168.1.200');
});

it('declares no remote tunnel configuration and asks Cloudflare nothing about the tunnel', () => {
  expect(run.resources.some((r) => r.type.includes('TunnelIngressRules'))).toBe(false);
  expect(run.invokes).toEqual([]);
  expect((run.outputs['renderedFileHashes'] as Record<string, string>)['cloudflared/config.yml']).toBe(sha256(rendered.configYml));
  // DNS is still declared per app.
  expect(run.resources.filter((r) => r.type === 'pulumi-nodejs:dynamic/cloudflare:DnsRecord').map((r) => r.name)).toEqual(['booxstream-cname', 'affine-cname', 'bookstack-cname']);
});
