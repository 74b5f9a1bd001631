/**
 * Every environment variable the tool reads, in one table: the loader, the
 * `--help` text and `.env.example` (checked by a test) all come from here.
 */
export type VariableGroup = 'sync' | 'store' | 'common' | 'daemon';

export interface VariableSpec {
  name: string;
  group: VariableGroup;
  /** Shown in help and .env.example; undefined = required (for its group). */
  default?: string;
  secret?: boolean;
  description: string;
}

export const VARIABLES: readonly VariableSpec[] = [
  { name: 'ORG_API_URL', group: 'sync', description: 'Base URL of the org-user-management API, with any version prefix (e.g. https://org.example.com/v1)' },
  { name: 'ORG_API_TOKEN', group: 'sync', secret: true, description: 'Bearer token for the org-user-management API' },
  { name: 'SECODA_API_URL', group: 'sync', default: 'https://api.secoda.co', description: 'Secoda API base: https://api.secoda.co (US), https://eapi.secoda.co (EU), https://aapi.secoda.co (APAC) or https://<customer>.secoda.co (on-premise)' },
  { name: 'SECODA_API_KEY', group: 'sync', secret: true, description: 'Secoda API key (it has the access of the user who created it: use an admin)' },
  { name: 'DATABASE_URL', group: 'store', default: '', secret: true, description: 'postgres:// URL for the run history and snapshots; empty = embedded PGlite in DATA_DIR' },
  { name: 'DATA_DIR', group: 'store', default: './.data', description: 'Directory of the embedded PGlite database (used when DATABASE_URL is empty)' },
  { name: 'ROLE_MAP', group: 'sync', default: 'admin:admin,developer:editor,analyst:viewer', description: 'orgRole:secodaRole pairs, highest first; a member with several org roles gets the first listed match' },
  { name: 'DEFAULT_ROLE', group: 'sync', default: 'viewer', description: 'Secoda role for members whose roles map to nothing (editor or viewer; admin is refused), or "none" to leave them out of the sync' },
  { name: 'PROTECTED_EMAILS', group: 'sync', default: '', description: 'Comma list of emails or @domain suffixes the sync never invites, re-roles or deletes' },
  { name: 'MAX_DELETES', group: 'sync', default: '25', description: 'Mass-delete guard: more planned deletes than this withholds all deletes (exit 3)' },
  { name: 'MAX_DELETE_PERCENT', group: 'sync', default: '20', description: 'Mass-delete guard: more planned deletes than this percent of managed Secoda users (rounded up to a whole user) withholds all deletes (exit 3)' },
  { name: 'SECODA_READ_RATE', group: 'sync', default: '10/s', description: 'Most Secoda GET requests started in any window (N/s, N/min, N/h)' },
  { name: 'SECODA_WRITE_RATE', group: 'sync', default: '30/min', description: "Most Secoda writes (POST, PATCH, PUT, DELETE) started in any window; Secoda documents 30/min" },
  { name: 'ORG_RATE', group: 'sync', default: '10/s', description: 'Most org API requests started in any window' },
  { name: 'MAX_CONCURRENCY', group: 'sync', default: '4', description: 'Most requests in flight at once, per API' },
  { name: 'RETRY_LIMIT', group: 'sync', default: '5', description: 'Retries of a request after 5xx, timeouts, resets and 429s' },
  { name: 'HTTP_TIMEOUT', group: 'sync', default: '30s', description: 'Timeout of each HTTP attempt ("30", "30s", "500ms")' },
  { name: 'ORG_ROLES_FROM', group: 'sync', default: 'auto', description: "Where org users' roles come from: auto (the list's, or each user's record when list items carry none), list (list items must carry roles), user (always each user's record: one extra request per user)" },
  { name: 'MAX_DEMOTIONS', group: 'sync', default: '25', description: 'Mass-demotion guard: more planned role downgrades than this withholds all downgrades (exit 3)' },
  { name: 'MAX_DEMOTION_PERCENT', group: 'sync', default: '20', description: 'Mass-demotion guard: more planned downgrades than this percent of managed Secoda users (rounded up to a whole user) withholds all downgrades (exit 3)' },
  { name: 'ORG_ROLE_NAMES', group: 'sync', default: '', description: 'Comma list of org roles beyond admin, developer and analyst that ROLE_MAP may name; ROLE_MAP naming any other role is refused' },
  { name: 'SECODA_KEY_OWNER', group: 'sync', default: '', description: 'Email of the Secoda user who created SECODA_API_KEY: never deleted or re-roled; unset, every report warns' },
  { name: 'SYNC_SCHEDULE', group: 'daemon', default: '*/15 * * * *', description: 'daemon: when to reconcile, a cron expression (5 fields, or 6 with seconds first)' },
  { name: 'SYNC_TIMEZONE', group: 'daemon', default: 'UTC', description: 'daemon: IANA time zone of SYNC_SCHEDULE (e.g. Europe/Berlin)' },
  { name: 'RUN_ON_START', group: 'daemon', default: 'true', description: 'daemon: reconcile once right after start, before the first scheduled tick' },
  { name: 'SHUTDOWN_TIMEOUT', group: 'daemon', default: '30s', description: 'daemon: on SIGTERM/SIGINT, how long in-flight requests may take before the process exits anyway' },
  { name: 'HTTP_PORT', group: 'daemon', default: '9464', description: 'daemon: port of /healthz, /readyz and /metrics; 0 disables the server' },
  { name: 'HTTP_HOST', group: 'daemon', default: '0.0.0.0', description: 'daemon: address the health and metrics server binds to' },
  { name: 'ALERT_WEBHOOK_URL', group: 'daemon', default: '', secret: true, description: 'daemon: Slack/Teams incoming webhook; gets a message after a failed or held run, and when runs recover' },
  { name: 'RUN_RETENTION_DAYS', group: 'daemon', default: '90', description: 'daemon: runs (and their actions) older than this are pruned, at most once a day; 0 keeps everything' },
  { name: 'LOG_LEVEL', group: 'common', default: 'info', description: 'fatal, error, warn, info, debug, trace or silent' },
];

export function variable(name: string): VariableSpec {
  const spec = VARIABLES.find((v) => v.name === name);
  if (!spec) throw new Error(`unknown variable ${name}`);
  return spec;
}
