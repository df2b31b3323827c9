/**
 * The follow-up sweeper (issue 17 item 2): on a timer, every replica looks at the pending
 * approvals and, for each reminder or escalation that is due, tries the state store's atomic
 * claim (`claimFollowUp`). Only the replica whose claim wins audits the event and tells the
 * approvers, so however many replicas sweep, there is at most one reminder per interval and one
 * escalation per approval. Votes of the escalation list do not wait for this sweeper: they
 * count from `escalate_after` on by the clock (eligibility.ts); the sweeper only tells people.
 */
import type { Logger } from '../log/logger.js';
import type { ApprovalRecord, FollowUpStep } from '../state/approval-record.js';
import type { StateStore } from '../state/state-store.js';
import type { ApprovalEvents } from './approval-events.js';
import type { ApprovalNotifier } from './notifier.js';

/** Pending approvals looked at per sweep (newest first); older ones wait for a later sweep. */
export const FOLLOW_UP_SWEEP_LIMIT = 500;

/** Options of {@link createFollowUpSweeper}. */
export interface FollowUpSweeperOptions {
  readonly state: StateStore;
  readonly notifier: ApprovalNotifier;
  readonly events: ApprovalEvents;
  readonly log: Logger;
  readonly now: () => number;
  /**
   * Whether to sweep at all: false while no rule of the policy in force asks for follow-ups, so
   * a gate without them never reads its pending approvals on a timer.
   */
  readonly enabled: () => boolean;
  /** Sweep interval (default 15s; 0: no timer, `sweep()` on demand). */
  readonly intervalMs?: number;
}

/** The running sweeper. */
export interface FollowUpSweeper {
  /** One sweep; never rejects. Resolves once every claimed follow-up is audited and sent. */
  sweep(): Promise<void>;
  close(): void;
}

/** The follow-ups of `record` due at `nowMs`, escalation first (its reply names who joins). */
export function dueFollowUps(record: ApprovalRecord, nowMs: number): FollowUpStep[] {
  if (record.status !== 'pending' || record.expiresAt <= nowMs) return [];
  const due: FollowUpStep[] = [];
  if (record.escalateAfterMs !== undefined && record.escalatedAt === undefined && nowMs >= record.createdAt + record.escalateAfterMs) due.push('escalate');
  const every = record.remindAfterMs;
  if (every !== undefined && nowMs >= record.createdAt + every && (record.remindedAt === undefined || nowMs >= record.remindedAt + every)) due.push('remind');
  return due;
}

/** Builds the sweeper and starts its timer. */
export function createFollowUpSweeper(options: FollowUpSweeperOptions): FollowUpSweeper {
  const { state, notifier, events, log, now } = options;
  let running: Promise<void> | undefined;

  async function followUp(record: ApprovalRecord, step: FollowUpStep, nowMs: number): Promise<void> {
    const claimed = await state.claimFollowUp(record.approvalId, step, nowMs, step === 'remind' ? record.remindAfterMs : undefined);
    if (!claimed) return;
    events.followedUp(step, claimed);
    await notifier.followUp(claimed, step);
  }

  async function sweepOnce(): Promise<void> {
    if (!options.enabled()) return;
    const nowMs = now();
    try {
      const pending = await state.listApprovals('pending', nowMs, FOLLOW_UP_SWEEP_LIMIT);
      for (const record of pending) {
        for (const step of dueFollowUps(record, nowMs)) await followUp(record, step, nowMs);
      }
    } catch (error) {
      log.warn({ err: String(error) }, 'approval follow-up sweep failed; the next sweep tries again');
    }
  }

  // One sweep at a time per replica: a slow store must not stack sweeps on the timer.
  const sweep = (): Promise<void> => {
    running ??= sweepOnce().finally(() => {
      running = undefined;
    });
    return running;
  };

  const interval = options.intervalMs ?? 15_000;
  const timer = interval > 0 ? setInterval(() => void sweep(), interval) : undefined;
  timer?.unref();
  return {
    sweep,
    close() {
      if (timer) clearInterval(timer);
    },
  };
}
