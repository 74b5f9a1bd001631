/**
 * A rate that learns the server's limit (AIMD, the idea of TCP's congestion
 * window and of the AWS SDKs' "adaptive" retry mode). Pure: time comes in.
 *
 * - Multiplicative decrease: a 429 sets the rate to `decrease` × the rate
 *   the server showed — the lower of the rate in force and the rate it
 *   actually admitted lately (answers other than 429, per second; the gate
 *   measures it) — never from the configured rate, which may be far above
 *   what was being sent. One decrease per episode: 429s answering attempts
 *   that started before the last decrease say nothing new and are ignored.
 * - Additive increase while no 429 comes, up to the configured rate and
 *   never above it, in three steps of speed relative to the rate the last
 *   429 showed (`seen`), as TCP grows fast below its threshold and slowly
 *   near it:
 *   1. back to `settle` × seen quickly (`recover` × seen per second): the
 *      server just admitted that rate, so the time spent well below it is
 *      throughput lost;
 *   2. from there to `seen` slowly (`probe` × seen per second): the next
 *      429 comes about when the rate crosses the limit, and each costs the
 *      whole API a Retry-After pause (>= 1 s), so the crossing is put off;
 *   3. past `seen` at `increase` × seen per second: the limit was higher than
 *      the 429 showed (another client of a shared quota stopped), climb back.
 *
 * Why these numbers: against a server at 4/s and a client configured at
 * 100/s, one 429 (and its 1 s pause) every ~35 s, the rest of the time
 * within 3% of the limit after the first 3.5 s: a fake-clock model of 240
 * to 1,000 requests took 1.04-1.08 × requests / 4 (the one speed of before,
 * 1%/s from 0.9 ×, brought a 429 every ~11 s: 1.13-1.16, and the bench's
 * run 1.15-1.2). The cost: a limit that rose is found again ~35 s later,
 * then climbed at 1%/s — a sync is in no hurry, a shared quota is.
 */
export interface AdaptiveRateOptions {
  /** The configured rate, requests per second: the ceiling. */
  configuredPerSecond: number;
  /** Factor applied to the rate a 429 showed (0 < x < 1). Default 0.9. */
  decrease?: number;
  /** Where the quick recovery ends, as a fraction of the rate the 429 showed (decrease <= x <= 1). Default 0.97. */
  settle?: number;
  /** Growth per second up to `settle`, as a fraction of the rate the 429 showed. Default 0.02. */
  recover?: number;
  /** Growth per second from `settle` to the rate the 429 showed. Default 0.001. */
  probe?: number;
  /** Growth per second past the rate the 429 showed. Default 0.01. */
  increase?: number;
  /** Lowest rate, as a fraction of the configured one. Default 0.01. */
  floor?: number;
}

export class AdaptiveRate {
  readonly configuredPerSecond: number;
  private readonly decrease: number;
  private readonly settle: number;
  private readonly recover: number;
  private readonly probe: number;
  private readonly increase: number;
  private readonly floorPerSecond: number;
  /** The rate the last 429 showed, and when it came (null: never throttled, the configured rate). */
  private seen: number | null = null;
  private since = 0;

  constructor(o: AdaptiveRateOptions) {
    if (!(o.configuredPerSecond > 0)) throw new RangeError(`configured rate must be > 0 (got ${o.configuredPerSecond})`);
    this.configuredPerSecond = o.configuredPerSecond;
    this.decrease = o.decrease ?? 0.9;
    this.settle = o.settle ?? 0.97;
    this.recover = o.recover ?? 0.02;
    this.probe = o.probe ?? 0.001;
    this.increase = o.increase ?? 0.01;
    this.floorPerSecond = o.configuredPerSecond * (o.floor ?? 0.01);
    if (!(this.decrease > 0 && this.decrease < 1)) throw new RangeError(`decrease must be between 0 and 1 (got ${this.decrease})`);
    if (!(this.settle >= this.decrease && this.settle <= 1)) throw new RangeError(`settle must be between decrease and 1 (got ${this.settle})`);
    for (const [name, v] of [['recover', this.recover], ['probe', this.probe], ['increase', this.increase]] as const) {
      if (!(v > 0)) throw new RangeError(`${name} must be > 0 (got ${v})`);
    }
  }

  /** The rate in force at `now` (ms), requests per second. */
  rateAt(now: number): number {
    if (this.seen === null) return this.configuredPerSecond;
    const grown = this.seen * this.fractionAfter(Math.max(0, now - this.since) / 1000);
    if (grown >= this.configuredPerSecond) {
      this.seen = null; // back at the ceiling: the next 429 starts afresh
      return this.configuredPerSecond;
    }
    return Math.max(this.floorPerSecond, grown);
  }

  /** The rate `s` seconds after a decrease, as a fraction of the rate the 429 showed (the three steps above). */
  private fractionAfter(s: number): number {
    const toSettle = (this.settle - this.decrease) / this.recover;
    if (s <= toSettle) return this.decrease + this.recover * s;
    const toSeen = toSettle + (1 - this.settle) / this.probe;
    if (s <= toSeen) return this.settle + this.probe * (s - toSettle);
    return 1 + this.increase * (s - toSeen);
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
    if (this.seen !== null && startedAt < this.since) return null;
    this.seen = Math.max(this.floorPerSecond, Math.min(this.rateAt(now), admittedPerSecond));
    this.since = now;
    return this.rateAt(now);
  }
}
