/**
 * Closed loop: `concurrency` requests always in flight; each answer sends the next one. Measures
 * the most a server answers per second. Bounded by the slice and by `durationMs`.
 */
import type { RequestSlice } from '../workload/workload.js';
import type { CheckClient } from './check-client.js';
import { LoadRecorder } from './load-run.js';
import type { LoadRun } from './load-run.js';

/** Options of {@link runClosedLoop}. */
export interface ClosedLoopOptions {
  readonly concurrency: number;
  readonly durationMs: number;
}

/** Runs the loop over `slice` (each request sent at most once). */
export function runClosedLoop(client: CheckClient, slice: RequestSlice, options: ClosedLoopOptions): Promise<LoadRun> {
  const total = slice.bytes.length;
  const recorder = new LoadRecorder(slice, total);
  return new Promise<LoadRun>((resolve) => {
    const startedAt = performance.now();
    const stopAt = startedAt + options.durationMs;
    let next = 0;
    let inFlight = 0;
    let exhausted = false;
    const launch = (): void => {
      const index = next++;
      const sentAt = performance.now();
      inFlight++;
      client.send(slice.bytes[index] as Buffer, (error, response) => {
        inFlight--;
        recorder.record(index, sentAt, error, response);
        if (performance.now() < stopAt) {
          if (next < total) {
            launch();
            return;
          }
          exhausted = true;
        }
        if (inFlight === 0) resolve(recorder.result(next, startedAt, exhausted));
      });
    };
    const initial = Math.min(options.concurrency, total);
    for (let i = 0; i < initial; i++) launch();
    if (initial === 0) resolve(recorder.result(0, startedAt, true));
  });
}
