/**
 * The embedded database on a thread of its own. PGlite is Postgres compiled
 * to WASM: in the process's main thread, every statement it runs — booting,
 * a first run's 40,000 snapshot rows, each batch of write outcomes — is time
 * the run's reads, planning and writes wait for. On its own thread those
 * statements run beside them, on another core (bench `changes`: the
 * 2,000-change first run 0.12-0.16 s sooner, medians of alternated runs;
 * the cost is a second V8 isolate, ~40 MB more peak RSS on 100k x 100k).
 *
 * `openPgliteThread` answers at once (statements wait for the start) and
 * `startPgliteThread` once started, a client with the part of PGlite's interface
 * that drizzle's PGlite driver and this store use: `query`, `exec`,
 * `transaction`, `close`, `closed`. Like PGlite it has one connection: a
 * transaction holds it, and every other statement waits until it ends.
 * What cannot cross threads is dropped on the way: result parsers (drizzle's
 * keep some types as text, which is what the thread is told), and an
 * error's bound parameters.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PGliteOptions, QueryOptions, Results, Transaction } from '@electric-sql/pglite';
import { PGLITE_WORKER_SOURCE } from './pglite-worker.js';

export interface PgliteClient {
  readonly closed: boolean;
  /** Resolves, with why, if the thread dies (never after close()): nothing can be asked of it again. */
  readonly stopped: Promise<string>;
  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
  exec(sql: string): Promise<Results[]>;
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

type Reply = { id: number; result?: unknown; error?: Record<string, unknown> };
type First = { ready: boolean; error?: Record<string, unknown> };

/**
 * Starts PGlite with `options` on a new thread; rejects with PGlite's own error when it cannot start.
 * `program`: the thread's source (tests give one that dies, to see what a crash does to the statements).
 */
export async function startPgliteThread(options: PGliteOptions, program = PGLITE_WORKER_SOURCE): Promise<PgliteClient> {
  const client = openPgliteThread(options, program);
  await client.ready;
  return client;
}

/**
 * Starts PGlite on a new thread and answers the client at once: statements
 * sent while it starts wait for it (they are the first in line), and if it
 * cannot start they fail with why, as `ready` does. Who starts it has its
 * own work to do meanwhile (a one-shot run reads the org: see store/open.ts).
 */
export function openPgliteThread(options: PGliteOptions, program = PGLITE_WORKER_SOURCE): PgliteClient & { readonly ready: Promise<void> } {
  return new ThreadClient(new Worker(program, { eval: true, workerData: { pglite: pgliteModuleUrl(), options } }));
}

