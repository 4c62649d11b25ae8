/**
 * The program as Pulumi starts it: plain `node --import tsx` (Pulumi.yaml nodeargs), not the
 * test runner's module loader. Same mocks, same example stack, same result.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const INFRA_DIR = fileURLToPath(new URL('..', import.meta.url));

it('loads the ESM TypeScript program and its workspace packages with tsx and declares the whole gateway', () => {
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'test/fixtures/load-program.ts'], { cwd: INFRA_DIR, encoding: 'utf8', timeout: 60_000 });
  expect(child.stderr).toBe('');
  expect(child.status).toBe(0);
  const { resources, outputs } = JSON.parse(child.stdout) as { resources: string[]; outputs: Record<string, unknown> };
  expect(resources).toHaveLength(119); // the stack resource, 27 for BooxStream and Affine, 8 routing BookStack, 20 deploying it, 31 for monitoring and backups (with BookStack's dump hook), 12 hardening the hosts, 20 for CrowdSec
  expect(resources).toContain('pulumi-nodejs:dynamic/authentik:ProxyProvider::booxstream-provider');
  expect(resources).toContain('docker:index/container:Container::booxstream-vm-container');
  expect(outputs['appUrls']).toEqual({ booxstream: 'https://booxstream.kevinvdb.dev/', affine: 'https://affine.kevinvdb.dev/', bookstack: 'https://bookstack.kevinvdb.dev/' });
  expect(outputs['authentikApplicationSlug']).toBe('booxstream');
}, 90_000);
