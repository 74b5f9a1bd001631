/**
 * Simulator of the org-user-management API (paths as fixed in NOTES.md),
 * served under a prefix (default /v1; the returned `url` includes it).
 */
import { randomUUID } from 'node:crypto';
import { createSimServer, type SimBase, type SimRequest } from './server.js';
import {
  detail,
  parseIntStrict,
  SlidingWindow,
  type RateSpec,
  type RequestLogEntry,
  type RetryAfterMode,
  type SimReply,
} from './http-util.js';
import { Table, type Row } from './table.js';

export const ORG_ROLES = ['admin', 'developer', 'analyst'] as const;

export interface OrgSimUser {
  id: string;
  email: string;
  name: string;
  roles: string[];
}

export interface OrgInfo {
  created_at: string;
  id: string;
  name: string;
  short_name: string;
  updated_at: string;
}

export interface OrgSimOptions {
  token: string;
  /** Path prefix; default '/v1'. '' for none. */
  prefix?: string;
  /** Limit on every request. Default null. */
  rate?: RateSpec | null;
  latencyMs?: number;
  port?: number;
  forbid?: boolean;
  retryAfterMode?: RetryAfterMode;
  /** Clock (ms since epoch) of the request log, rate windows and Retry-After dates. Default Date.now. */
  now?: () => number;
  onRequest?: (entry: Readonly<RequestLogEntry>) => void;
  /** Called before each list page is served (after auth, faults and rate limits). */
  onPage?: (pageNumber: number) => void | Promise<void>;
  organization?: Partial<OrgInfo>;
  /** Answer of GET /users/me. */
  me?: OrgSimUser;
  /**
   * Whether list items carry `roles` (the reference shows them only on
   * get-user-by-id): 'included' (default), 'omitted', or 'mixed' (every
   * second item without). GET organization/users/{id} always serves them.
   */
  listRoles?: OrgListRoles;
  /** What a list page's `count` counts: every user (default) or the items of that page. */
  countMeans?: OrgCountMeans;
}

export type OrgListRoles = 'included' | 'omitted' | 'mixed';
export type OrgCountMeans = 'total' | 'page';

export interface OrgSim extends SimBase {
  /** Add users, filling missing id (uuid), name ('') and roles ([]). Returns copies. */
  seed(users: Partial<OrgSimUser>[]): OrgSimUser[];
  /** Add items served verbatim (invalid records: no email, roles as a string...). */
  seedRaw(items: unknown[]): void;
  /** Current items in list order (copies; raw items as they were seeded). */
  users(): OrgSimUser[];
  byEmail(email: string): OrgSimUser | undefined;
  byId(id: string): OrgSimUser | undefined;
  /** Remove an item by id or email. Returns whether one was removed. */
  remove(idOrEmail: string): boolean;
  clear(): void;
  /** Make `count` report n instead of the real total (null: tell the truth). */
  setCountOverride(n: number | null): void;
  /** Replace the before-list-page hook (null removes it). */
  onPage(hook: ((pageNumber: number) => void | Promise<void>) | null): void;
  /** Switch whether list items carry `roles` (see OrgSimOptions.listRoles). */
  setListRoles(mode: OrgListRoles): void;
  /** Switch what `count` counts (see OrgSimOptions.countMeans). */
  setCountMeans(mode: OrgCountMeans): void;
}

const USER_PATH = /^\/organization\/users\/([^/]+)$/;
const ROLES_PATH = /^\/organization\/users\/([^/]+)\/roles$/;
const RESET_PATH = /^\/organization\/users\/([^/]+)\/reset-password$/;
const NAME_SEARCH = /^[a-zA-Z ]{3,}$/;

function copy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(copy) as T;
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = copy(x);
    return out as T;
  }
  return v;
}

const field = (v: unknown, k: string): unknown =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;

function validRoles(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((r) => typeof r === 'string' && (ORG_ROLES as readonly string[]).includes(r));
}

