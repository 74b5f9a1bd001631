/**
 * The benchmark's baseline: the sync as a first script would write it. One
 * request at a time — every page of the org, every page of Secoda, then
 * every write — each awaited before the next is sent. No snapshot, no
 * database, no safety rails, no concurrency; the rate limits are respected
 * only by the sequence itself (plus waiting out a 429's Retry-After).
 */
import { pathToFileURL } from 'node:url';

export interface NaiveOptions {
  orgUrl: string;
  orgToken: string;
  secodaUrl: string;
  secodaKey: string;
}

export interface NaiveResult {
  orgPages: number;
  secodaPages: number;
  writes: number;
  /** 429 answers waited out. */
  throttled: number;
  /** performance.now() marks. */
  startedAt: number;
  writesStartedAt: number;
  finishedAt: number;
}

const ROLE_OF: Array<[string, string]> = [['admin', 'admin'], ['developer', 'editor'], ['analyst', 'viewer']];

interface OrgItem { email: string; name?: string; roles: string[] }
interface SecodaItem { id: string; email: string; role: string; is_service_account: unknown; disabled: unknown }

const truthy = (v: unknown) => v === true || (typeof v === 'string' && v.toLowerCase() === 'true');

export async function naiveSync(o: NaiveOptions): Promise<NaiveResult> {
  let throttled = 0;
  const call = async (method: string, url: string, token: string, body?: unknown): Promise<unknown> => {
    for (;;) {
      const res = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      if (res.status === 429) {
        throttled++;
        await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? '1') * 1000));
        continue;
      }
      if (!res.ok && !(method === 'DELETE' && res.status === 404)) throw new Error(`naive: ${method} ${url}: ${res.status} ${text.slice(0, 200)}`);
      return text ? JSON.parse(text) : undefined;
    }
  };

  const startedAt = performance.now();
  const org: OrgItem[] = [];
  let orgPages = 0;
  for (let page = 1; ; page++) {
    const body = (await call('GET', `${o.orgUrl}/organization/users?page_number=${page}&page_size=100`, o.orgToken)) as { items: OrgItem[] };
    orgPages++;
    org.push(...body.items);
    if (body.items.length < 100) break;
  }
  const secoda: SecodaItem[] = [];
  let secodaPages = 0;
  for (let page: unknown = 1; page !== null && page !== 'None'; ) {
    const body = (await call('GET', `${o.secodaUrl}/api/v1/user/?page=${String(page)}`, o.secodaKey)) as {
      results: SecodaItem[];
      meta: { next_page: unknown };
    };
    secodaPages++;
    secoda.push(...body.results);
    page = body.meta.next_page;
  }

  const wanted = new Map<string, { email: string; name: string; role: string }>();
  for (const u of org) {
    const role = ROLE_OF.find(([from]) => u.roles.includes(from))?.[1] ?? 'viewer';
    wanted.set(u.email.trim().toLowerCase(), { email: u.email.trim(), name: u.name ?? '', role });
  }
  const present = new Set<string>();
  const deletes: string[] = [];
  const patches: Array<{ id: string; role: string }> = [];
  for (const u of secoda) {
    const key = u.email.trim().toLowerCase();
    present.add(key);
    const role = u.role.toLowerCase();
    if (truthy(u.is_service_account) || truthy(u.disabled) || role === 'guest') continue;
    const w = wanted.get(key);
    if (!w) deletes.push(u.id);
    else if (w.role !== role) patches.push({ id: u.id, role: w.role });
  }
  const invites = [...wanted.entries()].filter(([key]) => !present.has(key)).map(([, w]) => w);

  const writesStartedAt = performance.now();
  for (const id of deletes) await call('DELETE', `${o.secodaUrl}/api/v1/user/${id}/`, o.secodaKey);
  for (const p of patches) await call('PATCH', `${o.secodaUrl}/api/v1/user/${p.id}/`, o.secodaKey, { role: p.role });
  for (const w of invites) {
    const [first = '', ...rest] = w.name.split(' ');
    await call('POST', `${o.secodaUrl}/api/v1/user/`, o.secodaKey, { email: w.email, first_name: first, last_name: rest.join(' '), role: w.role });
  }
  return {
    orgPages, secodaPages, writes: deletes.length + patches.length + invites.length, throttled,
    startedAt, writesStartedAt, finishedAt: performance.now(),
  };
}

// As a child process of the bench (so it does not share the simulators' event loop):
//   node build/tools/bench/naive.js '<NaiveOptions as JSON>'   -> prints a NaiveResult as JSON
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await naiveSync(JSON.parse(process.argv[2] ?? '{}') as NaiveOptions);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
