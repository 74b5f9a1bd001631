/**
 * Benchmark child: database chores kept out of the bench process (which
 * hosts the simulators: a PGlite instance there would add its start-up and
 * garbage to the simulators' timings). Prints one JSON line.
 *
 *   node build/tools/bench/db-child.js prepare <postgres-url | pglite-dir> [snapshot-users] [org]
 *       migrate a fresh database; optionally store the Secoda snapshot of
 *       makeWorld({unchanged: n}) as a previous run would have left it, and
 *       with `org` that run's org snapshot too (a succeeded run pointing to
 *       it, recording no Secoda read: the next run reads Secoda in full)
 *   node build/tools/bench/db-child.js apply-window <postgres-url | pglite-dir> <run-id>
 *       first startedAt / last finishedAt of the run's succeeded actions
 */
import { secodaUsersToMembers } from '../../src/adapters/secoda-members.js';
import { openStore } from '../../src/store/index.js';
import { makeWorld } from './data.js';

export interface ApplyWindow {
  actions: number;
  firstStartedAt: number;
  lastFinishedAt: number;
}

const [command, where = '', arg, withOrg] = process.argv.slice(2);
const isPg = /^postgres(ql)?:\/\//i.test(where);
const store = await openStore(isPg ? { databaseUrl: where, dataDir: '' } : { dataDir: where });
try {
  if (command === 'prepare') {
    const n = Number(arg ?? 0);
    const world = makeWorld({ unchanged: n, reRole: 0, invite: 0, remove: 0 });
    if (n > 0 && withOrg === 'org') {
      // What the org adapter hands over for these records (SourceUser): the snapshot is found by their hash.
      const runId = await store.createRun('apply');
      await store.saveOrgSnapshot(runId, world.org.map((u) => ({ id: u.id!, email: u.email!, name: u.name ?? '', roles: u.roles ?? [] })));
      await store.updateRun(runId, { status: 'succeeded', finishedAt: new Date() });
    }
    if (n > 0) {
      await store.replaceSecodaSnapshot(secodaUsersToMembers(world.secoda.map((s) => ({
        id: s.id!, first_name: s.first_name ?? '', last_name: s.last_name ?? '', email: s.email!, role: String(s.role),
        pending: false, is_service_account: false, disabled: false,
      }))));
    }
    process.stdout.write(`${JSON.stringify({ prepared: true, snapshot: n, org: withOrg === 'org' })}\n`);
  } else if (command === 'apply-window') {
    const actions = (await store.listActions(Number(arg))).filter((a) => a.status === 'succeeded' && a.startedAt && a.finishedAt);
    const result: ApplyWindow = {
      actions: actions.length,
      firstStartedAt: Math.min(...actions.map((a) => a.startedAt!.getTime())),
      lastFinishedAt: Math.max(...actions.map((a) => a.finishedAt!.getTime())),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    process.stderr.write('usage: db-child prepare <where> [n] | apply-window <where> <run-id>\n');
    process.exitCode = 2;
  }
} finally {
  await store.close();
}
