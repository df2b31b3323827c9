import type { RecordedAudit } from '../audit/audit-recorder.js';

/**
 * How long a span waits for its record's chain link before it ends without one. Appends take
 * milliseconds; only a state store that is away (the record waits, in order, to be chained:
 * docs/design.md §7) makes a span wait this long.
 */
export const SPAN_STAMP_WAIT_MS = 1_000;

/**
 * The recorder's answer when it comes within `ms`, else undefined. Why not simply wait: while
 * the store is away records wait for it, possibly for minutes, and the spans of exactly those
 * failing Checks are what an operator needs to see now — so they end without the link
 * (`dutygate.audit.chain_pending`); the decision log line still gets it once chained.
 */
export async function recordedWithin(recording: Promise<RecordedAudit>, ms = SPAN_STAMP_WAIT_MS): Promise<RecordedAudit | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
  });
  try {
    return await Promise.race([recording, gaveUp]);
  } finally {
    clearTimeout(timer);
  }
}
