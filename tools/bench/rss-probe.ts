/**
 * Loaded into the CLI process with `node --import` (never part of the
 * product): on exit, writes the process's peak resident set size in bytes to
 * BENCH_RSS_FILE — the whole run's peak, start-up to exit.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS * 1024)));
