import { VARIABLES, type VariableGroup } from '../config/variables.js';

const COMMANDS = `Commands:
  reconcile   Make Secoda's users match the organization (--dry-run: only show the plan)
  report      Show a past run again (default: the latest)
  migrate     Create or update the database schema
  daemon      Reconcile on a schedule as a background service (health, metrics, alerts)
  apply       Apply a reviewed plan file (from reconcile --dry-run --out plan.json): only what it still approves
  undo        Reverse the changes of a past run (undo RUN_ID; --dry-run shows the reverse plan)
  pause       Stop every run's writes (daemon and one-shot runs; they still read and plan) until resume
  resume      End the pause: the next run writes again
  help        Show help for a command: secoda-user-sync help reconcile`;

const EXIT_CODES = `Exit codes:
  0  done
  1  failed: a read failed (nothing was changed) or an action failed
  2  usage or configuration error, found before any request was sent
  3  held: a safety rail withheld destructive actions (the rest was applied), the sync is paused (nothing
     was applied), a reviewed plan was not applied in full (stale or not reviewed actions), or undo skipped
     actions (the rest was applied)`;

export const COMMAND_HELP: Record<string, { usage: string; flags: string; groups: VariableGroup[] }> = {
  reconcile: {
    usage: 'secoda-user-sync reconcile [--dry-run] [--refresh] [--format table|json|markdown] [--out FILE] [--max-deletes N] [--max-demotions N] [--wait SECONDS]',
    flags: `  --dry-run          Read both APIs and show the plan; send no write to either API
  --refresh          Read Secoda's whole user list this run, whatever the snapshot's age (SECODA_REFRESH)
  --format FORMAT    table (default on a terminal), json (default otherwise) or markdown
  --out FILE         Also write the report to FILE (format from --format, else from .json/.md).
                     With --dry-run and JSON, FILE is a plan: review it, delete what you do not
                     approve, then run: secoda-user-sync apply FILE
  --max-deletes N    Allow up to N deletes this one run, lifting MAX_DELETES and MAX_DELETE_PERCENT
  --max-demotions N  Allow up to N demotions (role downgrades and GROUP_MAP group removals) this one run,
                     lifting MAX_DEMOTIONS and MAX_DEMOTION_PERCENT
  --wait SECONDS     If another reconcile (e.g. the daemon) is running, wait up to this long (default 0)
  -h, --help         Show this help`,
    groups: ['sync', 'store', 'common'],
  },
  apply: {
    usage: 'secoda-user-sync apply PLAN_FILE [--format table|json|markdown] [--out FILE] [--wait SECONDS]',
    flags: `  PLAN_FILE          A plan: the JSON report of reconcile --dry-run (--out plan.json), reviewed
  --format FORMAT    table (default on a terminal), json (default otherwise) or markdown
  --out FILE         Also write the report to FILE (format from --format, else from .json/.md)
  --wait SECONDS     If another run (e.g. the daemon) is running, wait up to this long (default 0)
  -h, --help         Show this help

Reads both APIs again and applies exactly the actions that are in the file AND
that the sync would still make, with the same type, email, Secoda id and
roles. An action of the file the sync no longer plans is reported "stale", one
it plans that the file lacks "not reviewed": neither is applied (exit 3). To
approve part of a plan, delete actions from the file; an action added to it is
never executed. The file is the approval: MAX_DELETES, MAX_DELETE_PERCENT,
MAX_DEMOTIONS and MAX_DEMOTION_PERCENT do not hold its actions, but the data
rails still do (empty, partial or invalid source, last admin, protected and
unmanaged users). A plan older than PLAN_MAX_AGE, a file that is not a plan,
or a plan made for another SECODA_API_URL or ORG_API_URL: exit 2, nothing sent.`,
    groups: ['sync', 'store', 'common'],
  },
  undo: {
    usage: 'secoda-user-sync undo RUN_ID [--dry-run] [--format table|json|markdown] [--out FILE] [--max-deletes N] [--max-demotions N] [--wait SECONDS]',
    flags: `  RUN_ID             The run to reverse (see: secoda-user-sync report --list)
  --dry-run          Read Secoda and show the reverse plan; send no write
  --format FORMAT    table (default on a terminal), json (default otherwise) or markdown
  --out FILE         Also write the report to FILE (format from --format, else from .json/.md)
  --max-deletes N    Allow up to N deletes this one undo (it deletes the invitations the run sent)
  --max-demotions N  Allow up to N role downgrades this one undo
  --wait SECONDS     If another run (e.g. the daemon) is running, wait up to this long (default 0)
  -h, --help         Show this help

Reverses the succeeded actions of run RUN_ID, as a new run of mode "undo"
that names it: a deleted user is invited again with the role recorded before
the delete; a re-role goes back to its old role if the user still has the
role the run gave; an invited user is deleted only while the invitation is
still pending. Anything else is reported "skipped" with its reason (exit 3).
The same lock, rails and recording hold as for reconcile. The next sync makes
the change again unless its cause is fixed or the sync is paused.`,
    groups: ['sync', 'store', 'common'],
  },
  report: {
    usage: 'secoda-user-sync report [RUN_ID] [--format table|json|markdown] | report --list [--limit N]',
    flags: `  RUN_ID             The run to show (default: the latest)
  --list             List recent runs (id, mode, status, started, duration, counts)
  --limit N          How many runs --list shows (default 20)
  --format FORMAT    table (default on a terminal), json (default otherwise) or markdown
  -h, --help         Show this help`,
    groups: ['store', 'common'],
  },
  migrate: {
    usage: 'secoda-user-sync migrate',
    flags: '  -h, --help         Show this help',
    groups: ['store', 'common'],
  },
  daemon: {
    usage: 'secoda-user-sync daemon',
    flags: `  -h, --help         Show this help

Reconciles on SYNC_SCHEDULE; one run at a time per database (an advisory lock
on Postgres, so several replicas are safe). SIGTERM/SIGINT: no new writes,
in-flight requests finish, the run is recorded as interrupted; a second
signal exits at once. Serves /healthz, /readyz and /metrics on HTTP_PORT.`,
    groups: ['daemon', 'sync', 'store', 'common'],
  },
};

