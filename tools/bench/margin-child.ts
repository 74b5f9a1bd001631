/**
 * Benchmark child: the write phase alone through the HTTP client and the
 * Secoda adapter, with a given gate margin. Prints one JSON line.
 *
 *   node build/tools/bench/margin-child.js <secoda-url> <api-key> <users> <margin-ms> <role>
 *     PATCHes users m-0 .. m-(n-1) to <role>, 4 at a time, writes gated at 20/s.
 */
import { createSecodaAdapter } from '../../src/adapters/secoda.js';
import { createHttpClient } from '../../src/http/client.js';

const [url = '', key = '', users = '0', margin = '0', role = 'editor'] = process.argv.slice(2);
const n = Number(users);
const client = createHttpClient({
  api: 'secoda', baseUrl: url, token: key, timeoutMs: 30_000, retryLimit: 5,
  readRate: { limit: 10, windowMs: 1000 }, writeRate: { limit: 20, windowMs: 1000 }, concurrency: 4, gateMarginMs: Number(margin),
});
const secoda = createSecodaAdapter(client);
let next = 0;
const t0 = performance.now();
await Promise.all(Array.from({ length: 4 }, async () => {
  while (next < n) await secoda.setRole(`m-${next++}`, role);
}));
process.stdout.write(`${JSON.stringify({ ms: performance.now() - t0 })}\n`);
client.close();
