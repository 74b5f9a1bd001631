/**
 * The rate that learns the server's limit (issue 9, item 3): the pure AIMD
 * rule, and the gate that applies it, on a fake clock.
 */
import { describe, expect, it } from 'vitest';
import { AdaptiveRate } from '../../src/http/adaptive-rate.js';
import { SlidingWindowGate, type PauseState, type RateChange } from '../../src/http/gate.js';

describe('AdaptiveRate (AIMD)', () => {
  it('is the configured rate until a 429', () => {
    const r = new AdaptiveRate({ configuredPerSecond: 100 });
    expect(r.rateAt(0)).toBe(100);
    expect(r.rateAt(1e9)).toBe(100);
    expect(r.adaptedAt(5)).toBe(false);
  });

  it('a 429 lowers the rate to 0.9 × what the server showed, not the configured rate; it climbs back quickly to 0.97 × of it, slowly to all of it, then 1% of it a second, up to the configured rate and no further', () => {
    const r = new AdaptiveRate({ configuredPerSecond: 100 });
    expect(r.throttled(10_000, 9_990, 4)).toBeCloseTo(3.6);
    expect(r.rateAt(10_000)).toBeCloseTo(3.6);
    // Quick: 2% of 4/s a second, 3.5 s to 0.97 × 4.
    expect(r.rateAt(11_000)).toBeCloseTo(3.68);
    expect(r.rateAt(13_500)).toBeCloseTo(3.88);
    // Slow: 0.1% of 4/s a second, 30 s more to reach 4/s, where the 429 came.
    expect(r.rateAt(28_500)).toBeCloseTo(3.94);
    expect(r.rateAt(43_500)).toBeCloseTo(4);
    expect(r.adaptedAt(43_500)).toBe(true);
    // Past it (the limit was higher): 1% of 4/s a second, 10 s more: +0.4.
    expect(r.rateAt(53_500)).toBeCloseTo(4.4);
    // (100 - 4) / 0.04 s later it is back at the ceiling, and stays there.
    expect(r.rateAt(43_500 + 2_400_000)).toBe(100);
    expect(r.rateAt(43_500 + 9_000_000)).toBe(100);
    expect(r.adaptedAt(43_500 + 9_000_000)).toBe(false);
  });

  it('checks its numbers', () => {
    expect(() => new AdaptiveRate({ configuredPerSecond: 0 })).toThrow(/configured rate/);
    expect(() => new AdaptiveRate({ configuredPerSecond: 10, decrease: 1 })).toThrow(/decrease/);
    expect(() => new AdaptiveRate({ configuredPerSecond: 10, settle: 0.5 })).toThrow(/settle/);
    expect(() => new AdaptiveRate({ configuredPerSecond: 10, probe: 0 })).toThrow(/probe/);
  });

  it('429s answering attempts sent before the last decrease are the same episode: no second decrease', () => {
    const r = new AdaptiveRate({ configuredPerSecond: 100 });
    r.throttled(1000, 990, 10);
    expect(r.throttled(1010, 995, 5)).toBeNull(); // sent at 995, before the decrease at 1000
    expect(r.rateAt(1010)).toBeCloseTo(9, 1);
    // Sent after it: a new 429 lowers again, from the lower of the rate in force and the admitted one.
    expect(r.throttled(3000, 2500, 8)).toBeCloseTo(7.2);
    // An admitted rate above the rate in force (7.2 grown by 2% of 8 over 1 s) never raises it.
    expect(r.throttled(4000, 3500, 50)).toBeCloseTo(0.9 * 7.36, 3);
  });

  it('never goes below 1% of the configured rate', () => {
    const r = new AdaptiveRate({ configuredPerSecond: 20 });
    expect(r.throttled(1000, 999, 0.01)).toBeCloseTo(0.2);
  });
});

/** A server that admits `limit` arrivals in any `windowMs` and answers 429 with `Retry-After: 1` otherwise. */
function serverWindow(limit: number, windowMs: number) {
  const arrivals: number[] = [];
  return (at: number): boolean => {
    while (arrivals.length > 0 && arrivals[0]! <= at - windowMs) arrivals.shift();
    if (arrivals.length >= limit) return false;
    arrivals.push(at);
    return true;
  };
}

/** A gate configured at 100/s on a fake clock, and answers other than 429 reported at `from`, `from + step`, ... `to` (ms). */
function learningGate(pause: PauseState = { until: 0 }) {
  const clock = { now: 0 };
  const gate = new SlidingWindowGate({ limit: 100, windowMs: 1000 }, pause, () => clock.now, 0, async (ms) => void (clock.now += ms));
  const admitEvery = (from: number, to: number, step: number) => {
    for (let t = from; t <= to; t += step) {
      clock.now = t;
      gate.admitted();
    }
  };
  return { gate, clock, admitEvery };
}

