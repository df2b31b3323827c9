import { describe, expect, it } from 'vitest';
import { agentView, approverView } from '../../../src/approvals/http/views.js';
import { approvalRecordOf } from '../../helpers/approval-record.js';

const T0 = 1_800_000_000_000;
const LARGE = { name: 'PAYMENT_LIMIT', text: 'Payments above 5000 need finance.', source: 'policy.yaml#/clauses/PAYMENT_LIMIT' };
const EXTERNAL = { name: 'EXTERNAL', text: 'External accounts need two security approvers.', source: 'policy.yaml#/clauses/EXTERNAL' };
/** A call approval that matched two rules (issue 12 item 3); finance approved, security has one of two. */
const RECORD = approvalRecordOf(T0, {
  clause: LARGE,
  rules: [
    { ruleId: 'large', clause: LARGE, approvers: ['sso:frank'], quorum: 1 },
    { ruleId: 'external', clause: EXTERNAL, approvers: ['sso:sec1', 'sso:sec2'], quorum: 2 },
  ],
  approvers: ['sso:frank', 'sso:sec1', 'sso:sec2'],
  quorum: 2,
  votes: [
    { principal: 'sso:frank', decision: 'approve', at: T0 + 1, via: 'api' },
    { principal: 'sso:sec2', decision: 'approve', at: T0 + 2, via: 'slack' },
  ],
});

describe('approval views', () => {
  it('shows approvers every rule with its clause, approvers and progress', () => {
    expect(approverView(RECORD).rules).toEqual([
      { rule_id: 'large', clause: LARGE.text, source: LARGE.source, approvers: ['sso:frank'], quorum: 1, approvals: 1, approved_by: ['sso:frank'], met: true },
      { rule_id: 'external', clause: EXTERNAL.text, source: EXTERNAL.source, approvers: ['sso:sec1', 'sso:sec2'], quorum: 2, approvals: 1, approved_by: ['sso:sec2'], met: false },
    ]);
  });

  it('shows the agent which rules still wait, without approvers or clauses', () => {
    expect(agentView(RECORD, undefined)).toMatchObject({
      status: 'pending',
      approvals: 2,
      quorum: 2,
      rules: [
        { rule_id: 'large', quorum: 1, approvals: 1, met: true },
        { rule_id: 'external', quorum: 2, approvals: 1, met: false },
      ],
    });
    expect(JSON.stringify(agentView(RECORD, undefined))).not.toContain('sso:sec1');
  });

  it('shows no rules list for a record without rules (break-glass, or raised before rule sets)', () => {
    const legacy = approvalRecordOf(T0);
    expect(approverView(legacy)).not.toHaveProperty('rules');
    expect(agentView(legacy, undefined)).not.toHaveProperty('rules');
  });
});
