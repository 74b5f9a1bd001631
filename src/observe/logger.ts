import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { createRequire } from 'node:module';
import type prettyFactory from 'pino-pretty';
import { makeScrubber, MASK } from './scrub.js';
import { statusLineOf } from './status-line.js';

export type { Logger };

export interface LoggerOptions {
  level: string;
  /** Readable lines (a person at a terminal) instead of JSON. */
  pretty: boolean;
  /** Values that must never be printed. */
  secrets?: readonly string[];
  /** Where lines go; stderr by default (stdout carries only the report). */
  stream?: NodeJS.WritableStream;
}

/** pino to stderr: JSON for machines, readable lines on a TTY, secrets scrubbed either way. */
export function createLogger(options: LoggerOptions): Logger {
  const target = options.stream ?? process.stderr;
  const scrub = makeScrubber(options.secrets ?? []);
  // A progress line on the same terminal is cleared before each log line and drawn again after it.
  const line = statusLineOf(target);
  const scrubbed = new Writable({
    write(chunk, _encoding, callback) {
      line.print(scrub(chunk.toString()));
      callback();
    },
  });
  const destination = options.pretty
    ? loadPretty()({ destination: scrubbed, colorize: 'isTTY' in target && Boolean((target as { isTTY?: boolean }).isTTY), ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss', sync: true })
    : scrubbed;
  return pino({ level: options.level, base: { name: 'secoda-user-sync' }, redact: { paths: ['*.headers', '*.authorization', 'headers', 'authorization'], censor: MASK } }, destination);
}

/** pino-pretty only for a person at a terminal: loading it is start-up time a scheduled or piped run does not need. */
function loadPretty(): typeof prettyFactory {
  return createRequire(import.meta.url)('pino-pretty') as typeof prettyFactory;
}
