/**
 * vitest globalSetup: the suite's temporary directory (./scratch.ts) first;
 * then builds dist/ (./build.ts, a tsc process) while this process makes the
 * migrated database template (./pglite-template.ts); the suite starts when
 * both are done.
 */
import type { TestProject } from 'vitest/node';
import build from './build.js';
import makeTemplate from './pglite-template.js';
import scratch from './scratch.js';

export default async function setup(project: TestProject): Promise<() => void> {
  const removeScratch = scratch();
  try {
    const [, teardown] = await Promise.all([build(), makeTemplate(project)]);
    return () => {
      teardown();
      removeScratch();
    };
  } catch (err) {
    removeScratch();
    throw err;
  }
}
