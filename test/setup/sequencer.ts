/**
 * Test file order. vitest starts the files that took longest last time first
 * (its results cache); on a fresh clone it has no cache and starts the largest
 * files first, so a short file that waits on processes or initdb can start
 * last and run alone at the end. Without timings, these start first.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Files that start processes, run initdb or wait on real time (slowest first, as measured). */
const SLOW = [
  'test/daemon/shutdown', 'test/daemon/locks', 'test/e2e/runs', 'test/faults/transient', 'test/faults/crash',
  'test/daemon/schedule', 'test/store/migrations', 'test/property/plan', 'test/store/pglite', 'test/daemon/pause-apply',
];

const rank = (spec: TestSpecification): number => {
  const i = SLOW.findIndex((s) => spec.moduleId.includes(`/${s}.test.ts`));
  return i < 0 ? SLOW.length : i;
};

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const timed = files.some((f) => this.ctx.cache.getFileTestResults(`${f.project.name}:${relative(this.ctx.config.root, f.moduleId)}`));
    if (timed) return sorted;
    return sorted.map((spec, i) => ({ spec, i })).sort((a, b) => rank(a.spec) - rank(b.spec) || a.i - b.i).map(({ spec }) => spec);
  }
}
