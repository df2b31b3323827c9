import { DutygateError } from '../../errors.js';
import type { DutyActor, StateStore } from '../state-store.js';
import { DEFAULT_MAX_PENDING_APPROVALS } from '../approval-limit.js';
import { APPROVAL_RETENTION_MS } from '../approval-status.js';
import { replayKeyOf } from '../key-parts.js';
import { JtiSet } from './jti-set.js';
import { MemoryApprovals } from './memory-approvals.js';
import { MemoryAudit } from './memory-audit.js';
import { MemoryLedger } from './memory-ledger.js';

/** Options of the memory driver. */
export interface MemoryStoreOptions {
  /** Upper bound on unexpired jti entries; also bounds ledger entries. */
  readonly maxJtiEntries: number;
  readonly ledgerTtlMs: number;
  /** Most approval records kept at once (default 100,000); when full, new approvals fail closed. */
  readonly maxApprovals?: number;
  /** How long decided or expired approvals stay readable (default 24h). */
  readonly approvalRetentionMs?: number;
  /** Pending approvals per agent and per initiator (`limits.max_pending_approvals`, default 20). */
  readonly maxPendingApprovals?: number;
  /** Live duty-ledger entries per agent, chain root and initiator (`limits.max_ledger_entries_per_actor`, default 100,000). */
  readonly maxLedgerEntriesPerActor?: number;
  /** Sweep interval for expired entries (default 1s). Set 0 to sweep only on demand (tests). */
  readonly sweepIntervalMs?: number;
  /** Clock for the background sweep (default Date.now). */
  readonly now?: () => number;
}

/**
 * Ledger keys and approval records the once-a-second sweep looks at: a full turn over a million
 * keys takes about four minutes, at a fraction of a millisecond per tick, however many an agent
 * made; expired entries are invisible to reads meanwhile, forgotten records read as absent.
 */
const SWEEP_PER_TICK = 4096;

/**
 * The embedded state driver: one process, no I/O. Every method completes its check-and-set
 * synchronously before its promise resolves, so concurrent Checks in this process see each
 * claim atomically. Every collection is bounded and fails closed when full.
 */
export function createMemoryStore(options: MemoryStoreOptions): StateStore {
  const jtis = new JtiSet(options.maxJtiEntries);
  const ledger = new MemoryLedger(options.maxJtiEntries, options.ledgerTtlMs, options.maxLedgerEntriesPerActor);
  const approvals = new MemoryApprovals({
    maxRecords: options.maxApprovals ?? 100_000,
    retentionMs: options.approvalRetentionMs ?? APPROVAL_RETENTION_MS,
    maxPending: options.maxPendingApprovals ?? DEFAULT_MAX_PENDING_APPROVALS,
  });
  const audit = new MemoryAudit();
  const now = options.now ?? Date.now;
  const interval = options.sweepIntervalMs ?? 1000;

  const timer =
    interval > 0
      ? setInterval(() => {
          const nowMs = now();
          jtis.sweep(nowMs);
          ledger.sweepSome(nowMs, SWEEP_PER_TICK);
          approvals.sweepSome(nowMs, SWEEP_PER_TICK);
        }, interval)
      : undefined;
  timer?.unref();

  // Synchronous work, reported the way the interface promises: as a settled promise.
  const settle = <T>(work: () => T): Promise<T> => {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };

  return {
    driver: 'memory',

    claimJti(space, jti, expiresAtMs, nowMs) {
      let result: ReturnType<JtiSet['claim']>;
      try {
        result = jtis.claim(replayKeyOf(space, jti), expiresAtMs, nowMs);
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      if (result === 'full') {
        return Promise.reject(new DutygateError('REPLAY_CAPACITY', 'the replay store is full of unexpired tokens'));
      }
      return Promise.resolve(result === 'claimed');
    },

    readLedger: (steps, nowMs) => settle(() => ledger.read(steps, nowMs)),
    commitDutySteps: (steps, actor: DutyActor, nowMs) => settle(() => ledger.commit(steps, actor, nowMs)),

    createApproval: (record, nowMs) => settle(() => approvals.create(record, nowMs)),
    getApproval: (approvalId, nowMs) => settle(() => approvals.get(approvalId, nowMs)),
    listApprovals: (status, nowMs, limit) => settle(() => approvals.list(status, nowMs, limit)),
    recordVote: (approvalId, vote, nowMs) => settle(() => approvals.vote(approvalId, vote, nowMs)),
    cancelApproval: (approvalId, by, nowMs) => settle(() => approvals.cancel(approvalId, by, nowMs)),
    claimFollowUp: (approvalId, step, nowMs, everyMs) => settle(() => approvals.claimFollowUp(approvalId, step, nowMs, everyMs)),
    setApprovalNotification: (approvalId, notification) => settle(() => approvals.setNotification(approvalId, notification)),
    activeBreakGlass: (agentId, nowMs) => settle(() => approvals.activeBreakGlass(agentId, nowMs)),

    appendAudit: (canonicalRecord) => settle(() => audit.append(canonicalRecord)),
    auditHead: () => settle(() => audit.current()),

    ping() {
      return Promise.resolve();
    },

    close() {
      if (timer) clearInterval(timer);
      jtis.clear();
      ledger.clear();
      approvals.clear();
      return Promise.resolve();
    },
  };
}
