/**
 * Benchmark child: the plan engine alone on n source x n target records, in
 * a process of its own so its peak RSS is the engine's (plus Node and the
 * input records), not the bench's. Prints one JSON line.
 *
 *   node build/tools/bench/plan-child.js <n>
 */
import { secodaUsersToMembers } from '../../src/adapters/secoda-members.js';
import { orgUsersToMembers, protectedMatcher } from '../../src/core/normalise.js';
import { computePlan, type PlanOptions } from '../../src/core/plan.js';
import { DEFAULT_ROLE_MAP } from '../../src/config/variables.js';
import { parseRoleMap, SECODA_VOCABULARY } from '../../src/adapters/secoda-roles.js';
import { planInputs } from './data.js';

export interface PlanChildResult {
  n: number;
  /** First (cold) run: normalising both sides, then computePlan. */
  normaliseMs: number;
  planMs: number;
  /** Median of the warm repeats (normalise + plan). */
  warmMs: number;
  /** Peak RSS of the process after the cold run (bytes). */
  peakRss: number;
  /** Peak RSS with nothing but the generated input records (bytes). */
  inputRss: number;
  actions: number;
  unchanged: number;
}

const n = Number(process.argv[2]);
if (!Number.isInteger(n) || n < 1) {
  process.stderr.write('usage: plan-child <n>\n');
  process.exit(2);
}

const { org, secoda } = planInputs(n);
const inputRss = process.resourceUsage().maxRSS * 1024;
const roleMap = parseRoleMap(DEFAULT_ROLE_MAP);
const options: PlanOptions = {
  roleOrder: SECODA_VOCABULARY.roles,
  adminRole: SECODA_VOCABULARY.adminRole,
  isProtected: protectedMatcher(['ceo@bench.example', '@board.bench.example']),
  deleteHolds: [],
  maxDeletes: 25,
  maxDeletePercent: 20,
  maxDemotions: 25,
  maxDemotionPercent: 20,
};

function once() {
  const t0 = performance.now();
  const desired = orgUsersToMembers(org, { roleMap, defaultRole: 'viewer', roleOrder: SECODA_VOCABULARY.roles });
  const current = secodaUsersToMembers(secoda);
  const t1 = performance.now();
  const plan = computePlan(desired, current, options);
  const t2 = performance.now();
  return { normaliseMs: t1 - t0, planMs: t2 - t1, plan };
}

const cold = once();
const peakRss = process.resourceUsage().maxRSS * 1024;
const warm: number[] = [];
for (let i = 0; i < 3; i++) {
  const r = once();
  warm.push(r.normaliseMs + r.planMs);
}
warm.sort((a, b) => a - b);

const result: PlanChildResult = {
  n,
  normaliseMs: cold.normaliseMs,
  planMs: cold.planMs,
  warmMs: warm[1]!,
  peakRss,
  inputRss,
  actions: cold.plan.actions.length,
  unchanged: cold.plan.unchanged,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
