import { DutygateError, type DenyCode } from '../errors.js';

/**
 * Races `work` against a deadline so that a slow dependency becomes a fast deny, never a hang
 * (Envoy's ext_authz timeout defaults to 200 ms; past it Envoy answers on its own terms).
 * The timer is cleared as soon as `work` settles. `ms` undefined means the caller needs no
 * deadline of its own (an in-process state store, already bounded by the check's deadline):
 * `work` is returned as is, without a timer and a race per call on the hot path.
 */
export function withDeadline<T>(work: Promise<T>, ms: number | undefined, code: DenyCode, reason: string): Promise<T> {
  if (ms === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DutygateError(code, reason)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
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
