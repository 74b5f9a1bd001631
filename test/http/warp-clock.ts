/**
 * A clock for the HTTP client that skips its waits: `now` is the real
 * monotonic time plus everything slept so far, and `sleep` returns at once
 * (next turn of the event loop). Requests still go over real sockets; only
 * the backoff and gate waits are skipped, and every one is recorded.
 * `epochNow` is the wall clock warped alike: simulators given it as their
 * `now` see the skipped time pass too (rate windows, Retry-After dates).
 */
import type { Clock } from '../../src/http/wait.js';
import { AbortSignalFired } from '../../src/http/wait.js';

export interface WarpClock extends Clock {
  /** Every sleep asked for, in order (ms). */
  readonly sleeps: number[];
  /** Total time skipped (ms). */
  skipped(): number;
  /** The wall clock, warped alike (ms since epoch): give it to the simulators (`now`) so both sides skip the same waits. */
  epochNow(): number;
  /** Moves time forward without a sleep (e.g. "an hour later"). */
  advance(ms: number): void;
}

export function warpClock(): WarpClock {
  let offset = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => performance.now() + offset,
    epochNow: () => Date.now() + offset,
    skipped: () => offset,
    advance: (ms) => {
      offset += ms;
    },
    async sleep(ms, signal) {
      if (signal?.aborted) throw new AbortSignalFired();
      sleeps.push(ms);
      offset += Math.max(0, ms);
      await new Promise((r) => setImmediate(r));
      if (signal?.aborted) throw new AbortSignalFired();
    },
  };
}
