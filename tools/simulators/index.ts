/**
 * Local HTTP simulators of both APIs (node:http only), for tests, the demo
 * and the benchmark.
 *
 * Common to both (`SimBase`):
 * - Listen on 127.0.0.1 (port 0 unless `port`). `url` = origin + prefix.
 * - Auth: `Authorization: Bearer <token>` must match, else 401
 *   `{"detail":"Authentication credentials were not provided."}`; `forbid`
 *   -> 403 for everything. The token is never echoed or logged.
 * - Pipeline per request: log -> auth (401/403) -> first matching
 *   pre-handler fault (status/reset/hang/html/body; takes no rate slot) ->
 *   rate limit (429; a queued truncated/lose-response fault is NOT consumed)
 *   -> handler (wrapped by truncated/lose-response). `latencyMs` is waited
 *   before every answer (401s and 429s included); hangs never answer.
 * - Rate limits: sliding window over ADMITTED request starts (rejected
 *   requests do not extend the lock-out). Retry-After per `retryAfterMode`:
 *   'seconds' = ceil(seconds until a slot frees), min 1; 'date' = HTTP date
 *   (rounded up to the second); 'none' = no header.
 * - `requests` is one array for the simulator's life (`resetLog()` empties it
 *   in place and zeroes `stats()`); `status` is 0 while in flight, 'reset' for
 *   reset and lose-response, 'hang' for hang.
 * - Malformed JSON body -> 400; unknown path or method -> 404 `{"detail":"Not found."}`.
 *
 * Secoda: `/api/v1/user[/]` (GET list, POST create) and `/api/v1/user/{id}[/]`
 * (GET, PATCH, DELETE). Writes (POST/PATCH/PUT/DELETE) default to 30 per 60 s.
 * List: `?page=N` (1-based; missing = 1; not a positive integer -> 400
 * `{"detail":"Invalid page."}`); page size is server-side (`pageSize`), no
 * query parameter changes it. A page past the end is 200 with `results: []`.
 * `total_pages` = max(1, ceil(count / pageSize)). Quirks (default on): nulls
 * as "None", `pending` as "True"/"False", links point at
 * `${origin}/resource/all/?page=N`, every third user (by insertion order) has
 * a capitalised role ("Editor"). Created users are pending. Duplicate email
 * (case-insensitive, trimmed) -> 400 `{"email":["user with this email already exists."]}`.
 * Every request is checked against Secoda's published OpenAPI (vendored as
 * `secoda-openapi.json`; `openApi: false` turns it off): unknown path 404,
 * undocumented method 405, undocumented query parameter (only `page` on the
 * list) or a body the operation's schema does not allow 400, each with
 * `{"detail": "<the violation> (METHOD /path)"}`. Switches for what the docs
 * leave open: `patchRole` ('accept' | 'reject' | 'ignore' a PATCH `role`),
 * `countMeans` ('total' | 'page'), `shortReads` (lists that claim more users
 * than they serve). Seeds may carry any role ("None", "owner", null), a null
 * email, `omit: ['role' | 'email']`, and emails that differ only in case.
 * Groups (`/api/v1/auth/group[/{id}]`: list paged like users, POST, GET, PATCH,
 * DELETE; ./secoda-groups.ts): checked against a hand transcription of
 * secoda-groups.txt (no OpenAPI is published for them); switches `groups:
 * {patchUsers, hidePending, shortReads}`. An invite's `user_groups` joins
 * those groups (an unknown id -> 400); a deleted user leaves every group.
 *
 * Org: prefix default '/v1'. Invites create the user at once (as if the
 * invitation were accepted) and answer 201 with it; duplicate email -> 409.
 * `connection` may be omitted (defaults to "google-oauth2") or be null.
 * PUT roles and reset-password answer 204. `name_search` is supported.
 */
export { startSecodaSim, SECODA_ROLES, SECODA_WORKSPACE_ID } from './secoda.js';
export type { SecodaSim, SecodaSimOptions, SecodaSimUser, SecodaSeed, PatchRoleMode, ShortReads, GroupPatchUsersMode, SecodaGroupSeed, SecodaSimGroup } from './secoda.js';
export { startOrgSim, ORG_ROLES } from './org.js';
export type { OrgSim, OrgSimOptions, OrgSimUser, OrgInfo, OrgListRoles, OrgCountMeans } from './org.js';
export type { SimBase, SimRequest } from './server.js';
export type { FaultSpec, FaultKind } from './faults.js';
export type { RateSpec, RetryAfterMode, RequestLogEntry, SimStats } from './http-util.js';
