/**
 * One end-to-end world per test: the fake Cloudflare and the fake authentik, the engine that
 * drives the real program against them, and an SSH material directory. `useEngineWorld`
 * closes it after each test and fails the test on any contract violation either fake saw.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, expect } from 'vitest';
import { loadCloudflareContract } from './cloudflare-contract.js';
import type { FakeAuthentik } from './fake-authentik.js';
import type { FakeCloudflare } from './fake-cloudflare.js';
import type { Engine } from './pulumi-engine.js';

export interface World {
  cf: FakeCloudflare;
  ak: FakeAuthentik;
  engine: Engine;
  sshDir: string;
}

/** A fresh SSH material directory for the docker providers, set in the environment. */
export function sshMaterialDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'infra-e2e-ssh-'));
  process.env['BOOXSTREAM_SSH_DIR'] = dir;
  return dir;
}

/** Registers the hooks; `set` records the world a test built. */
export function useEngineWorld(): { set(world: World): World } {
  let world: World | undefined;
  beforeAll(() => void loadCloudflareContract(), 60_000);
  afterEach(async () => {
    if (!world) return;
    const { cf, ak, sshDir } = world;
    const violations = [...cf.violations, ...ak.violations];
    await cf.close();
    await ak.close();
    rmSync(sshDir, { recursive: true, force: true });
    delete process.env['BOOXSTREAM_SSH_DIR'];
    world = undefined;
    // Every request the resources sent and every answer they got met the vendors' contracts.
    expect(violations).toEqual([]);
  });
  return { set: (w) => (world = w) };
}
