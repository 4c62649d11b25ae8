import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'web',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The browser suite starts a real server, a demo device and Chromium.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
