import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'web',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The browser suite starts a real server, a demo device and Chromium.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Browser conditions can take a few seconds on a loaded 2-core CI machine; a poll is bounded, not a sleep.
    expect: { poll: { timeout: 10_000, interval: 50 } },
  },
});
