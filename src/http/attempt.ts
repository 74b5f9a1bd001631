/**
 * One attempt of a request: a concurrency slot (p-limit), the sliding-window
 * gate of its kind, then the exchange on the client's keep-alive sockets
 * (./transport.ts). What happened comes back as data: an answer, a transport
 * failure, or "not sent". Only two things are thrown: AbortSignalFired when
 * the signal fires, and any other error as itself — a bug of ours must
 * surface as the bug, never as a cancellation or a network failure.
 *
 * The slot is held for the attempt (its gate wait and the request in flight),
 * not across the retry loop's backoff sleeps.
 */
import type { LimitFunction } from 'p-limit';
import type { SlidingWindowGate } from './gate.js';
import type { Transport } from './transport.js';
import { abortable, throwIfAborted } from './wait.js';

export type AttemptOutcome =
  | { kind: 'answer'; status: number; headers: Record<string, string | string[] | undefined>; text: string; durationMs: number; stamp: number }
  | { kind: 'failure'; code: string; message: string; timeout: boolean; aborted: boolean; durationMs: number }
  /** Not sent: the API asked for a wait longer than the cap, and it is not over. */
  | { kind: 'blocked' };

export interface AttemptSetup {
  limit: LimitFunction;
  transport: Transport;
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
    const result = await setup.transport.exchange({
      method, url, body, signal,
      headers: body === undefined ? setup.headers : jsonHeaders,
      timeoutMs: setup.timeoutMs,
      // The start counts from when the request has actually been sent (after a connect, say).
      onSent: () => gate.restamp(stamp),
    });
    const durationMs = Math.round(now() - started);
    return result.kind === 'answer' ? { ...result, durationMs, stamp } : { ...result, durationMs };
  }

  return (a) => abortable(setup.limit(() => send(a)), a.signal);
}
