/**
 * Every environment variable the tool reads, in one table: its default, how it
 * is parsed and checked, and its description. The loaders only walk this table;
 * `--help` and `.env.example` (rewritten by `npm run env:example`, checked by a
 * test) are printed from it. Order here is the order of help, .env.example and
 * of the problems a bad configuration reports.
 */
import { ORG_ROLES_FROM } from '../adapters/org.js';
import {
  check, oneOf, parseApiBaseUrl, parseBoolean, parseDatabaseUrl, parseDuration, parseEmailList, parseHttpUrl, parseIntAtMost,
  parseKeyOwner, parseNonNegativeInt, parsePercent, parsePort, parsePositiveInt, parseRate, parseRefresh, validateHost, validateSchedule,
  validateTimezone,
} from './parse.js';
import { parseDefaultRole, parseKnownRoleMap, parseOrgRoleNames } from './parse-roles.js';
import { parsePeriod } from './parse-period.js';
import { parseGroupMap } from './parse-groups.js';

export type VariableGroup = 'sync' | 'store' | 'common' | 'daemon';

/** Another variable's parsed value, for the few checks that span two variables. */
export type Lookup = (name: string) => unknown;

interface Spec<T> {
  group: VariableGroup;
  /** Heading of its block in .env.example. */
  section: string;
  /** Used when the variable is unset or blank; undefined = required (for its group). */
  default?: string;
  /** Why and how to set a required variable, when it is missing. */
  required?: string;
  /** Value .env.example shows for a required variable. */
  example?: string;
  secret?: boolean;
  description: string;
  /** Turns the text (trimmed; the default when unset) into the value; throws a message completing "NAME ...". */
  parse: (text: string, lookup: Lookup) => T;
}

export interface VariableSpec extends Spec<unknown> {
  name: string;
}

const SOURCE = 'Source: the org-user-management API';
const TARGET = 'Target: Secoda';
const RULES = 'Sync rules';
const HTTP = 'HTTP';
const STORAGE = 'Storage';
const DAEMON = 'Daemon (secoda-user-sync daemon)';
const LOGGING = 'Logging';

