/**
 * The program of the embedded database's thread (./pglite-thread.ts): it
 * starts PGlite in the data directory and answers one message at a time.
 *
 * Kept as source text and run with `eval`, not as a module file of its own:
 * the same text then runs from the TypeScript sources (tests), from tsc's
 * output and from the bundled CLI, whose chunks move modules around. PGlite
 * is imported by the URL the main thread resolved, so the thread finds the
 * very package the process uses whatever its working directory.
 *
 * Messages in: `{ id, kind: 'query', sql, params, rowMode, textTypes }`,
 * `{ id, kind: 'exec', sql }`, `{ id, kind: 'close' }`. Out: first
 * `{ ready: true }` or `{ ready: false, error }`, then `{ id, result }` or
 * `{ id, error }` for each message. An error crosses as its own string and
 * number fields (SQLSTATE `code`, `detail`, ...), never its bound parameters (an array: only string and number fields cross).
 */
export const PGLITE_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const keepAsText = (value) => value;
// Emscripten's file system throws { name: 'ErrnoError', errno } with numbers of its own (no message).
const ERRNO = { 2: 'EACCES', 20: 'EEXIST', 31: 'EISDIR', 44: 'ENOENT', 51: 'ENOSPC', 54: 'ENOTDIR', 63: 'EPERM', 69: 'EROFS' };
const errorOf = (e) => {
  const out = { name: 'Error', message: String(e) };
  if (e && typeof e === 'object') {
    for (const [k, v] of Object.entries(e)) {
      if (typeof v === 'string' || typeof v === 'number') out[k] = v;
    }
    out.name = typeof e.name === 'string' ? e.name : 'Error';
    if (typeof e.message === 'string') out.message = e.message;
    else if (e.name === 'ErrnoError') {
      out.code = ERRNO[e.errno] || 'errno ' + e.errno;
      out.message = 'the file system refused (' + out.code + ')';
    }
  }
  return out;
};
(async () => {
  let db;
  try {
    const { PGlite } = await import(workerData.pglite);
    db = await PGlite.create(workerData.options);
  } catch (e) {
    parentPort.postMessage({ ready: false, error: errorOf(e) });
    return;
  }
  parentPort.postMessage({ ready: true });
  parentPort.on('message', async (m) => {
    try {
      let result = null;
      if (m.kind === 'close') await db.close();
      else if (m.kind === 'exec') result = await db.exec(m.sql);
      else {
        const parsers = {};
        for (const oid of m.textTypes) parsers[oid] = keepAsText;
        result = await db.query(m.sql, m.params, { rowMode: m.rowMode, parsers });
      }
      parentPort.postMessage({ id: m.id, result });
    } catch (e) {
      parentPort.postMessage({ id: m.id, error: errorOf(e) });
    }
  });
})();
`;
