import { settleWithin } from '../lib/with-deadline.js';
import type { Logger } from '../log/logger.js';
import type { StateStore } from '../state/state-store.js';
import { canonicalRecord } from './canonical-record.js';
import type { DecisionLog } from './decision-log.js';
import type { AuditRecord, AuditStamp } from './decision-record.js';
import { createUnchainedAlarm, type UnchainedReason } from './unchained-alarm.js';

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
  /**
   * The in-order buffer: appends waiting for the store (which retries them until they land)
   * above this are not chained; default 10000.
   */
  readonly maxPending?: number;
  /** Told about every record that could not be chained (for the metric). */
  readonly onUnchained?: (reason: UnchainedReason) => void;
}

/** Seals audit records into the chain and writes them to the decision log. */
export interface AuditRecorder {
  /**
   * Appends `record` to the chain, then writes its line (with the stamp). While the store is
   * away the append waits in the store's in-order retry (bounded by `maxPending`). Never
   * rejects: when the buffer is full, or the store closes first, the line is still written,
   * without `audit`, counted, and one alarm line per episode names the first and last decision
   * id lost — the record is kept, only its chain proof is missing.
   */
  record(record: AuditRecord): Promise<RecordedAudit>;
  /** How many records wait for their chain link now (for the gauge). */
  waiting(): number;
  /** Waits up to `timeoutMs` (default 5 s) for appends in flight and their lines, without closing the log. */
  drain(timeoutMs?: number): Promise<void>;
  /** Waits up to `timeoutMs` (default 5 s) for appends in flight, then closes the log. */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * Creates the recorder. Retrying is the store's job (`StateStore.appendAudit`): only it can
 * tell whether an append whose reply was lost landed, and a blind retry here would put the
 * record in the chain twice. The recorder bounds how many records wait for it.
 */
export function createAuditRecorder(options: AuditRecorderOptions): AuditRecorder {
  const { store, log, logger } = options;
  const maxPending = options.maxPending ?? 10_000;
  // Appends waiting for the store, with their records: written unchained if close gives up on them.
  const pending = new Map<Promise<unknown>, { record: AuditRecord; canonical: string; settled: boolean }>();
  const alarm = createUnchainedAlarm(logger);

  const unchained = (record: AuditRecord, canonical: string, reason: UnchainedReason, error?: unknown): RecordedAudit => {
    options.onUnchained?.(reason);
    alarm.lost(record, reason, error);
    log.write(record, undefined, canonical);
    return { canonical };
  };

  const append = async (chain: Pick<StateStore, 'appendAudit'>, record: AuditRecord, canonical: string): Promise<RecordedAudit> => {
    if (pending.size >= maxPending) return unchained(record, canonical, 'backlog');
    const work = chain.appendAudit(canonical);
    const entry = { record, canonical, settled: false };
    pending.set(work, entry);
    try {
      const link = await work;
      if (entry.settled) return { canonical };
      entry.settled = true;
      const stamp: AuditStamp = { seq: link.seq, hash: link.hash, prev_hash: link.prevHash };
      alarm.end();
      log.write(record, stamp, canonical);
      return { canonical, stamp };
    } catch (error) {
      if (entry.settled) return { canonical };
      entry.settled = true;
      return unchained(record, canonical, 'store_error', error);
    } finally {
      pending.delete(work);
    }
  };

  return {
    record(record) {
      // Chain off: nothing is hashed, so the canonical record is written only if a span asks for
      // it (audit.span_record) — not for every Check.
      if (!store) {
        log.write(record);
        return Promise.resolve(lazyCanonical(record, logger));
      }
      let canonical: string;
      try {
        canonical = canonicalRecord(record);
      } catch (error) {
        // Unreachable for records built by src/audit; kept so that record() never rejects.
        logger.error({ err: String(error) }, 'audit record could not be serialised');
        return Promise.resolve({ canonical: '' });
      }
      return append(store, record, canonical);
    },
    waiting: () => pending.size,
    async drain(timeoutMs = 5_000) {
      await settleWithin(Promise.allSettled([...pending.keys()]), timeoutMs);
    },
    async close(timeoutMs = 5_000) {
      await settleWithin(Promise.allSettled([...pending.keys()]), timeoutMs);
      // Still waiting for a store that did not come back in time: their lines, unchained, in
      // order, rather than no lines at all once the log is closed.
      for (const entry of pending.values()) {
        if (entry.settled) continue;
        entry.settled = true;
        unchained(entry.record, entry.canonical, 'store_error', 'the gate closed before the state store took these records');
      }
      alarm.end();
      await log.close();
    },
  };
}

/** A {@link RecordedAudit} without a stamp whose canonical record is computed when first read. */
function lazyCanonical(record: AuditRecord, logger: Logger): RecordedAudit {
  let canonical: string | undefined;
  return {
    get canonical(): string {
      if (canonical === undefined) {
        try {
          canonical = canonicalRecord(record);
        } catch (error) {
          // Unreachable for records built by src/audit; as in record(): an empty canonical record.
          logger.error({ err: String(error) }, 'audit record could not be serialised');
          canonical = '';
        }
      }
      return canonical;
    },
  };
}
