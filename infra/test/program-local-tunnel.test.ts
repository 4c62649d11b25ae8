/**
 * The locally-managed tunnel option: the model's rules are merged into the gateway's config.yml
 * over SSH (test/local-tunnel.test.ts runs that on a real file); no Cloudflare tunnel
 * configuration resource.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadExampleGateway, renderTunnelIngress } from '@booxstream/gateway';
import { ownedRules } from '../src/cloudflare/owned-rules.js';
import { sha256 } from '../src/digest.js';
import { configYmlRules } from '../src/tunnel/config-yml.js';
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

it('edits config.yml on the gateway per hostname, over SSH with the host key pinned, with cloudflared validation and a health check', () => {
  const r = run.get('pulumi-nodejs:dynamic/cloudflared:LocalTunnelIngressRules', 'cloudflared-config');
  expect(r.inputs['path']).toBe('/opt/cloudflare/config.yml');
  expect(r.inputs['host']).toEqual({ address: '192.168.1.200', port: 22, user: expect.any(String), hostKey: expect.stringMatching(/^ssh-ed25519 /) });
  const rules = r.inputs['rules'] as Record<string, { service: string }>;
  expect(Object.keys(rules).sort()).toEqual(['affine.kevinvdb.dev', 'auth.kevinvdb.dev', 'bookstack.kevinvdb.dev', 'booxstream.kevinvdb.dev', 'homepage.kevinvdb.dev']);
  const commands = r.inputs['commands'] as { validate: string; restart: string; health: string };
  expect(commands.restart).toBe('docker restart cloudflared');
  expect(commands.validate).toContain('cloudflared tunnel --config /tmp/booxstream-candidate.yml ingress validate');
  expect(commands.health).toContain('Registered tunnel connection');
  // The SSH key is never an input: the provider reads it from the stack config.
  expect(JSON.stringify(r.inputs)).not.toContain('PRIVATE KEY');
  expect(run.resources.some((x) => x.name === 'cloudflared-restart')).toBe(false);
});

it('declares no remote tunnel configuration and asks Cloudflare nothing about the tunnel', () => {
  expect(run.resources.some((r) => r.type === 'pulumi-nodejs:dynamic/cloudflare:TunnelIngressRules')).toBe(false);
  expect(run.invokes).toEqual([]);
  expect((run.outputs['renderedFileHashes'] as Record<string, string>)['cloudflared/config.yml']).toBe(sha256(JSON.stringify(ownedRules(configYmlRules(rendered.configYml)))));
  // DNS is still declared per app.
  expect(run.resources.filter((r) => r.type === 'pulumi-nodejs:dynamic/cloudflare:DnsRecord').map((r) => r.name)).toEqual(['booxstream-cname', 'affine-cname', 'bookstack-cname']);
});
