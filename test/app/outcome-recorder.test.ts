/**
 * The batching of write outcomes (src/app/outcome-recorder.ts), alone: what
 * goes into which batch, that drain() waits for everything added before it,
 * and that a failed batch goes whole to onFailure. The writes here are
 * promises the test settles itself; nothing depends on how long anything takes.
 */
import { describe, expect, it } from 'vitest';
import { createOutcomeRecorder } from '../../src/app/outcome-recorder.js';

/** A write the test completes (or fails) by hand. */
function manualWrites() {
  const calls: { batch: number[]; done: () => void; fail: (e: Error) => void }[] = [];
  const write = (batch: number[]) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ batch: [...batch], done: resolve, fail: reject });
    });
  return { calls, write };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('outcome recorder', () => {
  it('drain() writes what is queued at once, in order, and waits for it', async () => {
    const written: number[][] = [];
    const r = createOutcomeRecorder<number>({
      write: async (b) => void written.push([...b]), onFailure: async () => {}, maxBatch: 100, maxDelayMs: 60_000,
    });
    r.add(1);
    r.add(2);
    r.add(3);
    await r.drain(); // does not wait out maxDelayMs
    expect(written).toEqual([[1, 2, 3]]);
    await r.drain(); // nothing queued: returns
    expect(written).toEqual([[1, 2, 3]]);
  });

  it('outcomes added while a batch is being written go together into the next one; maxBatch splits', async () => {
    const w = manualWrites();
    const r = createOutcomeRecorder<number>({ write: w.write, onFailure: async () => {}, maxBatch: 3, maxDelayMs: 0 });
    r.add(1);
    while (w.calls.length < 1) await tick();
    for (const i of [2, 3, 4, 5, 6, 7]) r.add(i);
    w.calls[0]!.done();
    while (w.calls.length < 2) await tick();
    w.calls[1]!.done();
    while (w.calls.length < 3) await tick();
    w.calls[2]!.done();
    await r.drain();
    expect(w.calls.map((c) => c.batch)).toEqual([[1], [2, 3, 4], [5, 6, 7]]);
  });

  it('a full batch is written without waiting for the delay', async () => {
    const w = manualWrites();
    const r = createOutcomeRecorder<number>({ write: w.write, onFailure: async () => {}, maxBatch: 2, maxDelayMs: 60_000 });
    r.add(1);
    r.add(2);
    while (w.calls.length < 1) await tick();
    expect(w.calls[0]!.batch).toEqual([1, 2]);
    w.calls[0]!.done();
    await r.drain();
  });

  it('a batch that fails goes whole to onFailure; the rest are still written; drain never rejects', async () => {
    const w = manualWrites();
    const failed: { batch: number[]; error: string }[] = [];
    const r = createOutcomeRecorder<number>({
      write: w.write, maxBatch: 10, maxDelayMs: 0,
      onFailure: async (batch, error) => void failed.push({ batch: [...batch], error: (error as Error).message }),
    });
    r.add(1);
    r.add(2);
    while (w.calls.length < 1) await tick();
    r.add(3);
    w.calls[0]!.fail(new Error('disk full'));
    while (w.calls.length < 2) await tick();
    w.calls[1]!.done();
    await expect(r.drain()).resolves.toBeUndefined();
    expect(failed).toEqual([{ batch: [1, 2], error: 'disk full' }]);
    expect(w.calls.map((c) => c.batch)).toEqual([[1, 2], [3]]);
  });

  it('an onFailure that throws does not lose the queue or make drain reject', async () => {
    const written: number[][] = [];
    let first = true;
    const r = createOutcomeRecorder<number>({
      write: async (b) => {
        if (first) {
          first = false;
          throw new Error('once');
        }
        written.push([...b]);
      },
      onFailure: async () => {
        throw new Error('marking failed too');
      },
      maxBatch: 1, maxDelayMs: 0,
    });
    r.add(1);
    r.add(2);
    await expect(r.drain()).resolves.toBeUndefined();
    expect(written).toEqual([[2]]);
  });

  it('an item added just as a write loop ends is not stranded: drain writes it', async () => {
    const written: number[][] = [];
    const r = createOutcomeRecorder<number>({ write: async (b) => void written.push([...b]), onFailure: async () => {}, maxBatch: 10, maxDelayMs: 0 });
    for (let i = 0; i < 50; i++) {
      r.add(i);
      if (i % 7 === 0) await tick();
      if (i % 11 === 0) await Promise.resolve();
    }
    await r.drain();
    expect(written.flat()).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
