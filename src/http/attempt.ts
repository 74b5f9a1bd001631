/**
 * One attempt of a request: a concurrency slot (p-limit), the sliding-window
 * gate of its kind, then got sends it (got's own retry off). What happened
 * comes back as data: an answer, a transport failure, or "not sent". Only
 * two things are thrown: AbortSignalFired when the signal fires, and any
 * other error as itself — a bug of ours must surface as the bug, never as a
 * cancellation or a network failure.
 *
 * The slot is held for the attempt (its gate wait and the request in flight),
 * not across the retry loop's backoff sleeps.
 */
import got, { RequestError } from 'got';
import type { ClientRequest } from 'node:http';
import type { LimitFunction } from 'p-limit';
import type { SlidingWindowGate } from './gate.js';
import { describeFailure } from './retry-policy.js';
import type { HttpMethod } from './types.js';
import { abortable, throwIfAborted } from './wait.js';

export type AttemptOutcome =
  | { kind: 'answer'; status: number; headers: Record<string, string | string[] | undefined>; text: string; durationMs: number; stamp: number }
  | { kind: 'failure'; code: string; message: string; timeout: boolean; aborted: boolean; durationMs: number }
  /** Not sent: the API asked for a wait longer than the cap, and it is not over. */
  | { kind: 'blocked' };

export interface AttemptSetup {
  limit: LimitFunction;
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
  now: () => number;
  /** Until when (monotonic ms) nothing of this API may be sent. */
  refusedUntil: () => number;
}

export interface Attempt {
  gate: SlidingWindowGate;
  method: string;
  url: URL;
  /** The request body, serialised once for every attempt. */
  body: string | undefined;
  signal: AbortSignal | undefined;
}

export function attemptSender(setup: AttemptSetup): (a: Attempt) => Promise<AttemptOutcome> {
  const { now } = setup;
  const jsonHeaders = { ...setup.headers, 'content-type': 'application/json' };

  async function send({ gate, method, url, body, signal }: Attempt): Promise<AttemptOutcome> {
    throwIfAborted(signal);
    const stamp = await gate.acquire(signal);
    if (now() < setup.refusedUntil()) return { kind: 'blocked' };
    const started = now();
    try {
      const pending = got(url, {
        method: method as HttpMethod,
        headers: body === undefined ? setup.headers : jsonHeaders,
        body,
        timeout: { request: setup.timeoutMs },
        retry: { limit: 0 },
        throwHttpErrors: false,
        followRedirect: false,
        responseType: 'text',
        signal,
      });
      // The start counts from when the request has actually been sent (after a connect, say).
      pending.on('request', (r: ClientRequest) => r.once('finish', () => gate.restamp(stamp)));
      const res = await pending;
      return { kind: 'answer', status: res.statusCode, headers: { ...res.headers }, text: res.body, durationMs: Math.round(now() - started), stamp };
    } catch (e) {
      // got wraps every transport failure (timeout, reset, refusal, abort) in a RequestError; anything else is ours.
      if (!(e instanceof RequestError)) throw e;
      return { kind: 'failure', ...describeFailure(e), durationMs: Math.round(now() - started) };
    }
  }

  return (a) => abortable(setup.limit(() => send(a)), a.signal);
}
