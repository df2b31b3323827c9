import type { DutyStep, LedgerEntry } from './types.js';

/** Who performs a duty step: the agent, its attested ancestors, and its human initiator. */
export interface DutyActor {
  readonly agentId: string;
  readonly initiator?: string;
  /** Attested ancestors' agent ids (an orchestrator acts through the children it spawns). */
  readonly ancestors?: readonly string[];
}

/**
 * Whether a ledger entry was made by the same actor, and who: the same agent, the same human
 * initiator (one person must not propose and approve through two agents), or an ancestor of
 * this agent (an orchestrator must not approve its own draft through a child it spawned).
 * The one definition of "same actor", used by `evaluate()` and by every state driver's commit.
 */
export function sameActor(entry: LedgerEntry, actor: DutyActor): string | undefined {
  if (entry.agentId === actor.agentId) return `agent '${actor.agentId}'`;
  if (actor.initiator !== undefined && entry.initiator === actor.initiator) return `initiator '${actor.initiator}'`;
  if (actor.ancestors?.includes(entry.agentId)) return `ancestor agent '${entry.agentId}'`;
  return undefined;
}

/**
 * The SoD rule of DESIGN §4 `duties`: a distinct step conflicts with an entry of the same duty
 * and resource when the entry is another distinct step performed by the same actor. Repeating
 * the same step is not a conflict (retries are normal).
 */
export function isDutyConflict(entry: LedgerEntry, step: DutyStep, actor: DutyActor): boolean {
  if (entry.duty !== step.duty || entry.resource !== step.resource || entry.step === step.step) return false;
  if (!step.distinct.includes(step.step) || !step.distinct.includes(entry.step)) return false;
  return sameActor(entry, actor) !== undefined;
}

/** The first ledger entry that conflicts with any of `steps`, or undefined. */
export function findDutyConflict(entries: readonly LedgerEntry[], steps: readonly DutyStep[], actor: DutyActor): LedgerEntry | undefined {
  for (const step of steps) {
    if (step.enforced === false) continue;
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
