import { settleWithin } from '../lib/with-deadline.js';
import type { Logger } from '../log/logger.js';
import type { StateStore } from '../state/state-store.js';
import { canonicalRecord } from './canonical-record.js';
import type { DecisionLog } from './decision-log.js';
import type { AuditRecord, AuditStamp } from './decision-record.js';

/** What became of one record. */
export interface RecordedAudit {
  /** The canonical record that was hashed (also carried on the span). */
  readonly canonical: string;
  /** The chain link; undefined when the chain is off or the append failed. */
  readonly stamp?: AuditStamp;
}

/** Options of {@link createAuditRecorder}. */
export interface AuditRecorderOptions {
  /** The store holding the chain head; undefined turns the chain off (`audit.chain: false`). */
  readonly store?: Pick<StateStore, 'appendAudit'>;
  readonly log: DecisionLog;
  readonly logger: Logger;
  /** Appends in flight above this are not chained (the store is not keeping up); default 10000. */
  readonly maxPending?: number;
  /** Told about every record that could not be chained (for the metric). */
  readonly onUnchained?: (reason: 'store_error' | 'backlog') => void;
}

/** Seals audit records into the chain and writes them to the decision log. */
export interface AuditRecorder {
  /**
   * Appends `record` to the chain, then writes its line (with the stamp). Never rejects: when
   * the append fails the line is still written, without `audit`, and the failure is logged
   * and counted — the record is kept, only its chain proof is missing.
   */
  record(record: AuditRecord): Promise<RecordedAudit>;
  /** Waits up to `timeoutMs` (default 5 s) for appends in flight and their lines, without closing the log. */
  drain(timeoutMs?: number): Promise<void>;
  /** Waits up to `timeoutMs` (default 5 s) for appends in flight, then closes the log. */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * Creates the recorder. Appends are not retried: a timed-out append may still have been
 * applied by the store, and a retry would put the record in the chain twice; `audit verify`
 * names the resulting gap instead.
 */
export function createAuditRecorder(options: AuditRecorderOptions): AuditRecorder {
  const { store, log, logger } = options;
  const maxPending = options.maxPending ?? 10_000;
  const pending = new Set<Promise<unknown>>();

  const unchained = (record: AuditRecord, canonical: string, reason: 'store_error' | 'backlog', error?: unknown): RecordedAudit => {
    options.onUnchained?.(reason);
    logger.error({ decision_id: record.decision_id, reason, err: error instanceof Error ? error.message : error }, 'audit record not chained');
    log.write(record);
    return { canonical };
  };

  const append = async (record: AuditRecord, canonical: string): Promise<RecordedAudit> => {
    if (!store) {
      log.write(record);
      return { canonical };
    }
    if (pending.size >= maxPending) return unchained(record, canonical, 'backlog');
    const work = store.appendAudit(canonical);
    pending.add(work);
    try {
      const link = await work;
      const stamp: AuditStamp = { seq: link.seq, hash: link.hash, prev_hash: link.prevHash };
      log.write({ ...record, audit: stamp });
      return { canonical, stamp };
    } catch (error) {
      return unchained(record, canonical, 'store_error', error);
    } finally {
      pending.delete(work);
    }
  };

  return {
    record(record) {
      let canonical: string;
      try {
        canonical = canonicalRecord(record);
      } catch (error) {
        // Unreachable for records built by src/audit; kept so that record() never rejects.
        logger.error({ err: String(error) }, 'audit record could not be serialised');
        return Promise.resolve({ canonical: '' });
      }
      return append(record, canonical);
    },
    async drain(timeoutMs = 5_000) {
      await settleWithin(Promise.allSettled([...pending]), timeoutMs);
    },
    async close(timeoutMs = 5_000) {
      await settleWithin(Promise.allSettled([...pending]), timeoutMs);
      await log.close();
    },
  };
}
