import { randomUUID } from 'node:crypto';
import type { DenyCode } from '../errors.js';
import type { CheckOutcome, CheckPhase } from '../check/outcome.js';

/**
 * A deny the transport layer produces on its own, before or instead of the check pipeline: an
 * unparsable request, a pipeline that threw, or one that missed its deadline. It gets a fresh
 * decision id so it can still be found in logs, and no identity (nothing was verified). `phase`
 * is `transport` for the adapters' own denies, `admission` for a shed Check.
 */
export function createDenyOutcome(code: DenyCode, reason: string, decisionId: string = randomUUID(), phase: CheckPhase = 'transport'): CheckOutcome {
  return { decision: 'deny', code, phase, decisionId, reason, shadow: false, wouldBlock: false };
}
