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
