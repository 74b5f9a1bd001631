/**
 * vitest globalSetup: builds dist/ (./build.ts, a tsc process) while this
 * process makes the migrated database template (./pglite-template.ts); the
 * suite starts when both are done.
 */
import type { TestProject } from 'vitest/node';
import build from './build.js';
import makeTemplate from './pglite-template.js';

export default async function setup(project: TestProject): Promise<() => void> {
  const [, teardown] = await Promise.all([build(), makeTemplate(project)]);
  return teardown;
}
