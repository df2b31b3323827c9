import type { RecordedAudit } from '../audit/audit-recorder.js';

/**
 * How long a span waits for its record's chain link before it ends without one. Appends take
 * milliseconds; only a state store that is away (the record waits, in order, to be chained:
 * docs/design.md §7) makes a span wait this long.
 */
export const SPAN_STAMP_WAIT_MS = 1_000;

/**
 * Spans that start waiting within the same slice of this length share one timer: a span waits
 * between `ms` and `ms` + this. A timer per Check (set, then cleared milliseconds later when the
 * append lands) was measurable on the Check thread.
 */
const SHARED_TIMER_SLICE_MS = 100;

/** A give-up timer shared by the waits that started in one slice, for one wait length. */
interface SharedGiveUp {
  readonly sliceEndsAt: number;
  readonly timer: NodeJS.Timeout;
  /** The waits not yet over, each told when the timer fires; empty → the timer is cleared. */
  readonly waiting: Set<() => void>;
}
const current = new Map<number, SharedGiveUp>();

function joinGiveUp(ms: number): SharedGiveUp {
  const now = performance.now();
  const open = current.get(ms);
  if (open && now < open.sliceEndsAt) return open;
  const waiting = new Set<() => void>();
  const timer = setTimeout(() => {
    for (const giveUp of waiting) giveUp();
  }, ms + SHARED_TIMER_SLICE_MS);
  const entry: SharedGiveUp = { sliceEndsAt: now + SHARED_TIMER_SLICE_MS, timer, waiting };
  current.set(ms, entry);
  return entry;
}

function leave(entry: SharedGiveUp, wait: () => void, ms: number): void {
  entry.waiting.delete(wait);
  if (entry.waiting.size > 0) return;
  clearTimeout(entry.timer);
  if (current.get(ms) === entry) current.delete(ms);
}

/**
 * The recorder's answer when it comes within about `ms` (at most 100 ms more), else undefined.
 * Why not simply wait: while the store is away records wait for it, possibly for minutes, and
 * the spans of exactly those failing Checks are what an operator needs to see now — so they end
 * without the link (`dutygate.audit.chain_pending`); the decision log line still gets it once chained.
 *
 * A wait leaves the shared timer as soon as it is over. (A `Promise.race` against one shared
 * promise left a reaction on it per Check, holding that Check's answer — its canonical record —
 * until the slice's timer went: about a kilobyte per Check kept past the young-generation GC.)
 */
export function recordedWithin(recording: Promise<RecordedAudit>, ms = SPAN_STAMP_WAIT_MS): Promise<RecordedAudit | undefined> {
  return new Promise<RecordedAudit | undefined>((resolve, reject) => {
    const entry = joinGiveUp(ms);
    const giveUp = (): void => {
      leave(entry, giveUp, ms);
      resolve(undefined);
    };
    entry.waiting.add(giveUp);
    recording.then(
      (recorded) => {
        leave(entry, giveUp, ms);
        resolve(recorded);
      },
      (error: unknown) => {
        leave(entry, giveUp, ms);
        // Passed on as it came: the caller's audit failure handling reports it.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(error);
      },
    );
  });
}
