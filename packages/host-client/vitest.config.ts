import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'host-client',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
});
