/**
 * The files Pulumi and GitHub read, checked without either: Pulumi.yaml against the project
 * file schema (SchemaStore, vendored in vendor/schemastore/pulumi.json) and the runtime choices the program
 * depends on; the preview workflow's structure, pins, permissions and credential gate.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { PROJECT } from '../src/config.js';

const INFRA = fileURLToPath(new URL('..', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));

describe('Pulumi.yaml', () => {
  const project = yaml.load(readFileSync(`${INFRA}Pulumi.yaml`, 'utf8')) as Record<string, unknown>;

  it('is a valid Pulumi project file', () => {
    const schema = JSON.parse(readFileSync(`${REPO}vendor/schemastore/pulumi.json`, 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    expect(validate(project), JSON.stringify(validate.errors)).toBe(true);
  });

  it('runs the TypeScript ESM program with tsx and pnpm, without Pulumi’s ts-node', () => {
    expect(project['name']).toBe(PROJECT);
    expect(project['runtime']).toEqual({
      name: 'nodejs',
      options: { packagemanager: 'pnpm', typescript: false, nodeargs: '--import tsx' },
    });
    const pkg = JSON.parse(readFileSync(`${INFRA}package.json`, 'utf8')) as Record<string, Record<string, string> | string>;
    expect(pkg['type']).toBe('module');
    expect(pkg['main']).toBe('index.ts');
    // Loaded at run time by the program (--import tsx) and the dynamic providers (tsImport).
    expect(Object.keys(pkg['dependencies'] as Record<string, string>)).toContain('tsx');
    // 1.2.x has CopyToRemote with StringAsset; npm's `latest` (4.5.0) does not.
    expect((pkg['dependencies'] as Record<string, string>)['@pulumi/command']).toMatch(/^~1\.2\./);
  });
});

describe('.github/workflows/preview.yml', () => {
  const text = readFileSync(`${REPO}.github/workflows/preview.yml`, 'utf8');
  const wf = yaml.load(text) as {
    on: Record<string, unknown>;
    permissions: Record<string, string>;
    jobs: Record<string, { steps: { uses?: string; run?: string; if?: string; with?: Record<string, unknown>; env?: Record<string, string> }[]; permissions?: Record<string, string>; env?: Record<string, string>; needs?: string }>;
  };
  const steps = Object.values(wf.jobs).flatMap((j) => j.steps);

  it('runs on pull requests with read-only default permissions', () => {
    expect(Object.keys(wf.on)).toContain('pull_request');
    expect(wf.permissions).toEqual({ contents: 'read' });
  });

  it('pins every action to a full commit SHA with its tag in a comment', () => {
    const uses = text.split('\n').filter((l) => /^\s*(- )?uses:/.test(l));
    expect(uses.length).toBeGreaterThanOrEqual(4);
    for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it('installs with the lockfile, runs the offline preview and the tests', () => {
    const runs = wf.jobs['offline']!.steps.map((s) => s.run ?? '');
    expect(runs).toEqual(expect.arrayContaining(['pnpm install --frozen-lockfile', 'pnpm preview', 'pnpm test']));
    expect(runs.indexOf('pnpm install --frozen-lockfile')).toBeLessThan(runs.indexOf('pnpm test'));
  });

  it('runs a real pulumi preview that comments on the PR, only when credentials exist', () => {
    const job = wf.jobs['pulumi-preview']!;
    expect(job.needs).toBe('offline');
    expect(job.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(job.env?.['HAS_PULUMI_TOKEN']).toBe("${{ secrets.PULUMI_ACCESS_TOKEN != '' }}");
    const pulumi = job.steps.find((s) => s.uses?.startsWith('pulumi/actions@'))!;
    expect(pulumi.with).toMatchObject({ command: 'preview', 'work-dir': 'infra', 'comment-on-pr': true });
    expect(pulumi.env).toEqual({ PULUMI_ACCESS_TOKEN: '${{ secrets.PULUMI_ACCESS_TOKEN }}', BOOXSTREAM_SSH_DIR: '${{ runner.temp }}/booxstream-ssh' });
    // Every step that needs the credentials is gated; dependencies are installed first (the action does not).
    for (const step of job.steps) expect(step.if).toMatch(/^(always\(\) && )?env\.HAS_PULUMI_TOKEN [!=]= 'true'$/);
    // The VM key the program wrote for the Docker provider is removed, whatever happened.
    const last = job.steps.at(-1)!;
    expect(last.if).toBe("always() && env.HAS_PULUMI_TOKEN == 'true'");
    expect(last.run).toBe('rm -rf "${{ runner.temp }}/booxstream-ssh"');
    const install = job.steps.findIndex((s) => (s.run ?? '').includes('pnpm install --frozen-lockfile'));
    expect(install).toBeGreaterThan(-1);
    expect(install).toBeLessThan(job.steps.indexOf(pulumi));
  });

  it('never checks out with persisted credentials', () => {
    for (const s of steps.filter((x) => x.uses?.startsWith('actions/checkout@'))) expect(s.with?.['persist-credentials']).toBe(false);
  });
});
