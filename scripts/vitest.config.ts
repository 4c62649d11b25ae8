import { defineProject } from 'vitest/config';

// Checks about the repository as a whole (not one package).
export default defineProject({
  test: {
    name: 'repository',
    include: ['*.test.ts'],
  },
});
