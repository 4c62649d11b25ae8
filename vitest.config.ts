import { defineConfig } from 'vitest/config';

// One run covers every workspace package; each keeps its own vitest.config.ts.
export default defineConfig({
  test: {
    projects: ['apps/*', 'packages/*', 'infra', 'bench', 'scripts'],
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
