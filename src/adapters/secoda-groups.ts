/**
 * Secoda's groups (`api/v1/auth/group/`, ../shared/api/secoda-groups.txt) and
 * The group list is read by the same reader as the user list
 * (secoda-pages.ts). A group's `users` are user ids; "None" or a missing list
 * is delivered as `users: null` (unknown), never as empty: a group believed
 * empty would lose, in our full-list write, every member the sync does not
 * manage.
 *
 * Writes send the full `users` list. The PATCH body schema lists only `name`
 * (its text says users are editable: the same gap as `role` on users), so
 * every answer is checked: a member we sent that is not pending and not
 * listed back, or a member listed back that we did not send, means the list
 * was not set -> BadResponseError. Pending members may be missing from the
 * answer: Secoda lists them only once they sign in.
 *
 * Never create twice: nothing documents a refusal of a duplicate group name,
 * so a create retried after an ambiguous failure (timeout, reset, 5xx) may
 * have made the group already. Then the list is read again and a twin — same
 * name, the same members — is deleted, keeping the group the answer named.
 * (Left in place, the next run would stop on a name two groups answer to.)
 */
import * as z from './zod.js';
import { groupKey } from '../core/groups.js';
import type { HttpClient, HttpResponse } from '../http/client.js';
import { badResponse, describeIssues, hadAmbiguousAttempt } from './common.js';
import { readPagedList, type SecodaPageProgress } from './secoda-pages.js';
import { SECODA_PATHS } from './secoda-paths.js';
import { isNone } from './secoda-records.js';

export interface SecodaGroup {
  id: string;
  name: string;
  /** null: the answer did not list them ("None", missing). */
  users: string[] | null;
}

const idText = z.preprocess((v) => (isNone(v) ? undefined : typeof v === 'number' ? String(v) : v), z.string().check(z.refine((s) => s.trim().length > 0, 'empty')));

const SecodaGroupRecord = z.object({
  id: idText,
  name: z.preprocess((v) => (isNone(v) ? '' : v), z.string()),
  users: z.preprocess((v) => (isNone(v) ? null : v), z.nullable(z.array(idText))),
});

export interface SecodaGroupsAdapter {
  listGroups(onPage?: (p: SecodaPageProgress) => void): Promise<SecodaGroup[]>;
  /** POST api/v1/auth/group/ with {name, users}. */
  createGroup(name: string, users: readonly string[], pendingIds: readonly string[]): Promise<SecodaGroup & { httpStatus: number }>;
  /** PATCH api/v1/auth/group/{id}/ with {users}: the full list. */
  setGroupUsers(id: string, users: readonly string[], pendingIds: readonly string[]): Promise<SecodaGroup & { httpStatus: number }>;
}

export interface SecodaGroupsAdapterOptions {
  /** List pages requested at once once page 1 says how many there are (MAX_CONCURRENCY). Default 4. */
  concurrency?: number;
}

export function createSecodaGroupsAdapter(client: HttpClient, opts: SecodaGroupsAdapterOptions = {}): SecodaGroupsAdapter {
  const parseGroup = (res: HttpResponse, method: string): SecodaGroup => {
    const r = SecodaGroupRecord.safeParse(res.body);
    if (!r.success) throw badResponse(client, method, res, `a malformed group: ${describeIssues(r.error)}`);
    return r.data;
  };

  /** The answer (or, without a body, the group read back) must list what was sent, pending members aside. */
  async function checked(res: HttpResponse, method: string, sent: readonly string[], pendingIds: readonly string[], id?: string): Promise<SecodaGroup> {
    let answer = res;
    let via = method;
    if (res.body === undefined && id !== undefined) {
      answer = await client.request({ method: 'GET', path: SECODA_PATHS.group(id) });
      via = 'GET';
    }
    const group = parseGroup(answer, via);
    const listed = new Set(group.users ?? []);
    const want = new Set(sent);
    const pending = new Set(pendingIds);
    const missing = sent.filter((u) => !listed.has(u) && !pending.has(u));
    const extra = [...listed].filter((u) => !want.has(u));
    if (group.users === null || missing.length > 0 || extra.length > 0) {
      const what = group.users === null
        ? 'no users'
        : [missing.length ? `${missing.length} member(s) sent but not listed (${missing.slice(0, 5).join(', ')})` : '',
            extra.length ? `${extra.length} member(s) listed but not sent (${extra.slice(0, 5).join(', ')})` : ''].filter(Boolean).join(', ');
      throw badResponse(client, via, answer, `group "${group.name}" (${group.id}) with ${what} after setting its users: the member list was not set`);
    }
    return group;
  }

  const listGroups: SecodaGroupsAdapter['listGroups'] = (onPage) =>
    readPagedList(client, { noun: 'group', path: SECODA_PATHS.groups(), parse: SecodaGroupRecord, idOf: (g) => g.id }, {
      ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}), ...(onPage ? { onPage } : {}),
    });

  /** Groups an earlier, ambiguous attempt of this create made: same name, same members as the one kept. */
  async function removeTwins(kept: SecodaGroup): Promise<void> {
    const same = (a: readonly string[] | null, b: readonly string[] | null) =>
      a !== null && b !== null && a.length === b.length && [...a].sort().join() === [...b].sort().join();
    const twins = (await listGroups()).filter((g) => g.id !== kept.id && groupKey(g.name) === groupKey(kept.name) && same(g.users, kept.users));
    for (const t of twins) await client.request({ method: 'DELETE', path: SECODA_PATHS.group(t.id), acceptStatus: [404] });
  }

  return {
    listGroups,

    async createGroup(name, users, pendingIds) {
      const res = await client.request({ method: 'POST', path: SECODA_PATHS.groups(), json: { name, users: [...users] } });
      const group = await checked(res, 'POST', users, pendingIds);
      if (hadAmbiguousAttempt(res.history)) await removeTwins(group);
      return { ...group, httpStatus: res.status };
    },

    async setGroupUsers(id, users, pendingIds) {
      const res = await client.request({ method: 'PATCH', path: SECODA_PATHS.group(id), json: { users: [...users] } });
      return { ...(await checked(res, 'PATCH', users, pendingIds, id)), httpStatus: res.status };
    },
  };
}
