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
 *
 * The configured rate is a ceiling, not a promise: a 429 lowers the gate's
 * rate to what the server showed it admits, and it creeps back up while no
 * 429 comes (AIMD, ./adaptive-rate.ts). While lowered, starts are spaced
 * evenly (1 / rate apart): the server's window is unknown, and an even pace
 * never bursts into it.
 */
import { AdaptiveRate } from './adaptive-rate.js';
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

const monotonicNow = (): number => performance.now();

/** Admitted answers are counted over this long at least, to learn a server's rate (see admittedRate). */
export const LEARN_SPAN_MS = 10_000;

/** A change of a gate's learned rate (requests per second), for logs and metrics. */
export interface RateChange {
  perSecond: number;
  configuredPerSecond: number;
  /** 'lowered' by a 429; 'raised' while none comes (reported every 5%); 'restored' to the configured rate. */
  reason: 'lowered' | 'raised' | 'restored';
  /** With 'lowered': what the server admitted over the last window, per second. */
  admittedPerSecond?: number;
}

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
  /** The learned rate; null when the configured one is unbounded (nothing to learn below). */
  private readonly adaptive: AdaptiveRate | null;
  /** The latest start admitted (for the even pace while the rate is lowered). */
  private lastStart = -Infinity;
  /** When answers other than 429 came, within the last learning span: what the server admits. */
  private admittedAt: number[] = [];
  /** How far back admitted answers are counted: the window, and at least LEARN_SPAN_MS. */
  private readonly learnSpanMs: number;
  /** The rate last reported to onRate. */
  private reported: number;

  constructor(
    rate: Rate,
    private readonly pause: PauseState = { until: 0 },
    private readonly now: () => number = monotonicNow,
    marginMs?: number,
    private readonly sleepFor: (ms: number, signal?: AbortSignal) => Promise<void> = sleep,
    private readonly onRate?: (change: RateChange) => void,
  ) {
    if (!(rate.limit >= 1) || !(rate.windowMs >= 0)) {
      throw new RangeError(`invalid rate ${JSON.stringify(rate)}: limit must be >= 1 and windowMs >= 0`);
    }
    this.limit = rate.limit;
    this.windowMs = rate.windowMs;
    this.effectiveWindowMs = rate.windowMs + (marginMs ?? defaultMarginMs(rate.windowMs));
    const perSecond = (rate.limit * 1000) / rate.windowMs;
    this.adaptive = Number.isFinite(perSecond) ? new AdaptiveRate({ configuredPerSecond: perSecond }) : null;
    this.reported = perSecond;
    this.learnSpanMs = Math.max(rate.windowMs, LEARN_SPAN_MS);
  }

  /** The rate in force now, requests per second (the configured one until a 429). */
  ratePerSecond(): number {
    return this.adaptive ? this.adaptive.rateAt(this.now()) : Infinity;
  }

  /** An attempt through this gate was answered with something other than 429. */
  admitted(): void {
    if (!this.adaptive) return;
    const now = this.now();
    this.admittedAt.push(now);
    this.trimAdmitted(now);
  }

  /**
   * An attempt that started at `startedAt` (its stamp) was answered 429: lower
   * the rate from what the server admitted over the last window. Returns the
   * new rate, or null when nothing changed (an earlier 429 of the same burst,
   * or no answer admitted in the window to learn from).
   */
  throttled(startedAt: number): number | null {
    if (!this.adaptive) return null;
    const now = this.now();
    this.trimAdmitted(now);
    const admittedPerSecond = this.admittedRate(now);
    if (admittedPerSecond === null) return null;
    const next = this.adaptive.throttled(now, startedAt, admittedPerSecond);
    if (next !== null) this.report({ perSecond: next, configuredPerSecond: this.adaptive.configuredPerSecond, reason: 'lowered', admittedPerSecond });
    return next;
  }

  private trimAdmitted(now: number): void {
    let drop = 0;
    while (drop < this.admittedAt.length && this.admittedAt[drop]! <= now - this.learnSpanMs) drop++;
    if (drop > 0) this.admittedAt.splice(0, drop);
  }

  /**
   * What the server admitted lately, per second: the answers other than 429
   * since the last pause ended (a Retry-After pause admits nothing by design)
   * and within the learning span, over the time from the first of them to
   * now — but over one window at least, so a burst at the start (4 answers
   * in 50 ms) counts as 4 a window, not 80/s. Counted over one window only,
   * a server admitting 4/s was measured at 3 or 4 (a decrease to 2.7 or 3.6/s
   * by the luck of where the window fell); over ~10 s it is 3.9-4.
   * Null when nothing was admitted since: nothing to learn from.
   */
  private admittedRate(now: number): number | null {
    const resumed = this.pause.until <= now ? this.pause.until : -Infinity;
    let i = 0;
    while (i < this.admittedAt.length && this.admittedAt[i]! < resumed) i++;
    const count = this.admittedAt.length - i;
    if (count === 0) return null;
    const spanMs = Math.max(this.windowMs, now - this.admittedAt[i]!);
    return (count * 1000) / spanMs;
  }

  private report(change: RateChange): void {
    this.reported = change.perSecond;
    try {
      this.onRate?.(change);
    } catch {
      /* a log or metrics hook never breaks a request */
    }
  }

  /** Reports a rate grown by 5% (or back at the ceiling) since the last report. */
  private reportGrowth(now: number): void {
    if (!this.adaptive) return;
    const rate = this.adaptive.rateAt(now);
    if (rate === this.reported) return;
    const configuredPerSecond = this.adaptive.configuredPerSecond;
    if (rate >= configuredPerSecond) this.report({ perSecond: rate, configuredPerSecond, reason: 'restored' });
    else if (rate >= this.reported * 1.05) this.report({ perSecond: rate, configuredPerSecond, reason: 'raised' });
  }

  /** How long (ms) an attempt starting at `now` would have to wait; 0 = may start now. */
  delayAt(now: number): number {
    const pauseWait = this.pause.until - now;
    let windowWait = 0;
    if (Number.isFinite(this.limit) && this.starts.length >= this.limit) {
      const oldestRelevant = this.starts[this.starts.length - this.limit];
      windowWait = oldestRelevant + this.effectiveWindowMs - now;
    }
    let paceWait = 0;
    if (this.adaptive?.adaptedAt(now)) paceWait = this.lastStart + 1000 / this.adaptive.rateAt(now) - now;
    return Math.max(0, pauseWait, windowWait, paceWait);
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
          this.reportGrowth(now);
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
    this.lastStart = Math.max(this.lastStart, at);
    let i = this.starts.length;
    while (i > 0 && this.starts[i - 1]! > at) i--;
    this.starts.splice(i, 0, at);
    if (this.starts.length > this.limit) this.starts.splice(0, this.starts.length - this.limit);
  }
}
