import { VARIABLES, type VariableGroup } from '../config/variables.js';

const COMMANDS = `Commands:
  reconcile   Make Secoda's users match the organization (--dry-run: only show the plan)
  report      Show a past run again (default: the latest)
  migrate     Create or update the database schema
  daemon      Reconcile on a schedule as a background service (health, metrics, alerts)
  help        Show help for a command: secoda-user-sync help reconcile`;

const EXIT_CODES = `Exit codes:
  0  done
  1  failed: a read failed (nothing was changed) or an action failed
  2  usage or configuration error, found before any request was sent
  3  held: a safety rail withheld destructive actions (the rest was applied)`;

export const COMMAND_HELP: Record<string, { usage: string; flags: string; groups: VariableGroup[] }> = {
  reconcile: {
    usage: 'secoda-user-sync reconcile [--dry-run] [--refresh] [--format table|json|markdown] [--out FILE] [--max-deletes N] [--max-demotions N] [--wait SECONDS]',
    flags: `  --dry-run          Read both APIs and show the plan; send no write to either API
  --refresh          Read Secoda's whole user list this run, whatever the snapshot's age (SECODA_REFRESH)
  --format FORMAT    table (default on a terminal), json (default otherwise) or markdown
  --out FILE         Also write the report to FILE (format from --format, else from .json/.md)
  --max-deletes N    Allow up to N deletes this one run, lifting MAX_DELETES and MAX_DELETE_PERCENT
  --max-demotions N  Allow up to N role downgrades this one run, lifting MAX_DEMOTIONS and MAX_DEMOTION_PERCENT
  --wait SECONDS     If another reconcile (e.g. the daemon) is running, wait up to this long (default 0)
  -h, --help         Show this help`,
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
