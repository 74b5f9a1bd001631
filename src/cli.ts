#!/usr/bin/env node
/** Entry point: parse input, hand over to main(), map signals and exit codes. */
import { main } from './cli/main.js';

const controller = new AbortController();
let signals = 0;
const onSignal = (signal: NodeJS.Signals) => {
  signals++;
  if (signals > 1) process.exit(130);
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
// The daemon may leave timers or sockets behind after a forced shutdown; its work is recorded.
if (process.argv[2] === 'daemon') setTimeout(() => process.exit(code), 200).unref();
