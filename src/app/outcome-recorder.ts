/**
 * Write outcomes into the database in batches (group commit).
 *
 * Recording each outcome on its own cost two statements per write; on PGlite
 * a statement runs on the process's only thread, and at a few ms of latency
 * the apply was CPU-bound, a third of it recording (issue 9, profiled). Here
 * an outcome is queued and written with the others that come within
 * `maxDelayMs` (or as soon as `maxBatch` are queued); while a batch is being
 * written, the next one gathers. A batch is one transaction whatever its
 * size, so a fast apply pays a commit per few dozen outcomes instead of two
 * statements per outcome; a slow one records each outcome a few ms late.
 *
 * The guarantees of recording one by one hold: `drain()` returns only once
 * every outcome queued before it is written or its failure handled (apply
 * drains at the end of each phase, so no run ends with an outcome in
 * memory); a batch that cannot be written goes to `onFailure` whole (the
 * transaction left none of it), which marks its actions. A process killed
 * with outcomes queued leaves those actions `planned` and the run `running`:
 * the next run marks it abandoned and reads Secoda in full, as after a kill
 * between a write and its record (test/faults/crash.test.ts).
 */
export interface OutcomeRecorder<T> {
  add(item: T): void;
  /** Resolves once everything added so far is written or handed to onFailure. Never rejects. */
  drain(): Promise<void>;
}

export interface OutcomeRecorderOptions<T> {
  /** Writes one batch, all or nothing. */
  write(batch: T[]): Promise<void>;
  /** A batch `write` failed on: none of it was written. Must not throw. */
  onFailure(batch: T[], error: unknown): Promise<void>;
  /** Most items in one write (bounds one statement's JSON parameter). */
  maxBatch: number;
  /** Longest an outcome waits for others to join its batch (drain() does not wait). */
  maxDelayMs: number;
}

export function createOutcomeRecorder<T>(o: OutcomeRecorderOptions<T>): OutcomeRecorder<T> {
  const maxBatch = Math.max(1, Math.floor(o.maxBatch));
  let queue: T[] = [];
  /** performance.now() when the oldest queued item was added. */
  let oldestAt = 0;
  let writing: Promise<void> | null = null;
  /** Ends the current gathering wait early (the batch is full, or drain() was called). */
  let wake: (() => void) | null = null;
  let draining = 0;

  async function writeAll(): Promise<void> {
    // Never inside add(): the request that follows an outcome goes out before its batch is written.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (queue.length > 0) {
      // Gather: PGlite runs a transaction's statements without letting HTTP answers in, so outcomes
      // join a batch only while none is being written. A commit costs more than a row: wait a little.
      const left = o.maxDelayMs - (performance.now() - oldestAt);
      if (queue.length < maxBatch && draining === 0 && left > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            wake = null;
            resolve();
          }, left);
          wake = () => {
            clearTimeout(timer);
            wake = null;
            resolve();
          };
        });
      }
      const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
      queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
      oldestAt = performance.now();
      try {
        await o.write(batch);
      } catch (error) {
        await o.onFailure(batch, error).catch(() => {});
      }
    }
  }

  // An item added after writeAll's last look at the queue, before it settled, is taken by the next one.
  function kick(): void {
    if (writing || queue.length === 0) return;
    writing = writeAll().finally(() => {
      writing = null;
      kick();
    });
  }

  return {
    add(item) {
      if (queue.length === 0) oldestAt = performance.now();
      queue.push(item);
      if (queue.length >= maxBatch) wake?.();
      kick();
    },
    async drain() {
      draining++;
      try {
        wake?.();
        while (writing) await writing;
      } finally {
        draining--;
      }
    },
  };
}
