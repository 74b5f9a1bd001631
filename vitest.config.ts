import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Compiles dist/ once: test/daemon spawns the built CLI.
    // And makes one migrated embedded database that tests copy instead of running initdb.
    globalSetup: ['test/setup/build.ts', 'test/setup/pglite-template.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // PGlite instances are memory-hungry; two cores here.
    pool: 'forks',
    maxWorkers: 2,
  },
});
