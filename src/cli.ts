#!/usr/bin/env node
/** Entry point: parse input, hand over to main(), map signals and exit codes. */
import { constants } from 'node:os';
import { main } from './cli/main.js';
import { baselineWasmOnly } from './cli/wasm-tiering.js';

baselineWasmOnly();

const controller = new AbortController();
let signals = 0;
const onSignal = (signal: NodeJS.Signals) => {
  signals++;
  // The shell's convention for death by a signal: 128 + its number (SIGINT 130, SIGTERM 143).
  if (signals > 1) process.exit(128 + constants.signals[signal]);
  process.stderr.write(`\n${signal}: finishing the requests in flight, sending no new writes (again to quit at once)\n`);
  controller.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const code = await main(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
});
process.exitCode = code;
// Everything the command started has settled: exit once stdout and stderr are flushed instead of waiting
// for the runtime to tear the heap down (~30-40 ms after a large run).
const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
