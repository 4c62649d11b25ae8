#!/usr/bin/env node
// `pnpm mutation <area>`: StrykerJS over one area's source with that package's vitest
// project. On demand only (an area takes 15–30 min on a 2-core machine), never in CI.
// Reports land in reports/mutation/<area>.html|json; the last line is the area's score.
import { Stryker } from '@stryker-mutator/core';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/**
 * Each area: the package it lives in, the files whose mutants count, and optionally the tests
 * that judge them. With perTest coverage every mutant reruns each test that touched it, so an
 * area judged by the package's real-socket suites ran at ~20 s per mutant (1,271 relay mutants:
 * an estimated 11 h). The relay's unit tests against the fake socket exist for this; its score is
 * then a lower bound (the real-socket suites would kill more).
 */
const areas = {
  relay: {
    pkg: 'apps/server',
    mutate: ['src/relay/**/*.ts', '!src/**/*.test.ts', '!src/relay/test-socket.ts', '!src/relay/test-hub.ts'],
    tests: ['src/relay/**/*.test.ts'],
  },
  identity: {
    pkg: 'apps/server',
    mutate: ['src/identity/**/*.ts', 'src/device-access.ts', 'src/http/api-device.ts', 'src/http/api-hosts.ts', '!src/**/*.test.ts'],
  },
  gateway: {
    pkg: 'packages/gateway',
    mutate: ['src/render/**/*.ts', 'src/model/**/*.ts', '!src/**/*.test.ts', '!src/**/fixtures/**'],
  },
};

const [name, ...files] = process.argv.slice(2);
const area = areas[name];
if (!area) {
  console.error(`usage: pnpm mutation <area> [file-glob …]\nareas: ${Object.keys(areas).join(', ')}`);
  process.exit(2);
}

const cwd = path.join(root, area.pkg);
process.chdir(cwd);
// Outside CI vitest *writes* a missing snapshot (`toMatchFileSnapshot` included) and passes,
// so a mutant that renames a rendered file would survive by writing a new snapshot beside the
// old one (and leave it in the tree). With CI set, vitest's snapshot mode is `none`: a missing
// snapshot fails the test. The test runners Stryker forks inherit this environment.
process.env.CI = 'true';
const tempDir = path.join(root, '.stryker-tmp', name);
const configFile = area.tests ? narrowedVitestConfig(area.tests) : 'vitest.config.ts';
const stryker = new Stryker({
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile },
  // Narrow to given files when asked (`pnpm mutation relay src/relay/viewer.ts`).
  mutate: files.length > 0 ? files : area.mutate,
  coverageAnalysis: 'perTest',
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 2),
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: path.join(root, 'reports/mutation', `${name}.html`) },
  jsonReporter: { fileName: path.join(root, 'reports/mutation', `${name}.json`) },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: false },
  // In place: a sandbox copy of one package loses pnpm's per-package node_modules links and
  // the root tsconfig it extends. Stryker restores every file when it ends; run it on a
  // clean work tree (commit or stash first) and let it finish.
  inPlace: true,
  tempDirName: tempDir,
  thresholds: { high: 90, low: 80, break: null },
});
const results = await stryker.runMutationTest();
const killed = results.filter((m) => m.status === 'Killed' || m.status === 'Timeout').length;
const counted = results.filter((m) => !['Ignored', 'CompileError', 'RuntimeError'].includes(m.status)).length;
console.log(`mutation ${name}: ${killed}/${counted} killed (${counted ? ((100 * killed) / counted).toFixed(1) : '0'}%)`);

/** A vitest config that is the package's own with `include` narrowed to the area's tests. */
function narrowedVitestConfig(tests) {
  mkdirSync(tempDir, { recursive: true });
  const file = path.join(tempDir, 'vitest.config.mjs');
  const own = pathToFileURL(path.join(cwd, 'vitest.config.ts')).href;
  writeFileSync(
    file,
    `import own from ${JSON.stringify(own)};\n` +
      `export default { ...own, root: ${JSON.stringify(cwd)}, test: { ...own.test, include: ${JSON.stringify(tests)} } };\n`,
  );
  return file;
}
