/**
 * The other shapes of a deployed app, under mocks: an image built from a Dockerfile by the
 * VM's daemon instead of pulled, and no database (then no internal network, no database or
 * exporter, no database secrets).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXAMPLE_GATEWAY_PATH } from '@booxstream/gateway';
import yaml from 'js-yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runExample } from './example-run.js';
import { FAKE_IMAGE_DIGEST, type ProgramRun } from './pulumi-mocks.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
let run: ProgramRun;
let cleanup: () => void = () => undefined;

beforeAll(async () => {
  ({ run, cleanup } = await runExample({
    mutate: (config, dir) => {
      const gateway = yaml.load(readFileSync(EXAMPLE_GATEWAY_PATH, 'utf8'), { schema: yaml.JSON_SCHEMA }) as { apps: Record<string, any>[] };
      const bookstack = gateway.apps.find((a) => a['name'] === 'bookstack')!;
      bookstack['deploy']['container']['image'] = { build: { context: '..', dockerfile: 'apps/server/Dockerfile' } };
      delete bookstack['deploy']['database'];
      writeFileSync(join(dir, 'variant.gateway.yaml'), yaml.dump(gateway));
      config['booxstream:gatewayFile'] = join(dir, 'variant.gateway.yaml');
    },
  }));
}, 60_000);
afterAll(() => cleanup());

it("builds the app's image on the VM's daemon from its Dockerfile, never pushed nor built on preview, and runs it by id", () => {
  expect(run.get('docker:index/image:Image', 'bookstack-image').inputs).toMatchObject({
    imageName: 'bookstack:latest',
    skipPush: true,
    buildOnPreview: false,
    build: { context: resolve(REPO_ROOT), dockerfile: resolve(REPO_ROOT, 'apps/server/Dockerfile'), platform: 'linux/amd64' },
  });
  expect(run.get('docker:index/container:Container', 'bookstack-container').inputs['image']).toBe(FAKE_IMAGE_DIGEST);
  expect(run.resources.filter((r) => r.type === 'docker:index/remoteImage:RemoteImage' && r.name.startsWith('bookstack'))).toEqual([]);
});

it('without a database: only the backend network, only the app container, only its own secret', () => {
  const deployed = run.resources.filter((r) => r.name.startsWith('bookstack-') && /^(docker|random):/.test(r.type)).map((r) => `${r.type}::${r.name}`).sort();
  expect(deployed).toEqual(
    [
      'docker:index/container:Container::bookstack-container',
      'docker:index/image:Image::bookstack-image',
      'docker:index/network:Network::bookstack-backend-network',
      'docker:index/volume:Volume::bookstack-config-volume',
      'docker:index/volume:Volume::bookstack-secrets-volume',
      'random:index/randomBytes:RandomBytes::bookstack-app_key',
    ].sort(),
  );
  const c = run.get('docker:index/container:Container', 'bookstack-container');
  expect((c.inputs['networksAdvanced'] as { name: string }[]).map((n) => n.name)).toEqual(['bookstack-backend']);
  expect(c.opts.dependsOn).toBeUndefined();
  expect(run.outputs['metricsTargets']).toEqual([]);
  expect(run.outputs['backupHooks']).toEqual([]);
});
