import type { ShedReason } from '../check/admission.js';
import type { Logger } from '../log/logger.js';

/** Most one line per this long while Checks are being shed (an overload must not flood the log). */
const INTERVAL_MS = 1_000;

/**
 * The log side of load shedding: the first shed Check logs a warning at once, later ones are
 * counted and summed up in at most one line a second (`shed` by reason since the last line).
 * The metric is `dutygate_checks_shed_total` (every OVERLOADED answer, gate-metrics.ts).
 */
export function createShedLog(log: Logger, load: () => { inFlight: number; queued: number }): (reason: ShedReason) => void {
  let counts: Partial<Record<ShedReason, number>> = {};
  let timer: NodeJS.Timeout | undefined;
  let lastAt = 0;
  const flush = () => {
    timer = undefined;
    if (Object.keys(counts).length === 0) return;
    lastAt = Date.now();
    const { inFlight, queued } = load();
    log.warn({ shed: counts, in_flight: inFlight, queued }, 'checks shed (OVERLOADED): the gate is over capacity; their tokens were not spent');
    counts = {};
  };
  return (reason) => {
    counts[reason] = (counts[reason] ?? 0) + 1;
    if (timer) return;
    const wait = Math.max(0, lastAt + INTERVAL_MS - Date.now());
    if (wait === 0) flush();
    else {
      timer = setTimeout(flush, wait);
      timer.unref();
    }
  };
}
