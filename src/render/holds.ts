/**
 * The plan's holds, skip reasons and notes in words. The plan engine only
 * gives their data; naming the variables and commands that govern them is
 * the product's business, so it happens here, once. The run record keeps
 * these strings, so reports of past runs read the same.
 */
import type { Hold, Plan, PlanNote, Skip } from '../core/plan.js';
import type { UndoSkipReason } from '../core/undo.js';
import { formatPeriod } from './period.js';
import { pauseText } from './pause.js';

/** How a user lifts a mass guard for one run, for `count` actions. */
const OVERRIDES = {
  mass_delete: { noun: 'delete', countVar: 'MAX_DELETES', percentVar: 'MAX_DELETE_PERCENT', flag: '--max-deletes' },
  mass_demotion: { noun: 'demotion', countVar: 'MAX_DEMOTIONS', percentVar: 'MAX_DEMOTION_PERCENT', flag: '--max-demotions' },
} as const;

/** `command`: what lifts a mass guard once (`reconcile`, or `undo 12` for an undo). */
export function holdText(hold: Hold, command = 'reconcile'): string {
  switch (hold.kind) {
    case 'source':
      return hold.reason;
    case 'empty_source':
      return `the source returned no users while the target has ${hold.managed} managed users: no deletes`;
    case 'last_admin':
      return `last-admin guard: ${hold.email} is the last remaining ${hold.role}; not ${hold.action === 'delete' ? 'deleted' : 'demoted'}`;
    case 'group_removals':
      return `${hold.count} group removal(s) withheld (GROUP_MAP), as deletes are: ${hold.reasons.map((r) => holdText(r)).join('; ')}`;
    case 'mass_delete':
    case 'mass_demotion': {
      const { noun, countVar, percentVar, flag } = OVERRIDES[hold.kind];
      const percent = hold.managed > 0 ? (hold.count / hold.managed) * 100 : 0;
      const caps = [
        hold.overCount ? `${countVar}=${hold.max}` : null,
        hold.overPercent ? `${percentVar}=${hold.maxPercent}% (${percent.toFixed(1)}% of ${hold.managed} managed)` : null,
      ].filter(Boolean).join(' and ');
      // Group removals count as demotions (GROUP_MAP): say how many of them there are.
      const parts = hold.kind === 'mass_demotion' && hold.groupRemovals
        ? ` (${hold.count - hold.groupRemovals} role downgrade(s), ${hold.groupRemovals} group removal(s))`
        : '';
      return (
        `mass-${noun} guard: ${hold.count} ${noun}s planned${parts}, over ${caps}; no ${noun}s made. ` +
        `To allow them once: review the plan (${command} --dry-run), then run ${command} ${flag} ${hold.count}`
      );
    }
    case 'review':
      return reviewText(hold.stale, hold.notReviewed);
    case 'undo_skipped':
      return `${hold.count} action(s) could not be reversed (status skipped; each says why)`;
    case 'paused':
      return `${pauseText(hold)}; nothing is written until \`secoda-user-sync resume\``;
  }
}

/** Why a reviewed plan was not applied in full. */
function reviewText(stale: number, notReviewed: number): string {
  const parts = [
    stale ? `${stale} action(s) of the plan file are no longer what the sync would do (stale)` : null,
    notReviewed ? `${notReviewed} action(s) the sync would do now are not in the plan file (not reviewed)` : null,
  ].filter(Boolean).join('; ');
  return `reviewed plan: ${parts}: not applied. Make and review a new plan: reconcile --dry-run --out plan.json`;
}

/** Why undo left an action of the reversed run alone. */
export function undoSkipText(skip: UndoSkipReason): string {
  switch (skip.kind) {
    case 'gone':
      return 'no longer in Secoda';
    case 'present':
      return `already in Secoda again${skip.id ? ` (Secoda id ${skip.id})` : ''}`;
    case 'active':
      return 'has accepted the invitation and started using Secoda: not deleted';
    case 'role_changed':
      return `role is now ${skip.role ?? 'none'}, not ${skip.expected} as the run left it: changed since, left alone`;
    case 'no_role':
      return 'no role was recorded before the change: nothing to go back to';
    case 'excluded':
      return `outside the sync: ${skip.exclusion === 'unknown_role' ? 'unknown role' : SKIP_REASONS[skip.exclusion]}`;
  }
}

const SKIP_REASONS: Record<Exclude<Skip['kind'], 'unknown_role'>, string> = {
  service_account: 'service account',
  guest: 'guest',
  disabled: 'disabled',
  protected: 'protected (PROTECTED_EMAILS)',
  key_owner: 'protected (SECODA_KEY_OWNER)',
  unmapped_role: 'no mapped role (DEFAULT_ROLE=none)',
  no_email: 'no email',
  duplicate: 'duplicate account',
};

export function skipText(skip: Skip): { email: string; reason: string } {
  const reason = skip.kind === 'unknown_role'
    ? (skip.role ? `unknown role "${skip.role}"` : 'unknown role (missing)')
    : SKIP_REASONS[skip.kind];
  return { email: skip.email, reason };
}

export function noteText(note: PlanNote): string {
  switch (note.kind) {
    case 'duplicates': {
      const { emails } = note;
      const shown = emails.slice(0, 10).join(', ') + (emails.length > 10 ? ` and ${emails.length - 10} more` : '');
      return (
        `${note.accounts} accounts share ${emails.length === 1 ? 'one email' : `${emails.length} emails`} (${shown}): ` +
        'they are left alone (not re-roled, deleted or invited) until only one account per email remains in Secoda'
      );
    }
    case 'key_owner_unset':
      return (
        'warning: SECODA_KEY_OWNER is not set, so the Secoda user who owns SECODA_API_KEY is not protected: ' +
        'the sync could delete or demote it and lock itself out. Set SECODA_KEY_OWNER to that user\'s email ' +
        '(Secoda has no API call that names a key\'s owner).'
      );
    case 'key_owner_absent':
      return `warning: SECODA_KEY_OWNER ${note.key} is not a user of this Secoda workspace: check the address`;
    case 'key_owner_not_admin':
      return `warning: SECODA_KEY_OWNER ${note.key} is not an active ${note.adminRole} in Secoda; an API key has its owner's access`;
    case 'deferred_deletes':
      return (
        `${note.count} delete${note.count === 1 ? '' : 's'} deferred by DELETE_AFTER=${formatPeriod(note.deleteAfterMs)}: ` +
        `a user missing from the source is deleted once every run has found it missing that long; the first is due ${note.nextDue.toISOString()}`
      );
  }
}

/** The plan's holds, skipped members and notes as the run record keeps them. */
export function planText(plan: Pick<Plan, 'holds' | 'skipped' | 'notes'>): { holds: string[]; skipped: { email: string; reason: string }[]; notes: string[] } {
  return { holds: plan.holds.map((h) => holdText(h)), skipped: plan.skipped.map(skipText), notes: plan.notes.map(noteText) };
}