const PAUSE_TEXT = `
The pause is kept in the database, so every daemon replica and one-shot run
sees it at its next run: runs still read both APIs and record the plan, send
no write, are recorded held with "paused: TEXT (since …, by …)" and exit 3.
The daemon keeps its schedule, and posts to ALERT_WEBHOOK_URL when it first
finds the sync paused and when it is resumed. /metrics: secoda_user_sync_paused.
With the embedded database (no DATABASE_URL) the data directory admits one
process: run pause/resume where the daemon is not running, or use Postgres.`;

// Added to the table below (kept apart so other commands' entries merge cleanly).
const PAUSE_HELP: typeof COMMAND_HELP = {
  pause: {
    usage: 'secoda-user-sync pause --reason TEXT [--by NAME]',
    flags: `  --reason TEXT      Why (required): shown in every held run, alert and report --list
  --by NAME          Who paused (default: user@host of this process)
  -h, --help         Show this help
${PAUSE_TEXT}`,
    groups: ['store', 'common'],
  },
  resume: {
    usage: 'secoda-user-sync resume [--by NAME]',
    flags: `  --by NAME          Who resumed (default: user@host of this process)
  -h, --help         Show this help

Ends the pause; the next run (scheduled or one-shot) writes again.`,
    groups: ['store', 'common'],
  },
};
Object.assign(COMMAND_HELP, PAUSE_HELP);

function variables(groups: VariableGroup[]): string {
  const rows = VARIABLES.filter((v) => groups.includes(v.group));
  const width = Math.max(...rows.map((v) => v.name.length));
  return rows
    .map((v) => `  ${v.name.padEnd(width)}  ${v.description}${v.default === undefined ? ' (required)' : v.default ? ` (default ${v.default})` : ''}`)
    .join('\n');
}

export function mainHelp(): string {
  return `secoda-user-sync: keep a Secoda workspace's users in line with the organization's user list.

Usage: secoda-user-sync <command> [flags]

${COMMANDS}

${EXIT_CODES}

Environment (a .env file in the working directory is read too; real variables win):
${variables(['sync', 'store', 'common', 'daemon'])}
`;
}

export function commandHelp(command: string): string {
  const h = COMMAND_HELP[command]!;
  return `Usage: ${h.usage}

Flags:
${h.flags}

Environment (a .env file in the working directory is read too; real variables win):
${variables(h.groups)}

${EXIT_CODES}
`;
}
