/**
 * zod for the adapters' schemas: its small build (zod/mini) with English
 * messages, and only what the schemas use (a namespace re-exported whole
 * would bundle every locale). The classic build was ~740 KB of the CLI's
 * 1.2 MB bundle and ~55 ms of every start-up (compiling it and building its
 * classes), for a handful of schemas; issues and messages are the same (both
 * builds share zod's core).
 */
import { config, pipe, transform, type ZodMiniType } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

/** The classic build's preprocess: `fn` first, its result checked by `schema`. */
export const preprocess = <S extends ZodMiniType>(fn: (v: unknown) => unknown, schema: S) => pipe(transform(fn), schema);

export {
  array, boolean, int, nonnegative, nullable, nullish, number, object, pipe, refine, string, transform, union, unknown,
  type infer, type ZodMiniType,
} from 'zod/mini';
export type { $ZodError as ZodError } from 'zod/v4/core';
