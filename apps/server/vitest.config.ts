import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'server',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Real sockets and child processes on a shared 2-core machine: generous deadlines, no timing assertions.
    testTimeout: 20_000,
  },
});
