import type { DutyStep, LedgerEntry } from '../policy/types.js';
import type { DutyActor } from './state-store.js';

/**
 * The SoD rule of DESIGN §4 `duties`: a step in `distinct` conflicts with an entry of the same
 * duty and resource when the entry is another distinct step performed by the same actor — the
 * same agent, or the same human initiator (one person must not propose and approve through two
 * agents). Repeating the same step is not a conflict (retries are normal).
 */
export function isDutyConflict(entry: LedgerEntry, step: DutyStep, actor: DutyActor): boolean {
  if (entry.duty !== step.duty || entry.resource !== step.resource || entry.step === step.step) return false;
  if (!step.distinct.includes(step.step) || !step.distinct.includes(entry.step)) return false;
  if (entry.agentId === actor.agentId) return true;
  return actor.initiator !== undefined && entry.initiator === actor.initiator;
}

/** The first ledger entry that conflicts with any of `steps`, or undefined. */
export function findDutyConflict(
  entries: readonly LedgerEntry[],
  steps: readonly DutyStep[],
  actor: DutyActor,
): LedgerEntry | undefined {
  for (const step of steps) {
    for (const entry of entries) {
      if (isDutyConflict(entry, step, actor)) return entry;
    }
  }
  return undefined;
}

/** The key under which a duty's entries for one resource are kept. */
export function ledgerKey(duty: string, resource: string): string {
  return `${duty}\u0000${resource}`;
}
