/**
 * vitest globalSetup: one migrated embedded database for the whole suite.
 * Creating one runs initdb and the migrations (seconds, and far more on a
 * busy machine); copying it takes milliseconds. Every test that wants a
 * fresh PGlite directory copies this one (test/helpers/pglite-template.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openStore } from '../../src/store/open.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = join(mkdtempSync(join(tmpdir(), 'sus-template-')), 'db');
  const store = await openStore({ dataDir: dir });
  await store.close();
  project.provide('pgliteTemplate', dir);
  return () => rmSync(dirname(dir), { recursive: true, force: true });
}
