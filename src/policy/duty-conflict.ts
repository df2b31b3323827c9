import type { DistinctBy, DutyStep, LedgerEntry } from './types.js';

/** Who performs a duty step: the agent, its attested ancestors, and its human initiator. */
export interface DutyActor {
  readonly agentId: string;
  readonly initiator?: string;
  /** Attested ancestors' agent ids, root first (an orchestrator acts through the children it spawns). */
  readonly ancestors?: readonly string[];
}

/**
 * Whether a ledger entry was made by the same actor under `by`, and who that shared member is.
 * The one definition of "same actor", used by `evaluate()` and by every state driver's commit
 * (the Redis Lua script is a port of it). Symmetric in the two actors by construction: each
 * test is an intersection.
 *
 * - `agent`: the same agent.
 * - `initiator`: the same agent, or the same human initiator (one person must not propose and
 *   approve through two agents).
 * - `lineage` (default): the above, or any shared member of the two lineages (agent plus
 *   ancestors): an orchestrator that drafts through child A and approves through child B
 *   performed both steps.
 */
export function sameActor(entry: LedgerEntry, actor: DutyActor, by: DistinctBy = 'lineage'): string | undefined {
  if (entry.agentId === actor.agentId) return `agent '${actor.agentId}'`;
  if (by === 'agent') return undefined;
  if (actor.initiator !== undefined && entry.initiator === actor.initiator) return `initiator '${actor.initiator}'`;
  if (by === 'initiator') return undefined;
  const mine = actor.ancestors ?? [];
  if (mine.includes(entry.agentId)) return `ancestor agent '${entry.agentId}'`;
  for (const theirs of entry.ancestors ?? []) {
    if (theirs === actor.agentId || mine.includes(theirs)) return `ancestor agent '${theirs}'`;
  }
  return undefined;
}

/**
 * The SoD rule of docs/design.md §4 `duties`: a distinct step conflicts with an entry of the same duty
 * and resource when the entry is another distinct step performed by the same actor. Repeating
 * the same step is not a conflict (retries are normal).
 */
export function isDutyConflict(entry: LedgerEntry, step: DutyStep, actor: DutyActor): boolean {
  if (entry.duty !== step.duty || entry.resource !== step.resource || entry.step === step.step) return false;
  if (!step.distinct.includes(step.step) || !step.distinct.includes(entry.step)) return false;
  return sameActor(entry, actor, step.distinctBy) !== undefined;
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

/** The ledger entry `actor` leaves for `step` at `at`. */
export function ledgerEntryOf(step: DutyStep, actor: DutyActor, at: number): LedgerEntry {
  return {
    duty: step.duty,
    resource: step.resource,
    step: step.step,
    agentId: actor.agentId,
    ...(actor.initiator === undefined ? {} : { initiator: actor.initiator }),
    ...(actor.ancestors === undefined || actor.ancestors.length === 0 ? {} : { ancestors: actor.ancestors }),
    at,
  };
}

/** The key under which a duty's entries for one resource are kept. */
export function ledgerKey(duty: string, resource: string): string {
  return `${duty}\u0000${resource}`;
}
