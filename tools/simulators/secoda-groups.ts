/**
 * The groups of the Secoda simulator (`/api/v1/auth/group[/{id}]`, as
 * ../shared/api/secoda-groups.txt describes them), served by secoda.ts.
 * Requests are checked against ./secoda-groups-openapi.json — a hand
 * transcription of that reference text, since Secoda publishes no OpenAPI for
 * groups. Switches for what the docs leave open:
 * - `patchUsers`: PATCH's body schema lists only `name`, its text says users
 *   are editable. 'accept' (default) sets them; 'ignore' answers 200 with the
 *   users unchanged (a serializer dropping the field); 'reject' answers 400
 *   (the schema read strictly, by the validator).
 * - `hidePending`: an invited user is not listed in a group's `users` until
 *   they sign in (the docs' note), on every answer.
 * - `shortReads`: the group list claims more groups than it serves.
 * The list pages like the user list (same page size, quirks, `countMeans`).
 */
import { randomUUID } from 'node:crypto';
import { detail, parseIntStrict, type SimReply } from './http-util.js';
import { createRequestValidator, type RequestValidator } from './openapi.js';
import SECODA_GROUPS_OPENAPI from './secoda-groups-openapi.json' with { type: 'json' };
import type { SimRequest } from './server.js';

export type GroupPatchUsersMode = 'accept' | 'ignore' | 'reject';

export interface SecodaSimGroup {
  id: string;
  created_at: string;
  updated_at: string;
  /** null: served as null ("None" with quirks) — a group listed without its users. */
  users: string[] | null;
  name: string;
  icon: string | null;
  description: string | null;
  workspace_id: string;
  snowflake_role: string | null;
}

export type SecodaGroupSeed = Partial<SecodaSimGroup> & { name: string };


export interface GroupSimOptions {
  patchUsers?: GroupPatchUsersMode;
  hidePending?: boolean;
  /** Every list read leaves out the last `missing` groups (still counted). */
  shortReads?: { missing: number } | null;
}

export interface GroupContext {
  pageSize: number;
  workspaceId: string;
  quirks(): boolean;
  origin(): string;
  countMeans: 'total' | 'page';
  userExists(id: string): boolean;
  isPending(id: string): boolean;
}

export const GROUP_ROUTE = /^\/api\/v1\/auth\/group(?:\/([^/]+))?$/;

export function groupsRequestValidator(patchUsers: GroupPatchUsersMode): RequestValidator {
  return createRequestValidator(SECODA_GROUPS_OPENAPI, {
    extraQuery: { 'GET /api/v1/auth/group': ['page'] },
    ...(patchUsers === 'reject' ? {} : { extraBodyProperties: { 'PATCH /api/v1/auth/group/{id}': { users: { type: 'array', items: { type: 'string' } } } } }),
  });
}

