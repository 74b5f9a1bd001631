/**
 * Sliding-window rate gate: at most `limit` attempt STARTS in any window of
 * `windowMs` (plus a small safety margin). Unlike a token bucket it never
 * allows a 2N burst across a window boundary: a start is admitted only when
 * the start `limit` places back is at least one window old.
 *
 * Waiters are served in FIFO order. The gate also honours a pause shared by
 * all gates of one client (a 429 pauses the whole API).
 *
 * A start is stamped when the gate admits it, and stamped again (restamp)
 * when the request has actually left: a request that leaves late (a new
 * connection, a busy event loop) must not let the next window open early,
 * or the server, counting arrivals, sees more than `limit` in one window.
 */
import { sleep, throwIfAborted, abortable } from './wait.js';

export interface Rate {
  /** Max attempt starts per window. */
  limit: number;
  windowMs: number;
}

/** Shared by all gates of one client: no attempt starts before `until` (monotonic ms). */
export interface PauseState {
  until: number;
}

export const monotonicNow = (): number => performance.now();

/**
 * Default safety margin added to the window: 2% of it, at most 1 s. Covers the
 * distance between "we start" and "the server counts it" (connection set-up,
 * clock granularity), so the server's own sliding window sees <= limit too.
 */
export function defaultMarginMs(windowMs: number): number {
  return Math.min(1000, Math.ceil(windowMs * 0.02));
}

export class SlidingWindowGate {
  readonly limit: number;
  readonly windowMs: number;
  private readonly effectiveWindowMs: number;
  /** The latest (at most `limit`) start stamps, ascending. */
  private starts: number[] = [];
  private tail: Promise<void> = Promise.resolve();

  constructor(
    rate: Rate,
    private readonly pause: PauseState = { until: 0 },
    private readonly now: () => number = monotonicNow,
    marginMs?: number,
    private readonly sleepFor: (ms: number, signal?: AbortSignal) => Promise<void> = sleep,
  ) {
    if (!(rate.limit >= 1) || !(rate.windowMs >= 0)) {
      throw new RangeError(`invalid rate ${JSON.stringify(rate)}: limit must be >= 1 and windowMs >= 0`);
    }
    this.limit = rate.limit;
    this.windowMs = rate.windowMs;
    this.effectiveWindowMs = rate.windowMs + (marginMs ?? defaultMarginMs(rate.windowMs));
  }

  /** How long (ms) an attempt starting at `now` would have to wait; 0 = may start now. */
  delayAt(now: number): number {
    const pauseWait = this.pause.until - now;
    let windowWait = 0;
    if (Number.isFinite(this.limit) && this.starts.length >= this.limit) {
      const oldestRelevant = this.starts[this.starts.length - this.limit];
      windowWait = oldestRelevant + this.effectiveWindowMs - now;
    }
    return Math.max(0, pauseWait, windowWait);
  }

  /**
   * Resolves when the caller may START an attempt, and records that start.
   * Returns its stamp, for restamp() once the request has left.
   */
  async acquire(signal?: AbortSignal): Promise<number> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    try {
      await abortable(previous, signal);
      for (;;) {
        throwIfAborted(signal);
        const now = this.now();
        const wait = this.delayAt(now);
        if (wait <= 0) {
          this.record(now);
          return now;
        }
        await this.sleepFor(Math.max(1, wait), signal);
      }
    } finally {
      release();
    }
  }

  /**
   * The start stamped `stamp` really began now (its request has been sent):
   * it counts from now. Only ever moves a start later.
   */
  restamp(stamp: number): void {
    const now = this.now();
    if (!(now > stamp) || !Number.isFinite(this.limit)) return;
    // Binary search for the stamp (ascending array); gone when already pushed out by later starts.
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! < stamp) lo = mid + 1;
      else hi = mid;
    }
    if (this.starts[lo] === stamp) this.starts.splice(lo, 1);
    this.record(now);
  }

  /** Adds a stamp, keeping the array ascending and only the latest `limit` stamps. */
  private record(at: number): void {
    let i = this.starts.length;
    while (i > 0 && this.starts[i - 1]! > at) i--;
    this.starts.splice(i, 0, at);
    if (this.starts.length > this.limit) this.starts.splice(0, this.starts.length - this.limit);
  }
}
