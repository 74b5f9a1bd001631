/**
 * A rate that learns the server's limit (AIMD, the idea of TCP's congestion
 * window and of the AWS SDKs' "adaptive" retry mode). Pure: time comes in.
 *
 * - Multiplicative decrease: a 429 sets the rate to `decrease` × the rate
 *   the server actually admitted over the last window (answers other than
 *   429, per second) — not the configured rate, which may be far above what
 *   was being sent. One decrease per episode: 429s answering attempts that
 *   started before the last decrease say nothing new and are ignored.
 * - Additive increase: while no 429 comes, the rate grows by `increase` ×
 *   the rate set at the last decrease, per second, up to the configured rate
 *   and never above it.
 *
 * Why these numbers (0.9 and 1%/s): a 429 costs the whole API a Retry-After
 * pause (>= 1 s), so 429s must be rare: after one, the rate sits 10% under
 * the limit the server showed and takes ~10 s to creep back to it. Against a
 * server at 4/s with a client configured at 100/s that is about one 429 per
 * 40 requests, the rest of the time within 10% of the limit.
 */
export interface AdaptiveRateOptions {
  /** The configured rate, requests per second: the ceiling. */
  configuredPerSecond: number;
  /** Factor applied to the admitted rate on a 429 (0 < x < 1). Default 0.9. */
  decrease?: number;
  /** Growth per second while no 429 comes, as a fraction of the rate set by the last decrease. Default 0.01. */
  increase?: number;
  /** Lowest rate, as a fraction of the configured one. Default 0.01. */
  floor?: number;
}

export class AdaptiveRate {
  readonly configuredPerSecond: number;
  private readonly decrease: number;
  private readonly increase: number;
  private readonly floorPerSecond: number;
  /** Rate set by the last decrease, and when (null: never throttled, the configured rate). */
  private base: number | null = null;
  private since = 0;

  constructor(o: AdaptiveRateOptions) {
    if (!(o.configuredPerSecond > 0)) throw new RangeError(`configured rate must be > 0 (got ${o.configuredPerSecond})`);
    this.configuredPerSecond = o.configuredPerSecond;
    this.decrease = o.decrease ?? 0.9;
    this.increase = o.increase ?? 0.01;
    this.floorPerSecond = o.configuredPerSecond * (o.floor ?? 0.01);
    if (!(this.decrease > 0 && this.decrease < 1)) throw new RangeError(`decrease must be between 0 and 1 (got ${this.decrease})`);
  }

  /** The rate in force at `now` (ms), requests per second. */
  rateAt(now: number): number {
    if (this.base === null) return this.configuredPerSecond;
    const grown = this.base + this.base * this.increase * Math.max(0, now - this.since) / 1000;
    if (grown >= this.configuredPerSecond) {
      this.base = null; // back at the ceiling: the next 429 starts afresh
      return this.configuredPerSecond;
    }
    return grown;
  }

  /** True while the rate is below the configured one. */
  adaptedAt(now: number): boolean {
    return this.rateAt(now) < this.configuredPerSecond;
  }

  /**
   * A 429 answered at `now` for an attempt started at `startedAt`, the server
   * having admitted `admittedPerSecond` lately. Returns the new rate, or null
   * when this 429 belongs to an episode already acted on.
   */
  throttled(now: number, startedAt: number, admittedPerSecond: number): number | null {
    if (this.base !== null && startedAt < this.since) return null;
    const current = this.rateAt(now);
    const next = Math.max(this.floorPerSecond, Math.min(current, admittedPerSecond) * this.decrease);
    this.base = next;
    this.since = now;
    return next;
  }
}