describe('SlidingWindowGate learning a lower server limit (fake clock)', () => {
  it('after a 429 the gate paces starts evenly at the learned rate, and reports the change', async () => {
    let now = 0;
    const changes: RateChange[] = [];
    const gate = new SlidingWindowGate({ limit: 100, windowMs: 1000 }, { until: 0 }, () => now, 0, async (ms) => void (now += ms), (c) => changes.push(c));
    for (let i = 0; i < 4; i++) {
      await gate.acquire();
      gate.admitted();
    }
    const stamp = await gate.acquire();
    expect(gate.throttled(stamp)).toBeCloseTo(3.6);
    expect(changes).toEqual([{ perSecond: expect.closeTo(3.6), configuredPerSecond: 100, reason: 'lowered', admittedPerSecond: 4 }]);
    const starts: number[] = [];
    for (let i = 0; i < 5; i++) starts.push(await gate.acquire());
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(1000 / 3.7);
  });

  it('learns the admitted rate over ~10 s, not one window: paced at 4/s, a 429 finds 4/s (one window would hold 3: a decrease to 2.7)', () => {
    const { gate, clock, admitEvery } = learningGate();
    admitEvery(250, 9_750, 250);
    clock.now = 10_000;
    expect(gate.throttled(9_999)).toBeCloseTo(0.9 * 4, 2);
  });

  it('leaves a Retry-After pause out of what the server admitted (nothing is sent during it)', () => {
    const pause: PauseState = { until: 0 };
    const { gate, clock, admitEvery } = learningGate(pause);
    admitEvery(250, 5_000, 250);
    // A 429 at 5 s paused the API for a second; 4/s again after it.
    pause.until = 6_000;
    admitEvery(6_250, 8_000, 250);
    clock.now = 8_250;
    // Counted since the pause: 8 answers in 2 s. Counting the pause in would have made it 28 in 8 s (3.5/s).
    expect(gate.throttled(8_200)).toBeCloseTo(0.9 * 4, 2);
  });

  it('a burst at the start counts over one window at least: 4 answers in 40 ms are 4/s, not 100/s', () => {
    const { gate, clock, admitEvery } = learningGate();
    admitEvery(10, 40, 10);
    clock.now = 50;
    expect(gate.throttled(45)).toBeCloseTo(0.9 * 4, 2);
  });

  it('client configured at 100/s, server admitting 4/s: at most 2% of requests throttled, and within 1.1 × requests / 4 of time', async () => {
    let now = 0;
    const pause: PauseState = { until: 0 };
    const gate = new SlidingWindowGate({ limit: 100, windowMs: 1000 }, pause, () => now, undefined, async (ms) => void (now += ms));
    const admits = serverWindow(4, 1000);
    let ok = 0;
    let throttled = 0;
    while (ok < 400) {
      const stamp = await gate.acquire();
      now += 50; // latency: the server counts the arrival, then answers
      if (admits(now - 25)) {
        ok++;
        gate.admitted();
      } else {
        throttled++;
        gate.throttled(stamp);
        pause.until = now + 1000; // Retry-After: 1
      }
    }
    // The target is 10% and 1.2 ×; the rule does better, and a regression shows here first.
    expect(throttled / (ok + throttled)).toBeLessThanOrEqual(0.02);
    expect(now).toBeLessThanOrEqual(1.1 * (ok / 4) * 1000);
    expect(gate.ratePerSecond()).toBeGreaterThan(3.5);
    expect(gate.ratePerSecond()).toBeLessThanOrEqual(4.5);
  });

  it('without adaptation the same client would be throttled on a large share of its requests (what the rule fixes)', async () => {
    // The same loop with the learned rate discarded at every 429: only the pause slows it down.
    let now = 0;
    const pause: PauseState = { until: 0 };
    const gate = new SlidingWindowGate({ limit: 100, windowMs: 1000 }, pause, () => now, undefined, async (ms) => void (now += ms));
    const admits = serverWindow(4, 1000);
    let ok = 0;
    let throttled = 0;
    while (ok < 100) {
      await gate.acquire();
      now += 50;
      if (admits(now - 25)) ok++;
      else {
        throttled++;
        pause.until = now + 1000;
      }
    }
    expect(throttled / (ok + throttled)).toBeGreaterThan(0.15);
  });
});

describe('the learned rate in metrics', () => {
  it('each change of a gate is the gauge secoda_user_sync_http_rate_per_second{api,kind}', async () => {
    const { Metrics } = await import('../../src/daemon/metrics.js');
    const m = new Metrics({ processMetrics: false });
    m.onRate({ api: 'secoda', kind: 'read', perSecond: 3.6, configuredPerSecond: 100, reason: 'lowered', admittedPerSecond: 4 });
    m.onRate({ api: 'org', kind: 'read', perSecond: 10, configuredPerSecond: 10, reason: 'restored' });
    const text = await m.text();
    expect(text).toContain('secoda_user_sync_http_rate_per_second{api="secoda",kind="read"} 3.6');
    expect(text).toContain('secoda_user_sync_http_rate_per_second{api="org",kind="read"} 10');
  });
});
