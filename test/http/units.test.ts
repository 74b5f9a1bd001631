import { describe, expect, it } from 'vitest';
import { backoffDelay, causeOf, decideRetry, parseRetryAfter, type RetryPolicy } from '../../src/http/retry-policy.js';
import { joinUrl, normaliseBaseUrl } from '../../src/http/url.js';
import { SlidingWindowGate } from '../../src/http/gate.js';
import { makeScrubber, redactUrl } from '../../src/observe/scrub.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
  });
  it('reads HTTP dates, never negative', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
  });
  it('is undefined when absent or garbage', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it('doubles from the base, jittered within [d/2, d], capped', () => {
    expect(backoffDelay(1, 200, 10_000, () => 0)).toBe(100);
    expect(backoffDelay(1, 200, 10_000, () => 1)).toBe(200);
    expect(backoffDelay(3, 200, 10_000, () => 1)).toBe(800);
    expect(backoffDelay(20, 200, 10_000, () => 1)).toBe(10_000);
    expect(backoffDelay(20, 200, 10_000, () => 0)).toBe(5_000);
  });
});

describe('decideRetry (the retry decision alone)', () => {
  const policy: RetryPolicy = { retryLimit: 3, backoffBaseMs: 200, backoffMaxMs: 10_000, rateLimitBaseMs: 1000, maxRetryAfterMs: 60_000 };
  const at = (attempt: number, sinceFirstRateLimitMs = 0, windowMs = 60_000) => ({ attempt, rateLimited: attempt, sinceFirstRateLimitMs, windowMs });
  const low = () => 0;
  const high = () => 1;

  it('a 429 without Retry-After, or with Retry-After: 0, pauses at least 1 s and backs off exponentially (jittered)', () => {
    for (const cause of [{ kind: 'rate-limit' } as const, { kind: 'rate-limit', retryAfterMs: 0 } as const]) {
      expect(decideRetry(policy, cause, at(1), low)).toEqual({ retry: true, delayMs: 1000 });
      expect(decideRetry(policy, cause, at(1), high)).toEqual({ retry: true, delayMs: 1000 });
      expect(decideRetry(policy, cause, at(2), low)).toEqual({ retry: true, delayMs: 1000 });
      expect(decideRetry(policy, cause, at(2), high)).toEqual({ retry: true, delayMs: 2000 });
      expect(decideRetry(policy, cause, at(5, 20_000), high)).toEqual({ retry: true, delayMs: 16_000 });
      // Capped at maxRetryAfterMs.
      expect(decideRetry(policy, cause, at(12, 59_000), high)).toEqual({ retry: true, delayMs: 60_000 });
    }
  });

  it('a small Retry-After is raised to 1 s; one up to the cap is honoured', () => {
    expect(decideRetry(policy, { kind: 'rate-limit', retryAfterMs: 200 }, at(1))).toEqual({ retry: true, delayMs: 1000 });
    expect(decideRetry(policy, { kind: 'rate-limit', retryAfterMs: 7000 }, at(1))).toEqual({ retry: true, delayMs: 7000 });
    expect(decideRetry(policy, { kind: 'rate-limit', retryAfterMs: 60_000 }, at(1))).toEqual({ retry: true, delayMs: 60_000 });
  });

  it('a Retry-After above the cap stops at once, whatever the budget left', () => {
    expect(decideRetry(policy, { kind: 'rate-limit', retryAfterMs: 3_600_000 }, at(1))).toEqual({ retry: false, reason: 'retry-after-over-cap', waitMs: 3_600_000 });
  });

  it('429s are retried until one full gate window has passed AND retryLimit retries were made', () => {
    const cause = { kind: 'rate-limit' } as const;
    // Retries spent, window not over: go on.
    expect(decideRetry(policy, cause, at(9, 59_999))).toMatchObject({ retry: true });
    // Window over, retries left: go on.
    expect(decideRetry(policy, cause, at(2, 120_000))).toMatchObject({ retry: true });
    // Both spent: stop.
    expect(decideRetry(policy, cause, at(4, 60_000))).toEqual({ retry: false, reason: 'rate-limited-too-long' });
    // The window is the gate's: 1 s for a 10/s read gate.
    expect(decideRetry(policy, cause, at(4, 1000, 1000))).toEqual({ retry: false, reason: 'rate-limited-too-long' });
  });

  it('5xx and transport failures: retryLimit retries with backoff; 5xx honours a Retry-After up to the cap', () => {
    expect(decideRetry(policy, { kind: 'server-error' }, at(1), high)).toEqual({ retry: true, delayMs: 200 });
    expect(decideRetry(policy, { kind: 'server-error', retryAfterMs: 5000 }, at(1), high)).toEqual({ retry: true, delayMs: 5000 });
    expect(decideRetry(policy, { kind: 'server-error', retryAfterMs: 600_000 }, at(1), high)).toEqual({ retry: true, delayMs: 60_000 });
    expect(decideRetry(policy, { kind: 'server-error' }, at(4))).toEqual({ retry: false, reason: 'retries-spent' });
    expect(decideRetry(policy, { kind: 'transport', retryable: true }, at(3), high)).toEqual({ retry: true, delayMs: 800 });
    expect(decideRetry(policy, { kind: 'transport', retryable: true }, at(4))).toEqual({ retry: false, reason: 'retries-spent' });
    expect(decideRetry(policy, { kind: 'transport', retryable: false }, at(1))).toEqual({ retry: false, reason: 'not-retryable' });
    expect(decideRetry(policy, { kind: 'final' }, at(1))).toEqual({ retry: false, reason: 'not-retryable' });
  });
});

