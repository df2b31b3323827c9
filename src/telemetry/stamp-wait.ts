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

/** A give-up signal shared by the waits that started in one slice, for one wait length. */
interface SharedGiveUp {
  readonly sliceEndsAt: number;
  readonly fired: Promise<undefined>;
  readonly timer: NodeJS.Timeout;
  /** Waits on it not yet over; at zero the timer is cleared, so an idle gate holds no timer. */
  waiting: number;
}
const current = new Map<number, SharedGiveUp>();

function joinGiveUp(ms: number): SharedGiveUp {
  const now = performance.now();
  const open = current.get(ms);
  if (open && now < open.sliceEndsAt) {
    open.waiting++;
    return open;
  }
  let resolve!: (value: undefined) => void;
  const fired = new Promise<undefined>((settle) => (resolve = settle));
  const entry: SharedGiveUp = { sliceEndsAt: now + SHARED_TIMER_SLICE_MS, fired, timer: setTimeout(() => resolve(undefined), ms + SHARED_TIMER_SLICE_MS), waiting: 1 };
  current.set(ms, entry);
  return entry;
}

function leave(entry: SharedGiveUp, ms: number): void {
  if (--entry.waiting > 0) return;
  clearTimeout(entry.timer);
  if (current.get(ms) === entry) current.delete(ms);
}

/**
 * The recorder's answer when it comes within about `ms` (at most 100 ms more), else undefined.
 * Why not simply wait: while the store is away records wait for it, possibly for minutes, and
 * the spans of exactly those failing Checks are what an operator needs to see now — so they end
 * without the link (`dutygate.audit.chain_pending`); the decision log line still gets it once chained.
 */
export async function recordedWithin(recording: Promise<RecordedAudit>, ms = SPAN_STAMP_WAIT_MS): Promise<RecordedAudit | undefined> {
  const giveUp = joinGiveUp(ms);
  try {
    return await Promise.race([recording, giveUp.fired]);
  } finally {
    leave(giveUp, ms);
  }
}
