import type { Logger } from '../log/logger.js';
import type { AuditRecord } from './decision-record.js';

/** Why a record was written without its chain stamp. */
export type UnchainedReason = 'store_error' | 'backlog';

/** Collects the records of one loss episode and raises one alarm line for it. */
export interface UnchainedAlarm {
  /** One record written unchained. */
  lost(record: AuditRecord, reason: UnchainedReason, error?: unknown): void;
  /** A record was chained again (or the recorder closes): the episode, if any, is logged. */
  end(): void;
}

/**
 * One alarm line per episode of unchained records, not one per record: when the append buffer
 * is full it stays full for as long as the store is away, and a line per Check would flood the
 * log exactly when it matters. The line names the first and last decision id lost and how many,
 * which is what an auditor needs to account for the gap `audit verify` will report.
 */
export function createUnchainedAlarm(logger: Logger): UnchainedAlarm {
  let episode: { first: string | null; last: string | null; count: number; reasons: Set<UnchainedReason>; err?: string } | undefined;
  return {
    lost(record, reason, error) {
      if (!episode) {
        episode = { first: idOf(record), last: idOf(record), count: 0, reasons: new Set() };
        logger.error({ first_decision_id: idOf(record), reason }, 'audit records not chained: the chain has a gap from here');
      }
      episode.last = idOf(record);
      episode.count += 1;
      episode.reasons.add(reason);
      if (error !== undefined && episode.err === undefined) episode.err = error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error);
    },
    end() {
      if (!episode) return;
      const { first, last, count, reasons, err } = episode;
      episode = undefined;
      logger.error({ first_decision_id: first, last_decision_id: last, count, reasons: [...reasons], ...(err === undefined ? {} : { err }) }, 'audit records not chained (gap in the audit chain)');
    },
  };
}

/** The decision id of a Check record; the approval id of an approval event without one. */
function idOf(record: AuditRecord): string | null {
  return record.decision_id ?? (record.type === 'approval' ? record.approval_id : null);
}
