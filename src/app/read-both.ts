/**
 * Both APIs read at once. Their rate limits are independent, so a run's
 * reads take as long as the slower of the two, not their sum.
 *
 * All-or-nothing as before: the first read to fail is the run's error, and
 * the other one stops at its next page (its progress callback throws, which
 * cancels its pages in flight). Both reads have settled when this returns or
 * throws, so nothing of a failed run is still reading behind it.
 */
export type StopCheck = () => void;

export async function readBoth<A, B>(readA: (stopped: StopCheck) => Promise<A>, readB: (stopped: StopCheck) => Promise<B>): Promise<[A, B]> {
  let failure: { error: unknown } | undefined;
  const stopped: StopCheck = () => {
    if (failure) throw new ReadStoppedError();
  };
  const guard = <T>(read: Promise<T>): Promise<T> =>
    read.catch((error: unknown) => {
      // The first failure is the story; the other read's ReadStoppedError is only its echo.
      failure ??= { error };
      throw error;
    });
  const [a, b] = await Promise.allSettled([guard(readA(stopped)), guard(readB(stopped))]);
  if (failure) throw failure.error;
  return [(a as PromiseFulfilledResult<A>).value, (b as PromiseFulfilledResult<B>).value];
}

class ReadStoppedError extends Error {
  override name = 'ReadStoppedError';
  constructor() {
    super('stopped: the other API could not be read');
  }
}
