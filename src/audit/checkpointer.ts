import type { Logger } from '../log/logger.js';
import type { AuditHead } from '../state/approval-record.js';
import type { CheckpointReason, CheckpointRecord, CheckpointSigner } from './checkpoint.js';
import type { DecisionLog } from './decision-log.js';

/** Options of {@link createCheckpointer}. */
export interface CheckpointerOptions {
  /** The live chain head (`StateStore.auditHead`): shared by every replica on Redis. */
  readonly head: () => Promise<AuditHead | undefined>;
  readonly signer: CheckpointSigner;
  readonly log: DecisionLog;
  readonly logger: Logger;
  readonly policyVersion: () => string | null;
  /** Interval between checkpoints (`audit.checkpoints.interval`); 0 = only on shutdown and on request. */
  readonly intervalMs: number;
  readonly now: () => number;
  /** Told about every checkpoint written (the span). */
  readonly onCheckpoint?: (checkpoint: CheckpointRecord) => void;
}

/** Takes signed checkpoints of the chain head on a timer, on request and on shutdown. */
export interface Checkpointer {
  /**
   * Signs the current head. `interval` checkpoints are skipped while the head has not moved
   * since the last one written; `write: false` signs without logging (the `/v1/audit/head`
   * answer). Never rejects: a store or signing failure is logged and resolves undefined.
   */
  take(reason: CheckpointReason, options?: { readonly write?: boolean }): Promise<CheckpointRecord | undefined>;
  /** Stops the timer and writes the shutdown checkpoint. Call after the last record is chained. */
  close(): Promise<void>;
}

/**
 * Starts the checkpoint timer (unref'd: it never keeps a process alive). Every replica writes
 * its own checkpoints of the one shared head into its own log, so each replica's file alone
 * shows how far the chain reached when it last checkpointed.
 */
export function createCheckpointer(options: CheckpointerOptions): Checkpointer {
  const { logger } = options;
  let lastWritten: number | undefined;
  let closed = false;

  const take: Checkpointer['take'] = async (reason, takeOptions = {}) => {
    const write = takeOptions.write ?? true;
    try {
      const head = await options.head();
      if (!head) return undefined;
      if (reason === 'interval' && head.seq === lastWritten) return undefined;
      const checkpoint = await options.signer.sign(head, { time: new Date(options.now()).toISOString(), policyVersion: options.policyVersion(), reason });
      if (write) {
        lastWritten = head.seq;
        options.log.write(checkpoint);
        options.onCheckpoint?.(checkpoint);
      }
      return checkpoint;
    } catch (error) {
      logger.error({ reason, err: error instanceof Error ? error.message : String(error) }, 'audit checkpoint not taken');
      return undefined;
    }
  };

  let running: Promise<unknown> = Promise.resolve();
  const timer =
    options.intervalMs > 0
      ? setInterval(() => {
          // One at a time: a slow store must not stack up checkpoints.
          running = running.then(() => (closed ? undefined : take('interval')));
        }, options.intervalMs)
      : undefined;
  timer?.unref();

  return {
    take,
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      await running;
      await take('shutdown');
    },
  };
}
