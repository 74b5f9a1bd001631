/**
 * Adapter for Secoda's user API (the target). Paths: ./secoda-paths.ts.
 *
 * The user list is read by the one reader of Secoda's paginated lists
 * (./secoda-pages.ts: envelope, pagination quirks, concurrency, completeness).
 * A record without an id, an unrecognised boolean -> BadResponseError (names
 * page and record index). A record with an id but no email (a service
 * account, say) is delivered with `email: ''` and roles are delivered as
 * sent (trimmed, lower-cased; '' when missing, 'none' for "None"): what they
 * mean is the core's decision. Quirks accepted (published samples leak
 * Python): "None" for null, "True"/"False" (any case) for booleans,
 * capitalised roles (lower-cased here): ./secoda-records.ts.
 */
import type { HttpClient, HttpResponse } from '../http/client.js';
import { SECODA_PATHS } from './secoda-paths.js';
import { readSecodaUserFast, SecodaUserSchema, type SecodaUser } from './secoda-records.js';
import { readPagedList, type PagedList, type SecodaPageProgress } from './secoda-pages.js';
import { badResponse, describeIssues, resolveExistingOnInvite, saysAlreadyExists, statusError } from './common.js';

export { IncompleteReadError } from './common.js';

/**
 * An invited user. `alreadyExisted: true` means: an earlier attempt of this
 * invite failed ambiguously (timeout, reset, 5xx), a retry was told the email
 * exists, and the user returned is the one found by re-reading the list — the
 * earlier attempt had created it. Absent for a normal creation.
 */
export type SecodaInviteResult = SecodaUser & { alreadyExisted?: true; httpStatus: number };

export interface SecodaInvite {
  email: string;
  first_name: string;
  last_name: string;
  role: string;
  /** Group ids the new user joins (GROUP_MAP); sent as `user_groups` when not empty. */
  user_groups?: string[];
}

export interface SecodaAdapter {
  listUsers(onPage?: (p: SecodaPageProgress) => void): Promise<SecodaUser[]>;
  /** GET api/v1/user/{id}/ (through the read gate): the user's live record; null when Secoda answers 404 (gone). */
  getUser(id: string): Promise<SecodaUser | null>;
  /** POST api/v1/user/. Ambiguous-failure safe; a plain "already exists" is ConflictError (E_CONFLICT). */
  invite(u: SecodaInvite): Promise<SecodaInviteResult>;
  /** PATCH api/v1/user/{id}/ with {"role": role} (lower-cased). */
  setRole(id: string, role: string): Promise<SecodaUser & { httpStatus: number }>;
  /** PATCH api/v1/user/{id}/ with {first_name, last_name} (SYNC_NAMES); the answer must carry the new name. */
  setName(id: string, firstName: string, lastName: string): Promise<SecodaUser & { httpStatus: number }>;
  /** DELETE api/v1/user/{id}/; 404 counts as done. `httpStatus`: the answer's status (for the record). */
  remove(id: string): Promise<{ httpStatus: number }>;
}

const USERS: PagedList<SecodaUser> = {
  noun: 'user',
  path: SECODA_PATHS.users(),
  parse: SecodaUserSchema,
  fast: readSecodaUserFast,
  idOf: (u) => u.id,
};

export interface SecodaAdapterOptions {
  /** List pages requested at once once page 1 says how many there are (MAX_CONCURRENCY). Default 4. */
  concurrency?: number;
}

export function createSecodaAdapter(client: HttpClient, opts: SecodaAdapterOptions = {}): SecodaAdapter {
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 4));
  /** Every user, or an error (secoda-pages.ts: all-or-nothing, complete or IncompleteReadError). */
  const listUsers = (onPage?: (p: SecodaPageProgress) => void): Promise<SecodaUser[]> =>
    readPagedList(client, USERS, { concurrency, ...(onPage ? { onPage } : {}) });

  function parseUser(res: HttpResponse, method: string): SecodaUser {
    const fast = readSecodaUserFast(res.body);
    if (fast !== undefined) return fast;
    const r = SecodaUserSchema.safeParse(res.body);
    if (!r.success) throw badResponse(client, method, res, `a malformed user: ${describeIssues(r.error)}`);
    return r.data;
  }

  async function getUser(id: string): Promise<SecodaUser | null> {
    const res = await client.request({ method: 'GET', path: SECODA_PATHS.user(id), acceptStatus: [404] });
    if (res.status === 404) return null;
    const user = parseUser(res, 'GET');
    // Another user's record for this id would have us write to the wrong person.
    if (user.id !== id) throw badResponse(client, 'GET', res, `user ${user.id} when asked for user ${id}`);
    return user;
  }

  async function invite(u: SecodaInvite): Promise<SecodaInviteResult> {
    const method = 'POST';
    const res = await client.request({
      method,
      path: SECODA_PATHS.users(),
      json: {
        first_name: u.first_name, last_name: u.last_name, email: u.email, role: u.role.trim().toLowerCase(),
        ...(u.user_groups?.length ? { user_groups: u.user_groups } : {}),
      },
      acceptStatus: [400, 409],
    });
    if (res.status >= 200 && res.status < 300) return { ...parseUser(res, method), httpStatus: res.status };
    if (!saysAlreadyExists(res)) throw statusError(client, method, res);
    return { ...(await resolveExistingOnInvite(client, method, res, u.email, listUsers)), httpStatus: res.status };
  }

  /**
   * PATCH one user, then check the answer says what was asked. An answer
   * without a body (not what the docs say, but harmless) is checked against
   * the user read back. The documented PATCH body schema lists only the
   * names, so a silently ignored field shows here, not in the next run.
   */
  async function patchUser(id: string, json: Record<string, string>, check: (u: SecodaUser) => string | null): Promise<SecodaUser & { httpStatus: number }> {
    let res = await client.request({ method: 'PATCH', path: SECODA_PATHS.user(id), json });
    const httpStatus = res.status;
    let via = 'PATCH';
    if (res.body === undefined) {
      res = await client.request({ method: 'GET', path: SECODA_PATHS.user(id) });
      via = 'GET';
    }
    const user = parseUser(res, via);
    const wrong = check(user);
    if (wrong !== null) throw badResponse(client, via, res, `user ${id} ${wrong}`);
    return { ...user, httpStatus };
  }

  function setRole(id: string, role: string): Promise<SecodaUser & { httpStatus: number }> {
    const wanted = role.trim().toLowerCase();
    return patchUser(id, { role: wanted }, (u) =>
      u.role === wanted ? null : `with role "${u.role}" after setting role "${wanted}": the role was not changed`);
  }

  function setName(id: string, firstName: string, lastName: string): Promise<SecodaUser & { httpStatus: number }> {
    const collapse = (s: string) => s.trim().replace(/\s+/g, ' ');
    const sent = collapse(`${firstName} ${lastName}`);
    return patchUser(id, { first_name: firstName, last_name: lastName }, (u) => {
      const now = collapse(`${u.first_name} ${u.last_name}`);
      return now === sent ? null : `named "${now}" after setting "${sent}": the name was not changed`;
    });
  }

  async function remove(id: string): Promise<{ httpStatus: number }> {
    const res = await client.request({ method: 'DELETE', path: SECODA_PATHS.user(id), acceptStatus: [404] });
    return { httpStatus: res.status };
  }

  return { listUsers, getUser, invite, setRole, setName, remove };
}
