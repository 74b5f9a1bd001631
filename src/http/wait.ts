/** Abortable waiting helpers shared by the gate and the retry loop. */

/** Thrown (internally) when an AbortSignal fires during a wait; the client turns it into an AbortedError. */
export class AbortSignalFired extends Error {
  override name = 'AbortSignalFired';
  constructor() {
    super('aborted');
  }
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new AbortSignalFired();
}

/** Resolves after `ms` (>= 0); rejects with AbortSignalFired as soon as `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new AbortSignalFired());
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortSignalFired());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, Math.ceil(ms)));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Waits for `p`, or rejects with AbortSignalFired as soon as `signal` fires (p keeps running). */
export function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    p.catch(() => {});
    return Promise.reject(new AbortSignalFired());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortSignalFired());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * Time as the HTTP layer sees it: a monotonic `now` (ms), an abortable
 * `sleep`, and the wall clock (`epochNow`, ms since epoch; Date.now when
 * absent) that a Retry-After HTTP date is read against. Injectable so that
 * tests can let a minute of backoff pass at once.
 */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  epochNow?(): number;
}

export const realClock: Clock = { now: () => performance.now(), sleep, epochNow: () => Date.now() };
