import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/setup/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Compiles dist/ once: test/daemon spawns the built CLI.
    // And makes one migrated embedded database that tests copy instead of running initdb.
    globalSetup: ['test/setup/global.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Releases what a helper module holds for one test file (the harness's shared database).
    setupFiles: ['test/setup/per-file.ts'],
    // PGlite instances are memory-hungry; two cores here.
    pool: 'forks',
    maxWorkers: 2,
    // Each worker imports the modules once, not once per test file (the import phase
    // was a sixth of the suite's time). No test mocks modules or changes globals; a
    // helper's per-file state is released by test/setup/per-file.ts.
    isolate: false,
    // Without timings from an earlier run (a fresh clone), the files known to be slow start first.
    sequence: { sequencer: SlowFirstSequencer },
  },
});