describe('causeOf (what a failed attempt amounts to)', () => {
  const answer = (status: number, headers: Record<string, string> = {}) => ({ kind: 'answer' as const, status, headers });
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('429 and 5xx carry their Retry-After (seconds or date); other statuses are final', () => {
    expect(causeOf(answer(429, { 'retry-after': '7' }), now)).toEqual({ kind: 'rate-limit', retryAfterMs: 7000 });
    expect(causeOf(answer(429), now)).toEqual({ kind: 'rate-limit' });
    expect(causeOf(answer(503, { 'retry-after': 'Wed, 01 Jan 2025 00:00:05 GMT' }), now)).toEqual({ kind: 'server-error', retryAfterMs: 5000 });
    expect(causeOf(answer(500), now)).toEqual({ kind: 'server-error' });
    for (const status of [301, 400, 401, 403, 404, 409]) expect(causeOf(answer(status), now)).toEqual({ kind: 'final' });
  });
  it('timeouts and resets are worth another try; an unknown transport failure is not', () => {
    expect(causeOf({ kind: 'failure', code: 'ETIMEDOUT', timeout: true })).toEqual({ kind: 'transport', retryable: true });
    expect(causeOf({ kind: 'failure', code: 'ECONNRESET', timeout: false })).toEqual({ kind: 'transport', retryable: true });
    expect(causeOf({ kind: 'failure', code: 'ERR_TLS_CERT_ALTNAME_INVALID', timeout: false })).toEqual({ kind: 'transport', retryable: false });
  });
});

