/**
 * Simulator of Secoda's user API (`/api/v1/user/...`), quirks included.
 * Behaviour summary: see tools/simulators/index.ts.
 *
 * Every request is checked against Secoda's published OpenAPI (a vendored
 * copy of ../shared/api/secoda-users.openapi.json: ./secoda-openapi.json),
 * so a request shape the docs do not allow fails in the tests, not in
 * production. Where the docs allow several readings, a switch picks one:
 * `patchRole`, `countMeans`.
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
import { createRequestValidator } from './openapi.js';
import SECODA_OPENAPI from './secoda-openapi.json' with { type: 'json' };
import {
  createGroupStore, GROUP_ROUTE, groupsRequestValidator, routedValidator,
  groupSimMethods, type GroupSimMethods, type GroupSimOptions,
} from './secoda-groups.js';

export const SECODA_ROLES = ['admin', 'editor', 'viewer', 'guest'] as const;
export const SECODA_WORKSPACE_ID = 'f71585fa-251c-4102-8d81-c97c57c8d435';

export interface SecodaSimUser {
  id: string;
  first_name: string;
  last_name: string;
  email: string;
  /** Stored lower-case. */
  role: string;
  workspace_id: string;
  profile_picture: string | null;
  pending: boolean;
  user_groups: string[];
  bookmarks: string[];
  workspace: string;
  is_service_account: boolean;
  service_account_count_popularity: boolean;
  last_login: string | null;
  new_feature_acknowledged: boolean;
  disabled: boolean;
}

/**
 * A user to seed. Any `role` is kept and served as given (lower-cased only
 * when it is one of SECODA_ROLES): "None", "owner", null, a custom role.
 * `email: null` is served as null ("None" with quirks). `omit` lists keys
 * left out of the record altogether (`['role']`, `['email']`).
 */
export type SecodaSeed = Omit<Partial<SecodaSimUser>, 'role' | 'email'> & {
  role?: string | null;
  email?: string | null;
  omit?: readonly string[];
} & Record<string, unknown>;

/**
 * PATCH /api/v1/user/{id} with `role`: the operation's description says the
 * role is editable, its body schema lists only the names.
 * - 'accept' (default): the description's reading — Secoda's own docs call
 *   the role editable and there is no other documented way to change it.
 * - 'reject': the schema's reading, strictly: 400 `unknown property "role"`.
 * - 'ignore': the schema's reading as a serializer that drops unknown
 *   fields would apply it: 200 with the user, role unchanged.
 */
export type PatchRoleMode = 'accept' | 'reject' | 'ignore';

/** Lists that claim more than they serve: the last `missing` users (default 1) are counted but never served. */
export interface ShortReads {
  /** How many list reads (a read starts at page 1) are short. */
  times: number | 'always';
  missing?: number;
}

export interface SecodaSimOptions {
  apiKey: string;
  /** Users per list page. Default 50. */
  pageSize?: number;
  /** Limit on POST/PATCH/PUT/DELETE. Default { limit: 30, windowMs: 60_000 }; null = none. */
  writeLimit?: RateSpec | null;
  /** Limit on GET (and other reads). Default null. */
  readLimit?: RateSpec | null;
  latencyMs?: number;
  /** Python-isms of the published samples ("None", "True", links.next elsewhere, "Editor"). Default true. */
  quirks?: boolean;
  retryAfterMode?: RetryAfterMode;
  port?: number;
  forbid?: boolean;
  /** Clock (ms since epoch) of the request log, rate windows and Retry-After dates. Default Date.now. */
  now?: () => number;
  /** Called synchronously on arrival of every request (before auth). */
  onRequest?: (entry: Readonly<RequestLogEntry>) => void;
  /** Called before each list page is served (after auth, faults and rate limits). */
  beforeList?: (page: number) => void | Promise<void>;
  /**
   * Per-user write refusals, keyed by user id or email (any case): a PATCH or
   * DELETE of that user, or a POST inviting that email, is answered with
   * `status` and `{"detail": message}` (e.g. 403 "cannot delete the
   * workspace owner"). Other writes are unaffected.
   */
  refuseWrites?: Record<string, { status: number; message: string }>;
  /** Check every request against the published OpenAPI; a violation is answered 400 (404/405 for path/method). Default true. */
  openApi?: boolean;
  patchRole?: PatchRoleMode;
  /**
   * What a list page's `count` is. 'total' (default): every user — the
   * sample's 315 users over 7 pages says so. 'page': the users on this page,
   * as the schema's "total count of items returned" can also be read.
   */
  countMeans?: 'total' | 'page';
  shortReads?: ShortReads | null;
  /** Groups (`/api/v1/auth/group`): PATCH `users` gap, pending members hidden, short group lists. See ./secoda-groups.ts. */
  groups?: GroupSimOptions;
}

