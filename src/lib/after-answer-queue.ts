/** Runs work once the answers of the turn that queued it have left the process. */
export interface AfterAnswerQueue<W> {
  /** Queues `work`, to run after the answer just handed to gRPC is on the wire. */
  add(work: W): void;
  /** Work queued and not started yet. */
  waiting(): number;
}

/**
 * Work queued while answering runs on the *second* turn of the event loop after the answer.
 *
 * Why not the next turn (`setImmediate`): grpc-js writes a unary answer in two steps. The
 * response headers and message leave in the turn it was handed over. The trailers (`grpc-status`)
 * go only after that write's callback, in the following turn, and Envoy has no answer before
 * them. So work run on the next turn is time every answer of that turn waits for its trailers.
 * The audit of a Check is ~0.3 ms of that kind of work, and during a burst it is paid once per
 * Check answered in the same turn. Measured with grpc-js over loopback (server on its own core):
 * 1 ms of work on the next turn added 1.1 ms to every answer (p50 2.40 against 1.28 ms), on the
 * second turn nothing (1.13 ms). Node runs its own queued writes (native immediates: http2's
 * pending frames, the trailers among them) before the JavaScript `setImmediate` callbacks of a
 * turn, so on the second turn the trailers are out first.
 *
 * Work queued during a turn is promoted once per turn (`ripe`) and run on the next: work answered
 * in turn k runs in the check phase of turn k + 2 at the earliest, in queue order, each by
 * `run(work)` (so a caller queues the work it already has, not a closure around it per Check).
 * A `run` that throws is reported to `onError` and the rest still run.
 */
export function createAfterAnswerQueue<W>(run: (work: W) => void, onError: (error: unknown) => void): AfterAnswerQueue<W> {
  /** Queued in the current turn: its trailers are not out yet. */
  let fresh: W[] = [];
  /** Queued in the turn before: its trailers leave before this turn's JavaScript immediates. */
  let ripe: W[] = [];
  let scheduled = false;

  const turn = (): void => {
    const due = ripe;
    ripe = fresh;
    fresh = [];
    if (ripe.length > 0) setImmediate(turn);
    else scheduled = false;
    for (const work of due) {
      // One work that throws must not cost the others theirs: they are queued audits too.
      try {
        run(work);
      } catch (error) {
        onError(error);
      }
    }
  };

  return {
    add(work) {
      fresh.push(work);
      if (!scheduled) {
        scheduled = true;
        setImmediate(turn);
      }
    },
    waiting: () => fresh.length + ripe.length,
  };
}
