import { CONFIG_DEFAULTS } from '../config/defaults.js';
import { DutygateError } from '../errors.js';
import type { DutyActor } from '../policy/duty-conflict.js';

/** Default of `limits.max_ledger_entries_per_actor` (config/defaults.ts). */
export const DEFAULT_MAX_LEDGER_ENTRIES_PER_ACTOR = CONFIG_DEFAULTS.limits.maxLedgerEntriesPerActor;

/**
 * Whose share of the duty ledger an entry uses: the agent that performed the step, the root of
 * its attested chain (an orchestrator answers for every child it spawns, so fresh child ids do
 * not buy fresh shares), and the human initiator.
 */
export type LedgerHolderKind = 'agent' | 'root' | 'initiator';

/** One share an entry counts against. */
export interface LedgerHolder {
  readonly kind: LedgerHolderKind;
  readonly id: string;
}

/**
 * The shares `actor`'s entries count against, in the order both drivers check them: agent,
 * chain root (only when the actor has ancestors), initiator (only when it names one).
 */
export function ledgerHoldersOf(actor: DutyActor): LedgerHolder[] {
  const holders: LedgerHolder[] = [{ kind: 'agent', id: actor.agentId }];
  const root = actor.ancestors?.[0];
  if (root !== undefined) holders.push({ kind: 'root', id: root });
  if (actor.initiator !== undefined) holders.push({ kind: 'initiator', id: actor.initiator });
  return holders;
}

/**
 * The deny for a duty step beyond an actor's share of the ledger. Both drivers throw exactly
 * this, so memory and Redis answer the same code and sentence. Nothing was recorded.
 */
export function ledgerLimitError(kind: LedgerHolderKind, cap: number): DutygateError {
  const who = kind === 'agent' ? 'this agent' : kind === 'root' ? "this agent's chain root" : "this call's initiator";
  return DutygateError.expected(
    'LEDGER_LIMIT',
    `${who} already holds ${cap} live duty-ledger entries (limits.max_ledger_entries_per_actor); nothing was recorded, and room frees as its entries reach the ledger TTL`,
  );
}
