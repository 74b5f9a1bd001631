import type { TickOutcome, TickSource } from '../../src/daemon/daemon.js';

/**
 * The daemon's scheduled ticks, fired by the test instead of node-cron:
 * `fire()` runs one tick and answers its outcome ('ran', 'busy', ...).
 * (test/daemon/schedule.test.ts keeps node-cron's real ticks.)
 */
export function manualTicks(): { source: TickSource; fire(): Promise<TickOutcome> } {
  let onTick: (() => Promise<TickOutcome>) | undefined;
  return {
    source: (_schedule, _timezone, tick) => {
      onTick = tick;
      return { nextRun: () => null, stop: async () => { onTick = undefined; } };
    },
    fire() {
      if (!onTick) throw new Error('no daemon is running to tick');
      return onTick();
    },
  };
}
