/**
 * An override token is spent before the lifted call's duty steps are committed (README "Override
 * tokens"): a call that loses the commit to a conflicting step committed after its ledger read is
 * denied at `duties` with its override spent. The other order would record steps of calls then
 * refused at the spend. The race is made deterministic by a store that commits the conflicting
 * step itself just before the call's own commit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateStore } from '../../../src/state/state-store.js';
import { createOverridePipeline, type OverridePipeline } from '../../helpers/override-pipeline.js';
import { policyOf } from '../policy/fixtures.js';

const POLICY = policyOf(`version: "race"
default: deny
clauses: { C: { text: Approvals need a person. } }
tools:
  - { name: pay.draft, match: { method: POST, path: "/payments/{payment_id}/draft" } }
  - { name: pay.approve, match: { method: POST, path: "/payments/{payment_id}/approve" } }
duties:
  payment:
    resource: { param: payment_id, pattern: "^pay_[a-z0-9]{1,32}$" }
    steps: { draft: [pay.draft], approve: [pay.approve] }
    distinct: [draft, approve]
rules:
  - { id: drafts, tools: [pay.draft], require: { duty: payment }, effect: allow }
  - { id: approvals, tools: [pay.approve], require: { duty: payment }, effect: approval_needed, clause: C, approval: { approvers: ["sso:x"] } }
`);

describe('an override lifting a call that then loses its duty commit', () => {
  let pipeline: OverridePipeline;
  /** The payment whose commit a concurrent draft by the same agent wins; undefined: no race. */
  let raceOn: string | undefined;

  beforeAll(async () => {
    pipeline = await createOverridePipeline({
      wrapState: (memory) =>
        new Proxy(memory, {
          get(target, property) {
            if (property === 'commitDutySteps') {
              return async (...args: Parameters<StateStore['commitDutySteps']>) => {
                const [, actor, nowMs] = args;
                if (raceOn !== undefined) await target.commitDutySteps([{ duty: 'payment', resource: raceOn, step: 'draft', distinct: ['draft', 'approve'] }], actor, nowMs - 1);
                return target.commitDutySteps(...args);
              };
            }
            const value: unknown = Reflect.get(target, property, target);
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
          },
        }),
    });
  });
  afterAll(async () => {
    await pipeline.close();
  });

  it('is lifted and recorded when nothing conflicts (the override and the policy are genuine)', async () => {
    raceOn = undefined;
    const request = await pipeline.request('/payments/pay_1/approve', {}, 'a1');
    const { token, jti } = await pipeline.overrideFor(POLICY, request, 'a1', ['approvals']);
    const outcome = await pipeline.check(POLICY, await pipeline.request('/payments/pay_1/approve', {}, 'a1', token));
    expect(outcome).toMatchObject({ decision: 'allow', liftedBy: 'override', phase: 'approval' });
    expect(await pipeline.unspent(jti)).toBe(false);
  });

  it('is denied at duties with its override spent when a conflicting step is committed after its ledger read', async () => {
    raceOn = 'pay_2';
    const request = await pipeline.request('/payments/pay_2/approve', {}, 'a1');
    const { token, jti } = await pipeline.overrideFor(POLICY, request, 'a1', ['approvals']);
    const outcome = await pipeline.check(POLICY, await pipeline.request('/payments/pay_2/approve', {}, 'a1', token));
    expect(outcome).toMatchObject({ decision: 'deny', code: 'SOD_DUTY_CONFLICT', phase: 'duties' });
    expect(await pipeline.unspent(jti)).toBe(false);
    // The conflicting step is on the ledger now, so a retry is denied by the evaluation's own read,
    // before any override is looked at: the spent token cost the agent nothing it could still use.
    raceOn = undefined;
    const retry = await pipeline.check(POLICY, await pipeline.request('/payments/pay_2/approve', {}, 'a1', token));
    expect(retry).toMatchObject({ decision: 'deny', code: 'SOD_DUTY_CONFLICT', phase: 'policy' });
  });
});