export async function startOrgSim(opts: OrgSimOptions): Promise<OrgSim> {
  const limiter = opts.rate ? new SlidingWindow(opts.rate) : null;
  const table = new Table<unknown>((u) => field(u, 'id'), (u) => field(u, 'email'));
  let countOverride: number | null = null;
  let pageHook = opts.onPage ?? null;
  let listRoles: OrgListRoles = opts.listRoles ?? 'included';
  let countMeans: OrgCountMeans = opts.countMeans ?? 'total';
  const org: OrgInfo = {
    created_at: '2019-08-24T14:15:22Z',
    id: '497f6eca-6276-4993-bfeb-53cbbbba6f08',
    name: 'Example Org',
    short_name: 'example',
    updated_at: '2019-08-24T14:15:22Z',
    ...opts.organization,
  };
  const me: OrgSimUser = opts.me ?? {
    email: 'sync-bot@example.com',
    id: 'me',
    name: 'Sync Bot',
    roles: ['admin'],
  };

  async function list(q: URLSearchParams): Promise<SimReply> {
    const pn = q.get('page_number');
    const page = pn === null ? 1 : parseIntStrict(pn, 1);
    if (page === null) return detail(400, 'page_number must be an integer >= 1');
    const ps = q.get('page_size');
    const asked = ps === null ? 100 : parseIntStrict(ps, 0);
    if (asked === null) return detail(400, 'page_size must be an integer between 0 and 100');
    const size = Math.min(asked, 100);
    const search = q.get('name_search');
    if (search !== null && !NAME_SEARCH.test(search)) {
      return detail(400, 'name_search must match ^[a-zA-Z ]{3,}$');
    }
    if (pageHook) await pageHook(page);
    let rows: readonly Row<unknown>[] = table.live();
    if (search !== null) {
      const s = search.toLowerCase();
      rows = rows.filter((r) => {
        const name = field(r.value, 'name');
        return typeof name === 'string' && name.toLowerCase().includes(s);
      });
    }
    const start = (page - 1) * size;
    const items = size === 0 ? [] : rows.slice(start, start + size).map((r, i) => listItem(r.value, start + i));
    return {
      status: 200,
      json: { count: countOverride ?? (countMeans === 'page' ? items.length : rows.length), items },
    };
  }

  /** A list item as served: without `roles` when the list leaves them out (item `position` in the whole list). */
  function listItem(value: unknown, position: number): unknown {
    const omit = listRoles === 'omitted' || (listRoles === 'mixed' && position % 2 === 1);
    if (!omit || typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const { roles: _roles, ...rest } = value as Record<string, unknown>;
    return rest;
  }

  function invite(body: unknown): SimReply {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return detail(400, 'body must be an object {connection, email, name, roles}');
    }
    const b = body as Record<string, unknown>;
    const connection = b.connection === undefined ? 'google-oauth2' : b.connection;
    if (connection !== null && connection !== 'google-oauth2') {
      return detail(400, 'connection must be "google-oauth2" or null');
    }
    if (typeof b.email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(b.email.trim())) {
      return detail(400, 'email is required and must be an email address');
    }
    if (typeof b.name !== 'string') return detail(400, 'name is required');
    if (!validRoles(b.roles)) return detail(400, 'roles must be an array of admin / developer / analyst');
    if (table.getByEmail(b.email)) return detail(409, 'a user with this email already exists');
    const user: OrgSimUser = { email: b.email.trim(), id: randomUUID(), name: b.name, roles: [...b.roles] };
    table.add(user);
    return { status: 201, json: user };
  }

  async function handler(req: SimRequest): Promise<SimReply> {
    const { method, route } = req;
    if (route === '/organization') return method === 'GET' ? { status: 200, json: org } : detail(404, 'Not found.');
    if (route === '/users/me') return method === 'GET' ? { status: 200, json: me } : detail(404, 'Not found.');
    if (route === '/organization/users') return method === 'GET' ? list(req.query) : detail(404, 'Not found.');
    if (route === '/organization/users/invite' && method === 'POST') return invite(req.body);
    let m = ROLES_PATH.exec(route);
    if (m && method === 'PUT') {
      const row = table.get(decodeURIComponent(m[1]));
      if (!row) return detail(404, 'user not found');
      if (!validRoles(req.body)) return detail(400, 'body must be an array of admin / developer / analyst');
      (row.value as OrgSimUser).roles = [...req.body];
      return { status: 204 };
    }
    m = RESET_PATH.exec(route);
    if (m && method === 'POST') {
      return table.get(decodeURIComponent(m[1])) ? { status: 204 } : detail(404, 'user not found');
    }
    m = USER_PATH.exec(route);
    if (m && (method === 'GET' || method === 'DELETE')) {
      const row = table.get(decodeURIComponent(m[1]));
      if (!row) return detail(404, 'user not found');
      if (method === 'GET') return { status: 200, json: row.value };
      table.remove(row);
      return { status: 204 };
    }
    return detail(404, 'Not found.');
  }

  const base = await createSimServer(
    {
      token: opts.token,
      prefix: opts.prefix ?? '/v1',
      port: opts.port,
      latencyMs: opts.latencyMs,
      forbid: opts.forbid,
      retryAfterMode: opts.retryAfterMode,
      onRequest: opts.onRequest,
      ...(opts.now ? { now: opts.now } : {}),
      limiterFor: () => limiter,
      handler,
    },
    () => (limiter ? [limiter] : []),
  );

  const get = (r: Row<unknown> | undefined) => (r ? (copy(r.value) as OrgSimUser) : undefined);
  return Object.assign(base, {
    seed: (users: Partial<OrgSimUser>[]) =>
      users.map((u) => {
        const user = { email: u.email, id: u.id ?? randomUUID(), name: u.name ?? '', roles: u.roles ?? [] } as OrgSimUser;
        for (const k in u) if (!(k in user)) (user as unknown as Record<string, unknown>)[k] = (u as Record<string, unknown>)[k];
        table.add(user);
        return copy(user);
      }),
    seedRaw: (items: unknown[]) => {
      for (const it of items) table.add(it);
    },
    users: () => table.live().map((r) => copy(r.value) as OrgSimUser),
    byEmail: (email: string) => get(table.getByEmail(email)),
    byId: (id: string) => get(table.get(id)),
    remove: (idOrEmail: string) => {
      const r = table.get(idOrEmail) ?? table.getByEmail(idOrEmail);
      if (r) table.remove(r);
      return r !== undefined;
    },
    clear: () => table.clear(),
    setCountOverride: (n: number | null) => {
      countOverride = n;
    },
    onPage: (hook: ((pageNumber: number) => void | Promise<void>) | null) => {
      pageHook = hook;
    },
    setListRoles: (mode: OrgListRoles) => {
      listRoles = mode;
    },
    setCountMeans: (mode: OrgCountMeans) => {
      countMeans = mode;
    },
  });
}
