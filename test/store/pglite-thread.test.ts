/**
 * The embedded database on its own thread (src/store/pglite-thread.ts): one
 * connection, as PGlite's — a transaction holds it and every other statement
 * waits for it to end; commit and rollback; errors keep PGlite's SQLSTATE
 * and message but not the bound parameters; closing ends the thread with
 * the data on disk; a database that cannot start says why.
 * The store's own tests run on it too (test/helpers/db.ts opens stores the
 * way the CLI does).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { pgliteOptions, pgliteStore } from '../../src/store/open.js';
import { openPgliteThread, startPgliteThread, type PgliteClient } from '../../src/store/pglite-thread.js';
import { copyPgliteTemplate, suiteScratchDir } from '../helpers/pglite-template.js';

const base = mkdtempSync(join(await suiteScratchDir(), 'sus-thread-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

let n = 0;
async function open(): Promise<{ client: PgliteClient; dir: string }> {
  const dir = join(base, `db-${n++}`);
  await copyPgliteTemplate(dir);
  const client = await startPgliteThread(pgliteOptions(dir));
  await client.exec('create table t (id int primary key, note text)');
  return { client, dir };
}

const count = async (c: PgliteClient) => Number((await c.query<{ n: number }>('select count(*)::int as n from t')).rows[0]!.n);

describe('PGlite on its own thread', () => {
  it('commits a transaction, and a statement sent meanwhile waits for it to end', async () => {
    const { client } = await open();
    try {
      let outsideSent!: () => void;
      const sent = new Promise<void>((r) => (outsideSent = r));
      let outsideAnswered = false;
      let answeredBeforeCommit: boolean | undefined;
      const tx = client.transaction(async (t) => {
        await t.query('insert into t values ($1, $2)', [1, 'one']);
        await sent;
        // The thread answers in the order it was asked: had the statement outside gone ahead, its
        // answer would be back before this one's.
        const inside = (await t.query<{ n: number }>('select count(*)::int as n from t')).rows[0]!.n;
        answeredBeforeCommit = outsideAnswered;
        return inside;
      });
      const outside = count(client).then((v) => ((outsideAnswered = true), v));
      outsideSent();
      expect(await tx).toBe(1);
      expect(answeredBeforeCommit).toBe(false);
      // Run after the commit, never inside the transaction.
      expect(await outside).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('rolls back a transaction whose callback throws, or that rolls back itself', async () => {
    const { client } = await open();
    try {
      await expect(client.transaction(async (t) => {
        await t.query('insert into t values (1, $1)', ['a']);
        throw new Error('changed my mind');
      })).rejects.toThrow('changed my mind');
      await client.transaction(async (t) => {
        await t.query('insert into t values (2, $1)', ['b']);
        await t.rollback();
        expect(t.closed).toBe(true);
        await expect(t.query('select 1')).rejects.toThrow('the transaction has ended');
      });
      expect(await count(client)).toBe(0);
      // The connection is usable after both.
      await client.query('insert into t values (3, $1)', ['c']);
      expect(await count(client)).toBe(1);
    } finally {
      await client.close();
    }
  });

  it("answers rows as objects or arrays, keeping the types it is told to as text", async () => {
    const { client } = await open();
    try {
      const at = '2024-02-03 04:05:06.789+00';
      const objects = await client.query<{ n: number; at: unknown; tags: string[] }>(
        "select 1::int as n, $1::timestamptz as at, array['a','b'] as tags", [at],
      );
      expect(objects.rows).toEqual([{ n: 1, at: expect.any(Date), tags: ['a', 'b'] }]);
      const texts = await client.query<unknown[]>('select $1::timestamptz as at', [at], { rowMode: 'array', parsers: { 1184: (v: string) => v } });
      expect(texts.rows).toEqual([[at]]);
      expect(texts.fields.map((f) => f.name)).toEqual(['at']);
    } finally {
      await client.close();
    }
  });

  it("fails a statement with PGlite's code and message, without the bound parameters, and goes on", async () => {
    const { client } = await open();
    try {
      await client.query('insert into t values (1, $1)', ['first']);
      const err = await client.query('insert into t values (1, $1)', ['secret-looking value']).catch((e: unknown) => e as Record<string, unknown>);
      expect(err).toBeInstanceOf(Error);
      expect(err).toMatchObject({ code: '23505', message: expect.stringContaining('duplicate key') });
      expect(err).not.toHaveProperty('params');
      expect(JSON.stringify(err)).not.toContain('secret-looking value');
      expect(await count(client)).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('closes with its data on disk, then refuses statements; closing twice is harmless', async () => {
    const { client, dir } = await open();
    await client.query('insert into t values (7, $1)', ['kept']);
    await client.close();
    await client.close();
    expect(client.closed).toBe(true);
    await expect(client.query('select 1')).rejects.toThrow('the embedded database is closed');
    const again = await PGlite.create(pgliteOptions(dir));
    try {
      expect((await again.query('select id, note from t')).rows).toEqual([{ id: 7, note: 'kept' }]);
    } finally {
      await again.close();
    }
  });

  it('cannot start on a data directory that is a file, and says so', async () => {
    const file = join(base, 'not-a-directory');
    writeFileSync(file, 'x');
    await expect(startPgliteThread(pgliteOptions(file))).rejects.toMatchObject({ code: 'ENOTDIR', message: 'the file system refused (ENOTDIR)' });
  });

  it('answers at once: statements sent while it starts run once it has, in the order sent', async () => {
    const dir = join(base, `db-${n++}`);
    await copyPgliteTemplate(dir);
    const client = openPgliteThread(pgliteOptions(dir));
    let started = false;
    void client.ready.then(() => (started = true));
    try {
      const answers = [
        client.exec('create table t (id int primary key)'),
        client.query('insert into t values (1), (2)'),
        client.transaction(async (tx) => (await tx.query<{ n: number }>('select count(*)::int as n from t')).rows[0]!.n),
      ];
      expect(started).toBe(false);
      await Promise.all(answers);
      expect(await answers[2]).toBe(2);
      expect(started).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('that cannot start fails the statements sent meanwhile with why, as its `ready` does', async () => {
    const file = join(base, 'not-a-directory-either');
    writeFileSync(file, 'x');
    const client = openPgliteThread(pgliteOptions(file));
    const sent = client.query('select 1');
    await expect(client.ready).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(sent).rejects.toMatchObject({ code: 'ENOTDIR', message: 'the file system refused (ENOTDIR)' });
    await expect(client.exec('select 1')).rejects.toMatchObject({ code: 'ENOTDIR' });
    expect(client.closed).toBe(true);
    await client.close();
  });
});

describe('a thread that dies', () => {
  it('fails the statement it was running and every later one with why, and closes without waiting', async () => {
    // A stand-in program: ready at once, then gone at the first statement (as a WASM abort would end it).
    const dies = `
      const { parentPort } = require('node:worker_threads');
      parentPort.postMessage({ ready: true });
      parentPort.on('message', () => process.exit(3));
    `;
    const client = await startPgliteThread(pgliteOptions(join(base, 'unused')), dies);
    const store = await pgliteStore(client);
    await expect(client.query('select 1')).rejects.toThrow("the embedded database's thread stopped: exited with code 3");
    expect(client.closed).toBe(true);
    await expect(client.transaction(async () => 1)).rejects.toThrow(/closed|stopped/);
    // The store says it is broken for good (the daemon exits on it: test/daemon/shutdown.test.ts).
    expect(await store.broken).toBe("the embedded database's thread stopped: exited with code 3");
    await client.close();
  });

  it('is not a close: a closed store is never broken', async () => {
    const { client } = await open();
    const store = await pgliteStore(client);
    await store.close();
    const settled = await Promise.race([store.broken.then(() => 'broken'), new Promise((r) => setImmediate(() => r('pending')))]);
    expect(settled).toBe('pending');
  });
});