describe('SlidingWindowGate (fake clock)', () => {
  it('admits `limit` starts per window and no 2N burst at the boundary', async () => {
    let now = 0;
    const gate = new SlidingWindowGate({ limit: 2, windowMs: 1000 }, { until: 0 }, () => now, 0);
    await gate.acquire();
    now = 990;
    await gate.acquire();
    // A token bucket refilled at t=1000 would allow two more; the window allows one at 1000, one at 1990.
    now = 1000;
    expect(gate.delayAt(now)).toBe(0);
    await gate.acquire();
    expect(gate.delayAt(now)).toBe(990);
    now = 1989;
    expect(gate.delayAt(now)).toBe(1);
    now = 1990;
    expect(gate.delayAt(now)).toBe(0);
  });
  it('honours the shared pause', () => {
    const pause = { until: 500 };
    const gate = new SlidingWindowGate({ limit: 10, windowMs: 1000 }, pause, () => 0, 0);
    expect(gate.delayAt(100)).toBe(400);
    pause.until = 0;
    expect(gate.delayAt(100)).toBe(0);
  });
  it('adds a default safety margin of 2% (max 1 s)', async () => {
    let now = 0;
    const gate = new SlidingWindowGate({ limit: 1, windowMs: 60_000 }, { until: 0 }, () => now);
    await gate.acquire();
    expect(gate.delayAt(0)).toBe(61_000);
  });
  it('counts a start from when its request left (restamp)', async () => {
    let now = 0;
    const gate = new SlidingWindowGate({ limit: 2, windowMs: 1000 }, { until: 0 }, () => now, 0);
    const first = await gate.acquire();
    now = 10;
    await gate.acquire();
    expect(gate.delayAt(10)).toBe(990);
    // The first request only left at 300 (a slow connect, say): the server counts it from
    // then, so the window opens when the second start (10) is a window old.
    now = 300;
    gate.restamp(first);
    expect(gate.delayAt(300)).toBe(710);
    now = 1010;
    const third = await gate.acquire();
    expect(gate.delayAt(1010)).toBe(290); // starts 300, 1010
    now = 1100;
    gate.restamp(third);
    expect(gate.delayAt(1100)).toBe(200); // starts 300, 1100
    // A stamp "from the future" is ignored.
    gate.restamp(5000);
    expect(gate.delayAt(1100)).toBe(200);
  });
  it('rejects nonsense rates', () => {
    expect(() => new SlidingWindowGate({ limit: 0, windowMs: 1000 })).toThrow(RangeError);
  });
});

describe('redaction', () => {
  it('strips userinfo and credential query values', () => {
    expect(redactUrl('https://u:p@api.secoda.co/api/v1/user/?page=2&token=abc&api_key=k&client_secret=s&password=x')).toBe(
      'https://api.secoda.co/api/v1/user/?page=2&token=***&api_key=***&client_secret=***&password=***',
    );
    expect(redactUrl('not a url')).toBe('[invalid url]');
  });
  it('a parsed URL redacts as its text does', () => {
    for (const text of [
      'https://api.secoda.co/api/v1/user/?page=2',
      'https://api.secoda.co/api/v1/user/',
      'https://u:p@api.secoda.co/x?page=2',
      'https://u@api.secoda.co/x',
      'https://api.secoda.co/x?page=2&api%5Fkey=k&q=a+b%20c',
      'https://api.secoda.co/x?Access_Token=z&access_token=zz',
    ]) {
      expect(redactUrl(new URL(text)), text).toBe(redactUrl(text));
      expect(redactUrl(new URL(text))).not.toMatch(/[:@]p@|=k\b|=zz?\b/);
    }
  });
  it('scrubs secrets, bearer values, URLs and key=value pairs from free text', () => {
    const out = makeScrubber(['abc.def'])('Authorization: Bearer abc.def see https://x:y@h/p?key=1 and /q?access_token=zz');
    expect(out).not.toContain('abc.def');
    expect(out).not.toContain('x:y@');
    expect(out).not.toContain('zz');
    expect(out).toBe('Authorization: Bearer *** see https://h/p?key=*** and /q?access_token=***');
  });
});

describe('URL joining', () => {
  it('keeps path prefixes and ignores a leading slash in the path', () => {
    const base = normaliseBaseUrl('https://org.example.com/v1');
    expect(joinUrl(base, 'organization/users', { page_number: 2 }).toString()).toBe(
      'https://org.example.com/v1/organization/users?page_number=2',
    );
    expect(joinUrl(base, '/users/me').toString()).toBe('https://org.example.com/v1/users/me');
    expect(normaliseBaseUrl('https://api.secoda.co').toString()).toBe('https://api.secoda.co/');
    expect(normaliseBaseUrl('https://u:p@acme.secoda.co/?x=1#f').toString()).toBe('https://acme.secoda.co/');
  });
});
