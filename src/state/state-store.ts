import type { DutyActor } from '../policy/duty-conflict.js';
import type { DutyStep, LedgerEntry } from '../policy/types.js';

export type { DutyActor } from '../policy/duty-conflict.js';

/**
 * Everything stateful dutygate keeps, behind one small interface with two drivers: `memory`
 * (embedded default, one replica) and `redis` (shared by every replica). Each method is atomic
 * on its own — drivers never read-modify-write across an await — and fails by throwing a
 * `DutygateError` (`STATE_UNAVAILABLE`, `REPLAY_CAPACITY`), which the Check path turns into a
 * fast deny.
 */
export interface StateStore {
  /** Driver name, for logs and `/readyz`. */
  readonly driver: 'memory' | 'redis';

  /**
   * Spends a token id exactly once (atomic set-if-absent). Resolves `true` for the one caller
   * that claimed it, `false` for every later one, until `expiresAtMs` has passed.
   */
  claimJti(jti: string, expiresAtMs: number, nowMs: number): Promise<boolean>;

  /** Ledger entries recorded for the resources of these steps (any step, any actor). */
  readLedger(steps: readonly DutyStep[], nowMs: number): Promise<LedgerEntry[]>;

  /**
   * Records that `actor` performed `steps`, unless one of them conflicts with the ledger (the
   * same actor already performed another distinct step of the same duty and resource). Check
   * and record are one atomic step, so two replicas cannot both pass a conflicting pair.
   * Resolves the conflicting entry (and records nothing), or undefined once recorded.
   */
  commitDutySteps(steps: readonly DutyStep[], actor: DutyActor, nowMs: number): Promise<LedgerEntry | undefined>;

  /** Resolves when the store answers; throws `STATE_UNAVAILABLE` otherwise. */
  ping(): Promise<void>;

  /** Releases timers and connections. */
  close(): Promise<void>;
}
