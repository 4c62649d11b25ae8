/**
 * Deploying other apps (BookStack) must not change anything the program declares for the
 * BooxStream server: the inputs, options and parents of every BooxStream resource are compared
 * with a capture taken before apps could be deployed (test/fixtures/booxstream-resources.json).
 * A deliberate change to the server's resources refreshes the capture: run this file with
 * BOOXSTREAM_REFRESH_FIXTURE=1 and review the diff.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runExample } from './example-run.js';
import { plain, type ProgramRun } from './pulumi-mocks.js';

const FIXTURE = new URL('./fixtures/booxstream-resources.json', import.meta.url);
/** This checkout's root (no trailing slash): the image's build context lives under it, wherever it is cloned. */
const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
let run: ProgramRun;
let sshDir = '';
let cleanup: () => void = () => undefined;

beforeAll(async () => {
  ({ run, sshDir, cleanup } = await runExample({ serverSecrets: true }));
}, 60_000);
afterAll(() => cleanup());

/** The server's resources as comparable data: generated keys, the SSH dir, the checkout's path and the extra secret masked. */
function booxstreamResources(): unknown[] {
  const picked = run.resources
    .filter((r) => r.name.startsWith('booxstream'))
    .map((r) => ({
      t: r.type,
      n: r.name,
      i: plain(r.inputs),
      o: Object.keys(r.opts).sort(),
      dbr: (r.opts as { deleteBeforeReplace?: boolean }).deleteBeforeReplace,
      rod: (r.opts as { retainOnDelete?: boolean }).retainOnDelete,
      parent: (r.opts.parent as { __name?: string } | undefined)?.__name,
    }))
    .sort((a, b) => `${a.t}\0${a.n}`.localeCompare(`${b.t}\0${b.n}`));
  const text = JSON.stringify(picked, (_k, v: unknown) =>
    typeof v === 'string' && v.includes('PRIVATE KEY') ? '<key>' : typeof v === 'string' && v.startsWith('EXTRA_TOKEN=') ? 'EXTRA_TOKEN=<x>' : v,
  );
  return JSON.parse(text.split(sshDir).join('<sshDir>').split(CHECKOUT).join('<checkout>')) as unknown[];
}

it("declares the BooxStream server's resources exactly as before apps could be deployed", () => {
  const now = booxstreamResources();
  if (process.env['BOOXSTREAM_REFRESH_FIXTURE'] === '1') {
    const old = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { capturedFrom: string };
    writeFileSync(FIXTURE, `${JSON.stringify({ capturedFrom: old.capturedFrom, resources: now }, null, 2)}\n`);
  }
  const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { resources: unknown[] };
  expect(now).toHaveLength(12);
  expect(now).toEqual(fixture.resources);
});
