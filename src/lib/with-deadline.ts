import { DutygateError, type DenyCode } from '../errors.js';

/**
 * Races `work` against a deadline so that a slow dependency becomes a fast deny, never a hang
 * (Envoy's ext_authz timeout defaults to 200 ms; past it Envoy answers on its own terms).
 * `ms` undefined means the caller needs no deadline of its own (an in-process state store,
 * already bounded by the check's deadline): `work` is returned as is, without a timer.
 *
 * The deadline measures the dependency, not the event loop. Node runs expired timers before it
 * reads the sockets of the same loop turn, so under a burst a timer that fired late (the loop
 * was busy with other Checks) would otherwise reject a reply that has already arrived and is
 * only waiting to be read. When the timer fires, the verdict is therefore deferred by one
 * `setImmediate` — which runs after the turn's I/O poll — and only work still unsettled then is
 * rejected. The timer is cleared as soon as `work` settles.
 */
export function withDeadline<T>(work: Promise<T>, ms: number | undefined, code: DenyCode, reason: string): Promise<T> {
  if (ms === undefined) return work;
  return raceDeadline(work, ms, code, reason, false);
}

/**
 * Waits for `work` to settle, but at most `ms`: true when it settled in time, false when the
 * wait gave up (the work goes on unobserved). For shutdown steps that must not hold a drain
 * past its grace period. A rejection of `work` within the time is passed on. The timer is
 * cleared as soon as the wait ends; until then it keeps the process alive on purpose, so that
 * what comes after the wait (closing a log) still runs.
 */
export async function settleWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, ms, false);
  });
  try {
    return await Promise.race([work.then(() => true as const), gaveUp]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * {@link withDeadline} for a command sent to a server over an auto-pipelined client (ioredis):
 * the client writes the commands of one event-loop turn together at the end of that turn
 * (`setImmediate`), so the clock starts there — when the command leaves — rather than when it
 * was queued. Under a burst, the Checks of one turn can keep the loop busy for longer than the
 * whole deadline before anything is written; that time is the gate's, not the server's.
 */
export function withReplyDeadline<T>(work: Promise<T>, ms: number, code: DenyCode, reason: string): Promise<T> {
  return raceDeadline(work, ms, code, reason, true);
}

/**
 * The race behind both: `work` is observed at once (a rejection is never left unhandled), the
 * clock starts now or at the end of this turn, and an expired timer rejects only if `work` is
 * still unsettled after one more I/O poll.
 */
function raceDeadline<T>(work: Promise<T>, ms: number, code: DenyCode, reason: string, startAfterTurn: boolean): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      if (settled) return;
      timer = setTimeout(() => {
        setImmediate(() => {
          if (settled) return;
          settled = true;
          reject(new DutygateError(code, reason));
        });
      }, ms);
    };
    work.then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // Passed on as it came (the store maps it to its own error).
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(error);
      },
    );
    if (startAfterTurn) setImmediate(arm);
    else arm();
  });
}
