/**
 * Fresh, migrated embedded databases by copying the suite's template
 * (made once by test/setup/pglite-template.ts; made here, once per test
 * process, when a file runs without that setup).
 */
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inject } from 'vitest';
import { openStore } from '../../src/store/open.js';
import '../setup/pglite-template.js';

let local: Promise<string> | undefined;

export function pgliteTemplate(): Promise<string> {
  const provided = inject('pgliteTemplate');
  if (provided) return Promise.resolve(provided);
  return (local ??= (async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sus-template-')), 'db');
    const store = await openStore({ dataDir: dir });
    await store.close();
    return dir;
  })());
}

/** Fills `dataDir` (new or empty) with a copy of the migrated template. */
export async function copyPgliteTemplate(dataDir: string): Promise<void> {
  cpSync(await pgliteTemplate(), dataDir, { recursive: true });
}

/** A directory removed after the suite (the template's parent); the system's temp directory without the globalSetup. */
export async function suiteScratchDir(): Promise<string> {
  return inject('pgliteTemplate') ? dirname(await pgliteTemplate()) : tmpdir();
}