export type { GroupPatchUsersMode, SecodaGroupSeed, SecodaSimGroup } from './secoda-groups.js';

export interface SecodaSim extends SimBase, GroupSimMethods {
  /** Add users (defaults filled in; extra keys are kept and served). Returns copies. */
  seed(users: SecodaSeed[]): SecodaSimUser[];
  /** Current users in list order (copies). */
  users(): SecodaSimUser[];
  byEmail(email: string): SecodaSimUser | undefined;
  byId(id: string): SecodaSimUser | undefined;
  /** Change a user in place (no validation). Returns the updated copy or undefined. */
  update(id: string, patch: Partial<SecodaSimUser>): SecodaSimUser | undefined;
  /** Remove a user by id or email. Returns whether one was removed. */
  remove(idOrEmail: string): boolean;
  clear(): void;
  /** Replace the before-list-page hook (null removes it). */
  onPage(hook: ((page: number) => void | Promise<void>) | null): void;
  setQuirks(on: boolean): void;
  /** Replace the short-read switch (null: every read complete). */
  setShortReads(spec: ShortReads | null): void;
}

const copy = (u: SecodaSimUser): SecodaSimUser => ({
  ...u,
  user_groups: [...u.user_groups],
  bookmarks: [...u.bookmarks],
});

const USER_PATH = /^\/api\/v1\/user\/([^/]+)$/;
const isSecodaRole = (r: unknown): r is string => typeof r === 'string' && (SECODA_ROLES as readonly string[]).includes(r.toLowerCase());

/** The validator for one reading of the PATCH role gap. Throws on a document it cannot fully check. */
export function secodaRequestValidator(patchRole: PatchRoleMode) {
  return createRequestValidator(SECODA_OPENAPI, {
    // The list's only request parameter; the reference shows it in links.next and meta.page, the fragments do not declare it.
    extraQuery: { 'GET /api/v1/user': ['page'] },
    ...(patchRole === 'reject' ? {} : { extraBodyProperties: { 'PATCH /api/v1/user/{id}': { role: { type: 'string' } } } }),
  });
}

