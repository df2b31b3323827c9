import { createDenyOutcome } from '../authz/deny-outcome.js';
import type { Admission, ShedReason } from '../check/admission.js';
import { Deadline } from '../lib/deadline.js';
import type { CheckFunction } from '../check/check-function.js';
import type { CheckOutcome } from '../check/outcome.js';

/**
 * Puts the check pipeline behind admission control, once for every adapter: Envoy's ext_authz
 * and the AuthZEN PDP feed the same pipeline, so they share its in-flight bound (a burst on one
 * must not starve the other, nor slip past the bound). A Check that cannot start in time is
 * answered 503 `OVERLOADED` before the pipeline touches any state (its token is not spent); the
 * slot frees when the pipeline really ends.
 *
 * The deadline is the transport's (Envoy's gRPC deadline, already capped by `timeoutMs`), else
 * `timeoutMs` from now; it is passed down so the pipeline re-checks it before spending the token.
 */
export function admitChecks(handler: CheckFunction, admission: Admission, timeoutMs: number, onShed?: (reason: ShedReason) => void): CheckFunction {
  return async (request, context) => {
    const deadline = context.deadline ?? Deadline.after(timeoutMs);
    // Asked on arrival and again once a slot is free: a caller that left while the Check waited
    // in line (or in the socket, during a stall) gets nothing from the pipeline's work.
    if (context.call?.cancelled) return shedForGoneCaller(deadline, context.decisionId, onShed);
    const slot = await admission.admit(deadline.dueAt);
    if (!slot.admitted) {
      const reason = slot.reason === 'queue_full' ? 'too many checks are waiting' : 'the check could not start in time';
      deadline.finish();
      return createDenyOutcome('OVERLOADED', `the gate is over capacity (${reason}); the token was not spent: retry`, context.decisionId, 'admission');
    }
    if (context.call?.cancelled) {
      slot.release();
      return shedForGoneCaller(deadline, context.decisionId, onShed);
    }
    // The transport's deadline is already in the context (gRPC): no copy of it per Check.
    const pending = handler(request, context.deadline === deadline ? context : { ...context, deadline });
    void pending.then(slot.release, slot.release);
    return pending;
  };
}

/** The audited deny of a Check whose caller already went: OVERLOADED, as no state was touched. */
function shedForGoneCaller(deadline: Deadline, decisionId: string | undefined, onShed: ((reason: ShedReason) => void) | undefined): CheckOutcome {
  deadline.finish();
  onShed?.('caller_gone');
  return createDenyOutcome('OVERLOADED', 'the caller gave up on this check before it could start; the token was not spent', decisionId, 'admission');
}