export function createGroupStore(ctx: GroupContext, opts: GroupSimOptions = {}) {
  const groups = new Map<string, SecodaSimGroup>();
  let hidePending = opts.hidePending ?? false;
  let shortReads = opts.shortReads ?? null;
  const patchUsers = opts.patchUsers ?? 'accept';
  const now = () => new Date().toISOString();

  const render = (g: SecodaSimGroup): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...g, users: g.users?.filter((u) => !(hidePending && ctx.isPending(u))) ?? null };
    if (ctx.quirks()) for (const k of Object.keys(out)) if (out[k] === null) out[k] = 'None';
    return out;
  };
  const none = (v: number | null): unknown => (v === null && ctx.quirks() ? 'None' : v);

  function make(s: SecodaGroupSeed): SecodaSimGroup {
    return {
      id: s.id ?? randomUUID(), created_at: s.created_at ?? now(), updated_at: s.updated_at ?? now(),
      users: s.users === null ? null : [...(s.users ?? [])], name: s.name, icon: s.icon ?? null, description: s.description ?? null,
      workspace_id: s.workspace_id ?? ctx.workspaceId, snowflake_role: s.snowflake_role ?? null,
    };
  }

  function checkUsers(users: unknown): string[] | SimReply {
    if (!Array.isArray(users)) return { status: 400, json: { users: ['Expected a list of items.'] } };
    const bad = users.find((u) => typeof u !== 'string' || !ctx.userExists(u));
    if (bad !== undefined) return { status: 400, json: { users: [`Invalid pk "${String(bad)}" - object does not exist.`] } };
    return [...new Set(users as string[])];
  }

  function list(q: URLSearchParams): SimReply {
    const raw = q.get('page');
    const page = raw === null ? 1 : parseIntStrict(raw, 1);
    if (page === null) return detail(400, 'Invalid page.');
    const all = [...groups.values()];
    const rows = shortReads ? all.slice(0, Math.max(0, all.length - shortReads.missing)) : all;
    const start = (page - 1) * ctx.pageSize;
    const next = start + ctx.pageSize < rows.length ? page + 1 : null;
    const prev = page > 1 ? page - 1 : null;
    const results = rows.slice(start, start + ctx.pageSize).map(render);
    const link = (p: number | null): unknown =>
      p === null ? none(null) : ctx.quirks() ? `${ctx.origin()}/resource/all/?page=${p}` : `${ctx.origin()}/api/v1/auth/group/?page=${p}`;
    return {
      status: 200,
      json: {
        links: { next: link(next), previous: link(prev) },
        meta: { page, previous_page: none(prev), next_page: none(next) },
        count: ctx.countMeans === 'page' ? results.length : all.length,
        total_pages: Math.max(1, Math.ceil(all.length / ctx.pageSize)),
        results,
      },
    };
  }

  function create(body: Record<string, unknown>): SimReply {
    if (typeof body.name !== 'string' || !body.name.trim()) return { status: 400, json: { name: ['This field is required.'] } };
    const users = body.users === undefined ? [] : checkUsers(body.users);
    if (!Array.isArray(users)) return users;
    const g = make({
      name: body.name, users,
      ...(typeof body.icon === 'string' ? { icon: body.icon } : {}),
      ...(typeof body.description === 'string' ? { description: body.description } : {}),
    });
    groups.set(g.id, g);
    return { status: 201, json: render(g) };
  }

  function patch(g: SecodaSimGroup, body: Record<string, unknown>): SimReply {
    if (body.name !== undefined && typeof body.name !== 'string') return { status: 400, json: { name: ['Not a valid string.'] } };
    if (body.users !== undefined && patchUsers === 'accept') {
      const users = checkUsers(body.users);
      if (!Array.isArray(users)) return users;
      g.users = users;
    }
    if (typeof body.name === 'string') g.name = body.name;
    g.updated_at = now();
    return { status: 200, json: render(g) };
  }

  return {
    handle(req: SimRequest, m: RegExpExecArray): SimReply {
      const { method } = req;
      const body = typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : undefined;
      if (m[1] === undefined) {
        if (method === 'GET') return list(req.query);
        if (method === 'POST') return body ? create(body) : detail(400, 'Invalid data. Expected a dictionary.');
        return detail(404, 'Not found.');
      }
      const g = groups.get(decodeURIComponent(m[1]));
      if (!g) return detail(404, 'Not found.');
      if (method === 'GET') return { status: 200, json: render(g) };
      if (method === 'PATCH') return body ? patch(g, body) : detail(400, 'Invalid data. Expected a dictionary.');
      if (method === 'DELETE') {
        groups.delete(g.id);
        return { status: 204 };
      }
      return detail(404, 'Not found.');
    },
    /** An invite's `user_groups`: every id must be a group; null when they all are. */
    checkGroupIds(ids: unknown): SimReply | null {
      if (ids === undefined) return null;
      if (!Array.isArray(ids)) return { status: 400, json: { user_groups: ['Expected a list of items.'] } };
      const bad = ids.find((id) => typeof id !== 'string' || !groups.has(id));
      return bad === undefined ? null : { status: 400, json: { user_groups: [`Invalid pk "${String(bad)}" - object does not exist.`] } };
    },
    join(userId: string, ids: readonly string[]): void {
      for (const id of ids) {
        const g = groups.get(id);
        if (g && !(g.users ?? []).includes(userId)) g.users = [...(g.users ?? []), userId];
      }
    },
    /** A deleted user leaves every group. */
    leaveAll(userId: string): void {
      for (const g of groups.values()) if (g.users) g.users = g.users.filter((u) => u !== userId);
    },
    seed: (list: SecodaGroupSeed[]) => list.map((s) => {
      const g = make(s);
      groups.set(g.id, g);
      return structuredClone(g);
    }),
    /** Every group as stored (pending members included), in creation order. */
    all: () => [...groups.values()].map((g) => structuredClone(g)),
    byName: (name: string) => {
      const g = [...groups.values()].find((x) => x.name === name);
      return g ? structuredClone(g) : undefined;
    },
    clear: () => groups.clear(),
    setHidePending: (on: boolean) => {
      hidePending = on;
    },
    setShortReads: (spec: { missing: number } | null) => {
      shortReads = spec;
    },
  };
}

export type GroupStore = ReturnType<typeof createGroupStore>;

/** Users' and groups' validators as one: each path goes to its document. */
export function routedValidator(users: RequestValidator, groups: RequestValidator): RequestValidator {
  const pick = (route: string) => (GROUP_ROUTE.test(route) ? groups : users);
  return {
    request: (method, route, query, shown) => pick(route).request(method, route, query, shown),
    body: (method, route, body, shown) => pick(route).body(method, route, body, shown),
  };
}

/** What the Secoda simulator offers tests about its groups. */
export interface GroupSimMethods {
  /** Add groups (users: user ids; null: served as "None"). Returns copies. */
  seedGroups(groups: SecodaGroupSeed[]): SecodaSimGroup[];
  /** Every group as stored (pending members included), in creation order (copies). */
  groups(): SecodaSimGroup[];
  groupByName(name: string): SecodaSimGroup | undefined;
  /** Hide pending users from groups' `users` (the docs' note), or stop hiding them. */
  setHidePendingInGroups(on: boolean): void;
  /** Group lists that claim `missing` more groups than they serve (null: complete). */
  setShortGroupReads(spec: { missing: number } | null): void;
}

export function groupSimMethods(store: GroupStore): GroupSimMethods {
  return {
    seedGroups: store.seed,
    groups: store.all,
    groupByName: store.byName,
    setHidePendingInGroups: store.setHidePending,
    setShortGroupReads: store.setShortReads,
  };
}