export async function startSecodaSim(opts: SecodaSimOptions): Promise<SecodaSim> {
  const pageSize = opts.pageSize ?? 50;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error('pageSize must be an integer >= 1');
  const writeSpec = opts.writeLimit === undefined ? { limit: 30, windowMs: 60_000 } : opts.writeLimit;
  const writes = writeSpec ? new SlidingWindow(writeSpec) : null;
  const reads = opts.readLimit ? new SlidingWindow(opts.readLimit) : null;
  let quirks = opts.quirks ?? true;
  let beforeList = opts.beforeList ?? null;
  const patchRole = opts.patchRole ?? 'accept';
  const countMeans = opts.countMeans ?? 'total';
  let shortReads = opts.shortReads ?? null;
  let shortLeft = 0;
  let shortNow = false;
  const setShort = (spec: ShortReads | null) => {
    const missing = spec?.missing ?? 1;
    if (spec && (!Number.isInteger(missing) || missing < 1)) throw new Error('shortReads.missing must be an integer >= 1');
    if (spec && spec.times !== 'always' && (!Number.isInteger(spec.times) || spec.times < 0)) throw new Error("shortReads.times must be an integer >= 0 or 'always'");
    shortReads = spec;
    shortLeft = spec && spec.times !== 'always' ? spec.times : 0;
    shortNow = false;
  };
  setShort(shortReads);
  const validator = opts.openApi === false
    ? undefined
    : routedValidator(secodaRequestValidator(patchRole), groupsRequestValidator(opts.groups?.patchUsers ?? 'accept'));
  const table = new Table<SecodaSimUser>((u) => u.id, (u) => u.email);
  let origin = '';
  const groups = createGroupStore({
    pageSize, workspaceId: SECODA_WORKSPACE_ID, countMeans, quirks: () => quirks, origin: () => origin,
    userExists: (id) => table.get(id) !== undefined,
    isPending: (id) => table.get(id)?.value.pending ?? false,
  }, opts.groups);

  const render = (row: Row<SecodaSimUser>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...row.value };
    if (!quirks) return out;
    for (const k of Object.keys(out)) if (out[k] === null) out[k] = 'None';
    if (typeof out.pending === 'boolean') out.pending = out.pending ? 'True' : 'False';
    if (row.seq % 3 === 2 && isSecodaRole(out.role)) {
      out.role = out.role[0].toUpperCase() + out.role.slice(1);
    }
    return out;
  };
  const none = (v: unknown): unknown => (v === null && quirks ? 'None' : v);

  function makeUser(s: SecodaSeed): SecodaSimUser {
    const u: SecodaSimUser = {
      id: s.id ?? randomUUID(),
      first_name: s.first_name ?? '',
      last_name: s.last_name ?? '',
      email: s.email === undefined ? `user-${randomUUID().slice(0, 8)}@example.com` : (s.email as string),
      role: !('role' in s) ? 'viewer' : isSecodaRole(s.role) ? s.role.toLowerCase() : (s.role as unknown as string),
      workspace_id: s.workspace_id ?? SECODA_WORKSPACE_ID,
      profile_picture: s.profile_picture ?? null,
      pending: s.pending ?? false,
      user_groups: s.user_groups ?? [],
      bookmarks: s.bookmarks ?? [],
      workspace: s.workspace ?? SECODA_WORKSPACE_ID,
      is_service_account: s.is_service_account ?? false,
      service_account_count_popularity: s.service_account_count_popularity ?? true,
      last_login: s.last_login ?? null,
      new_feature_acknowledged: s.new_feature_acknowledged ?? true,
      disabled: s.disabled ?? false,
    };
    // Extra keys (e.g. deliberately odd fields) are kept and served.
    for (const k in s) if (!(k in u) && k !== 'omit') (u as unknown as Record<string, unknown>)[k] = s[k];
    for (const k of s.omit ?? []) if (k !== 'id') delete (u as unknown as Record<string, unknown>)[k];
    return u;
  }

  async function list(q: URLSearchParams): Promise<SimReply> {
    const raw = q.get('page');
    const page = raw === null ? 1 : parseIntStrict(raw, 1);
    if (page === null) return detail(400, 'Invalid page.');
    if (beforeList) await beforeList(page);
    // A read starts at page 1: that is where a short read begins (or does not).
    if (page === 1) {
      shortNow = shortReads !== null && (shortReads.times === 'always' || shortLeft > 0);
      if (shortNow && shortReads!.times !== 'always') shortLeft--;
    }
    const all = table.live();
    const rows = shortNow ? all.slice(0, Math.max(0, all.length - (shortReads?.missing ?? 1))) : all;
    const start = (page - 1) * pageSize;
    const next = start + pageSize < rows.length ? page + 1 : null;
    const results = rows.slice(start, start + pageSize).map(render);
    const prev = page > 1 ? page - 1 : null;
    const link = (p: number | null): unknown =>
      p === null ? none(null) : quirks ? `${origin}/resource/all/?page=${p}` : `${origin}/api/v1/user/?page=${p}`;
    return {
      status: 200,
      json: {
        links: { next: link(next), previous: link(prev) },
        meta: { page, previous_page: none(prev), next_page: none(next) },
        count: countMeans === 'page' ? results.length : all.length,
        total_pages: Math.max(1, Math.ceil(all.length / pageSize)),
        results,
      },
    };
  }

  function checkRole(role: unknown): string | SimReply {
    const r = typeof role === 'string' ? role.trim().toLowerCase() : '';
    if ((SECODA_ROLES as readonly string[]).includes(r)) return r;
    return { status: 400, json: { role: [`"${String(role)}" is not a valid choice.`] } };
  }

  function checkName(body: Record<string, unknown>, field: string): SimReply | undefined {
    const v = body[field];
    if (v !== undefined && typeof v !== 'string') return { status: 400, json: { [field]: ['Not a valid string.'] } };
    return undefined;
  }

  function create(body: unknown): SimReply {
    if (!isObject(body)) return detail(400, 'Invalid data. Expected a dictionary.');
    const email = body.email;
    if (typeof email !== 'string' || email.trim() === '') {
      return { status: 400, json: { email: ['This field is required.'] } };
    }
    if (!/^[^@\s]+@[^@\s]+$/.test(email.trim())) {
      return { status: 400, json: { email: ['Enter a valid email address.'] } };
    }
    const role = body.role === undefined ? 'viewer' : checkRole(body.role);
    if (typeof role !== 'string') return role;
    const bad = checkName(body, 'first_name') ?? checkName(body, 'last_name');
    if (bad) return bad;
    const teams = body.teams;
    if (role === 'guest' && (!Array.isArray(teams) || teams.length === 0)) {
      return { status: 400, json: { teams: ['This field is required when role is guest.'] } };
    }
    const badGroups = groups.checkGroupIds(body.user_groups);
    if (badGroups) return badGroups;
    const userGroups = (body.user_groups as string[] | undefined) ?? [];
    if (table.getByEmail(email)) {
      return { status: 400, json: { email: ['user with this email already exists.'] } };
    }
    const row = table.add(
      makeUser({
        first_name: (body.first_name as string | undefined) ?? '',
        last_name: (body.last_name as string | undefined) ?? '',
        email: email.trim(),
        role,
        pending: true,
        user_groups: [...userGroups],
      }),
    );
    groups.join(row.value.id, userGroups);
    return { status: 201, json: render(row) };
  }

  function patch(row: Row<SecodaSimUser>, body: unknown): SimReply {
    if (!isObject(body)) return detail(400, 'Invalid data. Expected a dictionary.');
    const bad = checkName(body, 'first_name') ?? checkName(body, 'last_name');
    if (bad) return bad;
    let role: string | undefined;
    // 'ignore': a serializer without the field drops it unread, whatever its value.
    if (body.role !== undefined && patchRole !== 'ignore') {
      const r = checkRole(body.role);
      if (typeof r !== 'string') return r;
      role = r;
    }
    const u = row.value;
    if (typeof body.first_name === 'string') u.first_name = body.first_name;
    if (typeof body.last_name === 'string') u.last_name = body.last_name;
    if (role !== undefined) u.role = role;
    return { status: 200, json: render(row) };
  }

  // --- per-user write refusals (option refuseWrites) ---
  const refusals = new Map(Object.entries(opts.refuseWrites ?? {}).map(([k, v]) => [k.trim().toLowerCase(), v]));
  function refusalOf(...keys: unknown[]): SimReply | undefined {
    for (const k of keys) {
      const r = typeof k === 'string' ? refusals.get(k.trim().toLowerCase()) : undefined;
      if (r) return detail(r.status, r.message);
    }
    return undefined;
  }
  // ---

  async function handler(req: SimRequest): Promise<SimReply> {
    const { method, route } = req;
    const g = GROUP_ROUTE.exec(route);
    if (g) return groups.handle(req, g);
    if (route === '/api/v1/user') {
      if (method === 'GET') return list(req.query);
      if (method === 'POST') return refusalOf(isObject(req.body) ? req.body.email : undefined) ?? create(req.body);
      return detail(404, 'Not found.');
    }
    const m = USER_PATH.exec(route);
    if (!m) return detail(404, 'Not found.');
    const row = table.get(decodeURIComponent(m[1]));
    if (method !== 'GET' && method !== 'PATCH' && method !== 'DELETE') return detail(404, 'Not found.');
    if (!row) return detail(404, 'Not found.');
    if (method === 'GET') return { status: 200, json: render(row) };
    const refused = refusalOf(row.value.id, row.value.email);
    if (refused) return refused;
    if (method === 'PATCH') return patch(row, req.body);
    table.remove(row);
    groups.leaveAll(row.value.id);
    return { status: 204 };
  }

  const base = await createSimServer(
    {
      token: opts.apiKey,
      port: opts.port,
      latencyMs: opts.latencyMs,
      forbid: opts.forbid,
      retryAfterMode: opts.retryAfterMode,
      onRequest: opts.onRequest,
      ...(opts.now ? { now: opts.now } : {}),
      limiterFor: (method) => (method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? reads : writes),
      handler,
      ...(validator ? { validate: validator } : {}),
    },
    () => [writes, reads].filter((l): l is SlidingWindow => l !== null),
  );
  origin = base.origin;

  const find = (idOrEmail: string) => table.get(idOrEmail) ?? table.getByEmail(idOrEmail);
  return Object.assign(base, {
    seed: (users: SecodaSeed[]) => users.map((s) => copy(table.add(makeUser(s)).value)),
    users: () => table.live().map((r) => copy(r.value)),
    byEmail: (email: string) => {
      const r = table.getByEmail(email);
      return r ? copy(r.value) : undefined;
    },
    byId: (id: string) => {
      const r = table.get(id);
      return r ? copy(r.value) : undefined;
    },
    update: (id: string, p: Partial<SecodaSimUser>) => {
      const r = table.get(id);
      if (!r) return undefined;
      Object.assign(r.value, p, { id: r.value.id, email: r.value.email });
      return copy(r.value);
    },
    remove: (idOrEmail: string) => {
      const r = find(idOrEmail);
      if (r) table.remove(r);
      return r !== undefined;
    },
    clear: () => {
      table.clear();
      groups.clear();
    },
    onPage: (hook: ((page: number) => void | Promise<void>) | null) => {
      beforeList = hook;
    },
    setQuirks: (on: boolean) => {
      quirks = on;
    },
    setShortReads: setShort,
    ...groupSimMethods(groups),
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
