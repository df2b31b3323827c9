import { Buffer } from 'node:buffer';
import { openSync } from 'node:fs';
import { destination } from 'pino';
import type { CheckpointRecord } from './checkpoint.js';
import type { AuditRecord, AuditStamp } from './decision-record.js';
import { gatherLines } from './gathered-lines.js';
import { stampedLine } from './stamped-line.js';

/** Where decision log lines go (`audit.decision_log`). */
export type DecisionLogTarget = { readonly sink: 'stdout' } | { readonly sink: 'file'; readonly file: string } | { readonly sink: 'off' };

/** The decision log: one JSON line per audit record. */
export interface DecisionLog {
  readonly sink: DecisionLogTarget['sink'];
  /**
   * Queues one line; never throws (a failed write is reported through `onError`). With `stamp`,
   * the line is that of `{ ...record, audit: stamp }`. With `canonical` (the record's canonical
   * JSON without `audit`, as hashed into the chain), the line is that text with the stamp
   * appended: the record is not serialised a second time, and the line's bytes before
   * `,"audit":` are exactly the bytes the chain hashed.
   */
  write(record: AuditRecord | CheckpointRecord, stamp?: AuditStamp, canonical?: string): void;
  /** Resolves once every line queued so far is written (lines are gathered before they are written). */
  flush(): Promise<void>;
  /** Flushes what is queued and releases the file. */
  close(): Promise<void>;
}

/** SonicBoom in `contentMode: 'buffer'` takes Buffers; its type declarations only know strings. */
interface BufferStream {
  write(chunk: Buffer): boolean;
}

const LINES_PER_WRITE_CHARS = 64 * 1024;
const LINES_MAX_WAIT_MS = 50;

/**
 * Opens the decision log. A file is opened for appending at once, so a path that cannot be
 * written stops the start-up instead of losing records later. Writes are asynchronous (pino's
 * SonicBoom, as for the process log) and gathered (64 KiB or 50 ms): a line never waits for the
 * disk inside a Check, and `close()` flushes. On stdout the lines interleave with the process log; each carries
 * `"type":"decision"`, `"type":"approval"` or `"type":"checkpoint"` and no `level`, so a shipper can tell them apart.
 */
export function openDecisionLog(target: DecisionLogTarget, onError: (error: Error) => void): DecisionLog {
  if (target.sink === 'off') return { sink: 'off', write: () => undefined, flush: () => Promise.resolve(), close: () => Promise.resolve() };
  const fd = target.sink === 'file' ? openSync(target.file, 'a', 0o640) : 1;
  // Lines are gathered up to 64 KiB (or 50 ms) per write: one write per line was a syscall and a
  // thread-pool round trip per Check, and each write wakes a libuv pool thread, which on a shared
  // core preempts the thread answering Envoy (at 465 Checks/s 8 KiB meant ~60 writes a second; the
  // CPU profile charged ~75 µs per Check to them, against ~15 under a closed loop). At most 50 ms
  // of lines wait, as before; flush() and close() hand them on.
  // Buffer mode: each batch is handed over as bytes. A string would stay on the JS heap until its
  // asynchronous write is done, long enough to be promoted to the old generation (the sampling
  // heap profiler showed these batches as the largest medium-lived allocation of a Check); a
  // Buffer's bytes live outside the heap, and the batch string dies young.
  const stream = destination({ fd, sync: false, contentMode: 'buffer' });
  stream.on('error', onError);
  const bytes = stream as unknown as BufferStream;
  const lines = gatherLines((batch) => {
    try {
      bytes.write(Buffer.from(batch));
    } catch (error) {
      onError(error instanceof Error ? error : new Error(String(error)));
    }
  }, { minChars: LINES_PER_WRITE_CHARS, maxWaitMs: LINES_MAX_WAIT_MS });
  let closed: Promise<void> | undefined;
  return {
    sink: target.sink,
    write(record, stamp, canonical) {
      if (closed) return;
      try {
        lines.add(lineOf(record, stamp, canonical));
      } catch (error) {
        onError(error instanceof Error ? error : new Error(String(error)));
      }
    },
    flush() {
      if (closed) return closed;
      lines.flush();
      return new Promise<void>((resolve) => {
        stream.flush((error) => {
          if (error) onError(error);
          resolve();
        });
      });
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        lines.flush();
        stream.once('close', () => resolve());
        stream.end();
      });
      return closed;
    },
  };
}

/**
 * The line of `record` with `"audit": stamp` as its last key (none without a stamp): its canonical
 * JSON when the caller has it, else `JSON.stringify(record)`, with the stamp's text put before the
 * closing brace — a key added by a spread comes last, so that is `{ ...record, audit: stamp }`
 * without copying ~30 fields per Check. Why the canonical text: it is already there for every
 * chained record, and a second serialisation per Check was ~2 % of the gate's CPU; `audit verify`
 * accepts both forms (src/audit/verify-log.ts). A record that already has an `audit` key (the
 * spread would overwrite it in place) is copied.
 */
function lineOf(record: AuditRecord | CheckpointRecord, stamp: AuditStamp | undefined, canonical: string | undefined): string {
  if (Object.hasOwn(record, 'audit')) return JSON.stringify(stamp === undefined ? record : { ...record, audit: stamp });
  return stampedLine(canonical ?? JSON.stringify(record), stamp === undefined ? undefined : JSON.stringify(stamp));
}
