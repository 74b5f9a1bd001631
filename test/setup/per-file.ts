/**
 * vitest setupFiles: runs before every test file. The suite runs without
 * isolation (vitest.config.ts): modules are imported once per worker, so
 * what a helper module sets up per file is released here, after each file.
 */
import { afterAll } from 'vitest';
import { afterTestFile } from '../helpers/harness-db.js';

afterAll(afterTestFile);
