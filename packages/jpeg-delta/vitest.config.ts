import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'jpeg-delta',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
});
