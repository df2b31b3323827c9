/**
 * Open loop: requests leave at a fixed rate whatever the server does, and each latency is
 * measured from the request's *intended* send time, so a stall (of the server or of this
 * client) shows up in the percentiles instead of silently delaying the next sends — the
 * coordinated-omission trap of closed-loop latency tools.
 *
 * Sending is driven by a setImmediate loop, not timers: timers fire at millisecond granularity,
 * which would add up to a millisecond of send lag to sub-millisecond latencies. The loop keeps
 * the load generator's own CPU busy; it has that CPU to itself.
 */
import type { RequestSlice } from '../workload/workload.js';
import type { CheckClient } from './check-client.js';
import { LoadRecorder } from './load-run.js';
import type { LoadRun } from './load-run.js';

/** Options of {@link runOpenLoop}. */
export interface OpenLoopOptions {
  readonly ratePerSecond: number;
  readonly durationMs: number;
  /** How long to wait for the last answers after the last send. */
  readonly drainMs: number;
}

/** Sends `rate × duration` requests of `slice` (fewer if the slice is shorter) on schedule. */
export function runOpenLoop(client: CheckClient, slice: RequestSlice, options: OpenLoopOptions): Promise<LoadRun> {
  const wanted = Math.floor((options.ratePerSecond * options.durationMs) / 1000);
  const total = Math.min(wanted, slice.bytes.length);
  const interval = 1000 / options.ratePerSecond;
  const recorder = new LoadRecorder(slice, total);
  const sendLag = new Float64Array(total);
  return new Promise<LoadRun>((resolve) => {
    const startedAt = performance.now() + 1;
    let next = 0;
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      resolve(recorder.result(next, startedAt, total < wanted, sendLag));
    };
    const tick = (): void => {
      const now = performance.now();
      while (next < total) {
        const due = startedAt + next * interval;
        if (due > now) break;
        const index = next++;
        sendLag[index] = now - due;
        client.send(slice.bytes[index] as Buffer, (error, response) => {
          recorder.record(index, due, error, response);
          if (next === total && recorder.done === total) finish();
        });
      }
      if (next < total) {
        setImmediate(tick);
        return;
      }
      // All sent: wait (bounded) for the stragglers.
      setTimeout(finish, options.drainMs);
    };
    if (total === 0) finish();
    else setImmediate(tick);
  });
}