class ThreadClient implements PgliteClient {
  #closed = false;
  /** Why the thread is gone, once it is (it could not start, a crash, or close()). */
  #gone: Error | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  /** The connection: each statement outside a transaction, and each transaction, holds it in turn; the start first. */
  #turn: Promise<void>;
  #died!: (why: string) => void;
  readonly stopped = new Promise<string>((resolve) => (this.#died = resolve));
  /** Resolves once the database has started; rejects with why it could not (the thread has then ended). */
  readonly ready: Promise<void>;

  constructor(private readonly worker: Worker) {
    let started = false;
    let startedOk!: () => void;
    let startFailed!: (err: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => ((startedOk = resolve), (startFailed = reject)));
    const failStart = (err: Error) => {
      if (started || this.#gone) return;
      this.#gone = err;
      this.#closed = true;
      startFailed(err);
      void worker.terminate();
    };
    worker.once('message', (first: First) => {
      if (!first.ready) return failStart(errorFrom(first.error ?? {}));
      started = true;
      // Idle, the thread does not keep the process alive (in-process PGlite did not either).
      worker.unref();
      startedOk();
    });
    // Statements wait for the start; if it fails, #send answers each with its error.
    this.#turn = this.ready.catch(() => {});
    worker.on('message', (m: Reply) => {
      const waiting = this.#pending.get(m.id);
      if (!waiting) return;
      this.#pending.delete(m.id);
      if (this.#pending.size === 0) worker.unref();
      if (m.error) waiting.reject(errorFrom(m.error));
      else waiting.resolve(m.result);
    });
    const stopped = (why: string) => {
      if (!this.#gone) {
        this.#gone = new Error(`the embedded database's thread stopped: ${why}`);
        this.#died(this.#gone.message);
      }
      this.#closed = true;
      for (const waiting of this.#pending.values()) waiting.reject(this.#gone);
      this.#pending.clear();
    };
    worker.on('error', (e) => (started ? stopped(e.message) : failStart(e)));
    worker.on('exit', (code) =>
      started ? stopped(`exited with code ${code}`) : failStart(new Error(`the embedded database's thread exited (code ${code}) while starting`)));
  }

  get closed(): boolean {
    return this.#closed;
  }

  query<T>(sql: string, params: unknown[] = [], options: QueryOptions = {}): Promise<Results<T>> {
    return this.#inTurn(() => this.#query<T>(sql, params, options));
  }

  exec(sql: string): Promise<Results[]> {
    return this.#inTurn(() => this.#send<Results[]>({ kind: 'exec', sql }));
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.#inTurn(async () => {
      let ended = false;
      const open = () => {
        if (ended) throw new Error('the transaction has ended');
      };
      const tx = {
        query: async <R>(sql: string, params: unknown[] = [], options: QueryOptions = {}) => (open(), this.#query<R>(sql, params, options)),
        exec: async (sql: string) => (open(), this.#send<Results[]>({ kind: 'exec', sql })),
        rollback: async () => {
          open();
          await this.#send({ kind: 'exec', sql: 'ROLLBACK' });
          ended = true;
        },
        get closed() {
          return ended;
        },
      } as unknown as Transaction;
      await this.#send({ kind: 'exec', sql: 'BEGIN' });
      try {
        const result = await fn(tx);
        if (!ended) await this.#send({ kind: 'exec', sql: 'COMMIT' });
        ended = true;
        return result;
      } catch (err) {
        if (!ended) await this.#send({ kind: 'exec', sql: 'ROLLBACK' }).catch(() => {});
        ended = true;
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // After the statements already waiting: PGlite closes cleanly (its files complete) before the thread ends.
    await this.#inTurn(() => this.#send({ kind: 'close' }), true).catch(() => {});
    this.#gone ??= new Error('the embedded database is closed');
    await this.worker.terminate();
  }

  #query<T>(sql: string, params: unknown[], options: QueryOptions): Promise<Results<T>> {
    // drizzle's parsers only keep types as text: the thread is told which.
    const textTypes = Object.keys(options.parsers ?? {}).map(Number);
    return this.#send<Results<T>>({ kind: 'query', sql, params, rowMode: options.rowMode ?? 'object', textTypes });
  }

  #send<T>(message: Record<string, unknown>): Promise<T> {
    if (this.#gone) return Promise.reject(this.#gone);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      if (this.#pending.size === 0) this.worker.ref();
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, ...message });
    });
  }

  #inTurn<T>(fn: () => Promise<T>, closing = false): Promise<T> {
    if (this.#closed && !closing) return Promise.reject(this.#gone ?? new Error('the embedded database is closed'));
    const before = this.#turn;
    let done!: () => void;
    this.#turn = new Promise<void>((resolve) => (done = resolve));
    return before.then(fn).finally(done);
  }
}

/**
 * PGlite's ES module, as its package.json declares it: the build this process's own imports load (and
 * ~40 ms quicker to load than the CommonJS one). Found from the CommonJS entry, since require.resolve
 * works wherever these sources run (tests run them without import.meta.resolve).
 */
function pgliteModuleUrl(): string {
  const main = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  let dir = dirname(main);
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { exports?: { '.'?: { import?: { default?: string } } } };
  const entry = pkg.exports?.['.']?.import?.default;
  return pathToFileURL(entry ? join(dir, entry) : main).href;
}

/** An Error with the fields that crossed the thread (PGlite's `code`, `detail`, ...). */
function errorFrom(fields: Record<string, unknown>): Error {
  const { message, name, ...rest } = fields;
  const err = Object.assign(new Error(typeof message === 'string' ? message : 'unknown error'), rest);
  if (typeof name === 'string') err.name = name;
  return err;
}