const text = (t: string): string => t;
/** More retries than this turn an outage into a run that seems to hang. */
const MAX_RETRY_LIMIT = 20;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const TABLE = {
  ORG_API_URL: {
    group: 'sync', section: SOURCE, required: 'set it to the org-user-management API base, e.g. https://org.example.com/v1', example: 'https://org.example.com/v1',
    description: 'Base URL of the org-user-management API, with any version prefix (e.g. https://org.example.com/v1)', parse: parseApiBaseUrl,
  },
  ORG_API_TOKEN: {
    group: 'sync', section: SOURCE, required: 'set it to the org API bearer token', secret: true,
    description: 'Bearer token for the org-user-management API', parse: text,
  },
  ORG_RATE: {
    group: 'sync', section: SOURCE, default: '10/s',
    description: 'Most org API requests started in any window (N/s, N/min, N/h); a ceiling: after a 429 the rate drops to what the server admits, then climbs back', parse: parseRate,
  },
  ORG_ROLES_FROM: {
    group: 'sync', section: SOURCE, default: 'auto',
    description: "Where org users' roles come from: auto (the list's, or each user's record when list items carry none), list (list items must carry roles), user (always each user's record: one extra request per user)",
    parse: oneOf(ORG_ROLES_FROM),
  },
  SECODA_API_URL: {
    group: 'sync', section: TARGET, default: 'https://api.secoda.co',
    description: 'Secoda API base: https://api.secoda.co (US), https://eapi.secoda.co (EU), https://aapi.secoda.co (APAC) or https://<customer>.secoda.co (on-premise)',
    parse: parseApiBaseUrl,
  },
  SECODA_API_KEY: {
    group: 'sync', section: TARGET, required: 'create an API key in Secoda (Settings > API) and set it', secret: true,
    description: 'Secoda API key (it has the access of the user who created it: use an admin)', parse: text,
  },
  SECODA_READ_RATE: {
    group: 'sync', section: TARGET, default: '10/s',
    description: 'Most Secoda GET requests started in any window (N/s, N/min, N/h); a ceiling: after a 429 the rate drops to what the server admits, then climbs back', parse: parseRate,
  },
  SECODA_WRITE_RATE: {
    group: 'sync', section: TARGET, default: '30/min',
    description: 'Most Secoda writes (POST, PATCH, PUT, DELETE) started in any window; Secoda documents 30/min; lowered after a 429 as the read rates are', parse: parseRate,
  },
  SECODA_REFRESH: {
    group: 'sync', section: TARGET, default: '1h',
    description: "How old the Secoda snapshot in the database may get before a run reads Secoda's whole user list again (\"1h\", \"15m\"); runs in between plan against the snapshot and confirm each user's live record before writing to it; 0 = read the whole list every run",
    parse: parseRefresh,
  },
  ROLE_MAP: {
    group: 'sync', section: RULES, default: 'admin:admin,developer:editor,analyst:viewer',
    description: 'orgRole:secodaRole pairs, highest first; a member with several org roles gets the first listed match',
    parse: (t: string, lookup: Lookup) => parseKnownRoleMap(t, lookup('ORG_ROLE_NAMES') as string[]),
  },
  DEFAULT_ROLE: {
    group: 'sync', section: RULES, default: 'viewer',
    description: 'Secoda role for members whose roles map to nothing (editor or viewer; admin is refused), or "none" to leave them out of the sync',
    parse: parseDefaultRole,
  },
  GROUP_MAP: {
    group: 'sync', section: RULES, default: '',
    description: 'orgRole:Secoda group name pairs (e.g. "developer:Engineering,analyst:Analysts"; the name is everything after the first colon): each mapped group holds exactly the managed members whose org roles map to it, plus every member the sync does not manage; a missing group is created. Empty: groups are never read or touched',
    parse: (t: string, lookup: Lookup) => parseGroupMap(t, lookup('ORG_ROLE_NAMES') as string[]),
  },
  SYNC_NAMES: {
    group: 'sync', section: RULES, default: 'false',
    description: "true: managed members' first and last names in Secoda follow the org's name (one PATCH each; compared whitespace-collapsed). Off by default: at 30 writes/min a first run can spend hours on renames — a dry run shows how many",
    parse: parseBoolean,
  },
  PROTECTED_EMAILS: {
    group: 'sync', section: RULES, default: '',
    description: 'Comma list of emails or @domain suffixes the sync never invites, re-roles or deletes', parse: parseEmailList,
  },
  MAX_DELETES: {
    group: 'sync', section: RULES, default: '25',
    description: 'Mass-delete guard: more planned deletes than this withholds all deletes (exit 3); `reconcile --max-deletes N` lifts it and MAX_DELETE_PERCENT once',
    parse: parseNonNegativeInt,
  },
  MAX_DELETE_PERCENT: {
    group: 'sync', section: RULES, default: '20',
    description: 'Mass-delete guard: more planned deletes than this percent of managed Secoda users (rounded up to a whole user) withholds all deletes (exit 3)',
    parse: parsePercent,
  },
  MAX_DEMOTIONS: {
    group: 'sync', section: RULES, default: '25',
    description: 'Mass-demotion guard: more planned demotions (role downgrades plus GROUP_MAP group removals) than this withholds them all (exit 3); `reconcile --max-demotions N` lifts it and MAX_DEMOTION_PERCENT once',
    parse: parseNonNegativeInt,
  },
  MAX_DEMOTION_PERCENT: {
    group: 'sync', section: RULES, default: '20',
    description: 'Mass-demotion guard: more planned demotions (downgrades plus group removals) than this percent of managed Secoda users (rounded up to a whole user) withholds them all (exit 3)',
    parse: parsePercent,
  },
  DELETE_AFTER: {
    group: 'sync', section: RULES, default: '0',
    description: 'Grace period before deleting a Secoda user missing from the source: deleted only once every run has found it missing for this long (e.g. 7d; 0 deletes at once); until then the plan shows the delete as deferred, with its due time',
    parse: parsePeriod,
  },
  ORG_ROLE_NAMES: {
    group: 'sync', section: RULES, default: '',
    description: 'Comma list of org roles beyond admin, developer and analyst that ROLE_MAP may name; ROLE_MAP naming any other role is refused',
    parse: parseOrgRoleNames,
  },
  SECODA_KEY_OWNER: {
    group: 'sync', section: RULES, default: '',
    description: 'Email of the Secoda user who created SECODA_API_KEY: never deleted or re-roled; unset, every report warns', parse: parseKeyOwner,
  },
  PLAN_MAX_AGE: {
    group: 'sync', section: RULES, default: '24h',
    description: '`apply PLAN_FILE` refuses (exit 2) a plan made longer ago than this ("24h", "90m")', parse: parseDuration,
  },
  MAX_CONCURRENCY: {
    group: 'sync', section: HTTP, default: '4',
    description: 'Most requests in flight at once, per API (list pages once the first says how many, role reads, writes)', parse: parsePositiveInt,
  },
  RETRY_LIMIT: {
    group: 'sync', section: HTTP, default: '5',
    description: 'Retries of a request after 5xx, timeouts, resets and 429s',
    parse: parseIntAtMost(MAX_RETRY_LIMIT, 'with backoff up to 10s a request would keep a run waiting for minutes'),
  },
  HTTP_TIMEOUT: {
    group: 'sync', section: HTTP, default: '30s',
    description: 'Timeout of each HTTP attempt ("30", "30s", "500ms")', parse: parseDuration,
  },
  DATABASE_URL: {
    group: 'store', section: STORAGE, default: '', secret: true,
    description: 'postgres:// URL for the run history and snapshots; empty = embedded PGlite in DATA_DIR', parse: parseDatabaseUrl,
  },
  DATA_DIR: {
    group: 'store', section: STORAGE, default: './.data',
    description: 'Directory of the embedded PGlite database (used when DATABASE_URL is empty)', parse: text,
  },
  SYNC_SCHEDULE: {
    group: 'daemon', section: DAEMON, default: '*/15 * * * *',
    description: 'daemon: when to reconcile, a cron expression (5 fields, or 6 with seconds first)', parse: check(validateSchedule),
  },
  SYNC_TIMEZONE: {
    group: 'daemon', section: DAEMON, default: 'UTC',
    description: 'daemon: IANA time zone of SYNC_SCHEDULE (e.g. Europe/Berlin)', parse: check(validateTimezone),
  },
  RUN_ON_START: {
    group: 'daemon', section: DAEMON, default: 'true',
    description: 'daemon: reconcile once right after start, before the first scheduled tick', parse: parseBoolean,
  },
  SHUTDOWN_TIMEOUT: {
    group: 'daemon', section: DAEMON, default: '30s',
    description: 'daemon: on SIGTERM/SIGINT, how long in-flight requests may take before the process exits anyway', parse: parseDuration,
  },
  HTTP_PORT: {
    group: 'daemon', section: DAEMON, default: '9464',
    description: 'daemon: port of /healthz, /readyz and /metrics; 0 disables the server', parse: parsePort,
  },
  HTTP_HOST: {
    group: 'daemon', section: DAEMON, default: '0.0.0.0',
    description: 'daemon: address the health and metrics server binds to', parse: check(validateHost),
  },
  ALERT_WEBHOOK_URL: {
    group: 'daemon', section: DAEMON, default: '', secret: true,
    description: 'daemon: Slack/Teams incoming webhook; gets a message when runs start failing or being held (or the cause changes; repeated per ALERT_REPEAT), when they recover, and when the sync is paused or resumed',
    parse: (t: string) => (t ? parseHttpUrl(t) : undefined),
  },
  ALERT_REPEAT: {
    group: 'daemon', section: DAEMON, default: '6h',
    description: 'daemon: while the same failure or hold lasts, repeat its alert at most this often (e.g. 6h, 1d; 0 never repeats); a new or changed problem, a recovery, a pause and a resume are posted at once',
    parse: parsePeriod,
  },
  RUN_RETENTION_DAYS: {
    group: 'daemon', section: DAEMON, default: '90',
    description: 'daemon: runs (and their actions) older than this are pruned, at most once a day; 0 keeps everything',
    // Far beyond this, "now minus the retention" is no valid date and every prune fails.
    parse: parseIntAtMost(36_500, 'that is 100 years; 0 keeps everything'),
  },
  LOG_LEVEL: {
    group: 'common', section: LOGGING, default: 'info',
    description: 'fatal, error, warn, info, debug, trace or silent (logs go to stderr)', parse: oneOf(LOG_LEVELS),
  },
} satisfies Record<string, Spec<unknown>>;

type Table = typeof TABLE;
export type VariableName = keyof Table;
export type ValueOf<N extends VariableName> = ReturnType<Table[N]['parse']>;
/** The variables of the given groups. */
export type NamesIn<G extends VariableGroup> = { [N in VariableName]: Table[N]['group'] extends G ? N : never }[VariableName];

export const VARIABLES: readonly VariableSpec[] = Object.entries(TABLE).map(([name, spec]) => ({ name, ...spec }) as VariableSpec);

/** For tests and tools that build a role map without reading the environment. */
export const DEFAULT_ROLE_MAP = TABLE.ROLE_MAP.default;
