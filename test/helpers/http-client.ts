/** An HTTP client with fast retries and generous rates, for tests of the client and adapters. */
import { createHttpClient, type HttpClientOptions } from '../../src/http/client.js';

export function fastClient(api: 'org' | 'secoda', baseUrl: string, token: string, over: Partial<HttpClientOptions> = {}) {
  return createHttpClient({
    api,
    baseUrl,
    token,
    timeoutMs: 1000,
    readRate: { limit: 1000, windowMs: 1000 },
    writeRate: { limit: 1000, windowMs: 1000 },
    concurrency: 4,
    retryLimit: 3,
    backoffBaseMs: 5,
    rateLimitBaseMs: 50,
    authHint: api === 'org' ? 'ORG_API_TOKEN' : 'SECODA_API_KEY',
    ...over,
  });
}
