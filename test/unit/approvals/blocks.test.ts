import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, renderApprovalMessage } from '../../../src/approvals/slack/blocks.js';
import type { ApprovalRecord } from '../../../src/state/approval-record.js';

const T0 = 1_800_000_000_000;
const RECORD: ApprovalRecord = {
  approvalId: 'apr_blocks',
  kind: 'call',
  requestKey: 'k',
  status: 'pending',
  agentId: 'finance-<!channel>',
  initiator: 'sso:carol',
  chain: ['planner'],
  tool: 'payments.create',
  paramsHash: '0'.repeat(64),
  ruleId: 'large',
  clause: { name: 'PAYMENT_LIMIT', text: 'Payments above 5000 need a human approval.', source: 'policy.yaml#/clauses/PAYMENT_LIMIT' },
  policyVersion: 'v1+abc',
  approvers: ['sso:bob', 'sso:erin'],
  quorum: 2,
  createdAt: T0,
  expiresAt: T0 + 900_000,
  votes: [],
  display: { amount: 9000, memo: '<https://evil.example|click me> & <@U0ADMIN>' },
};

const text = (record: ApprovalRecord, now = T0) => JSON.stringify(renderApprovalMessage(record, now).blocks);

describe('approval message', () => {
  it('escapes what the agent controls', () => {
    expect(escapeMrkdwn('<@U1> & <!here>')).toBe('&lt;@U1&gt; &amp; &lt;!here&gt;');
    const message = renderApprovalMessage(RECORD, T0);
    // The header is plain_text (never parsed); everything else is mrkdwn and must be escaped.
    expect(message.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    const rendered = JSON.stringify([message.text, ...message.blocks.slice(1)]);
    expect(rendered).not.toContain('<!channel>');
    expect(rendered).not.toContain('<https://evil.example');
    expect(rendered).not.toContain('<@U0ADMIN>');
    expect(rendered).toContain('&lt;@U0ADMIN&gt;');
  });

  it('shows chain, tool, rule, clause, version, expiry, progress and confirmed buttons while pending', () => {
    const rendered = text(RECORD);
    for (const part of ['planner → finance-', 'payments.create', 'large', 'Payments above 5000 need a human approval.', 'policy.yaml#/clauses/PAYMENT_LIMIT', 'v1+abc', `<!date^${(T0 + 900_000) / 1000}^`, '0 of 2 approval(s)', 'dutygate_approve', 'dutygate_deny', '"confirm"']) {
      expect(rendered).toContain(part);
    }
  });

  it.each([
    ['deny (the default)', undefined, [true, false]],
    ['approve', 'approve' as const, [false, true]],
    ['both', 'both' as const, [false, false]],
    ['none', 'none' as const, [true, true]],
  ])('require_reason %s: a button whose vote needs a reason has no confirm dialog (the reason modal confirms)', (_name, requireReason, confirmed) => {
    const actions = renderApprovalMessage({ ...RECORD, ...(requireReason === undefined ? {} : { requireReason }) }, T0).blocks.find((block) => block.type === 'actions') as { elements: { confirm?: unknown }[] };
    expect(actions.elements.map((button) => button.confirm !== undefined)).toEqual(confirmed);
  });

  it.each([
    ['approved', { status: 'approved' as const, votes: [{ principal: 'sso:bob', decision: 'approve' as const, at: T0, via: 'slack' as const }, { principal: 'sso:erin', decision: 'approve' as const, at: T0, via: 'api' as const }] }, T0, 'Approved* by sso:bob, sso:erin'],
    ['denied', { status: 'denied' as const, votes: [{ principal: 'sso:erin', decision: 'deny' as const, at: T0, via: 'api' as const, reason: 'wrong account' }] }, T0, 'Denied* by sso:erin: wrong account'],
    ['expired (stored as pending)', {}, T0 + 900_000, 'Expired* without a decision'],
  ])('%s: the outcome replaces the buttons', (_name, change, now, outcome) => {
    const rendered = text({ ...RECORD, ...change }, now);
    expect(rendered).toContain(outcome);
    expect(rendered).not.toContain('dutygate_approve');
  });

  it('lists each reason given with a vote, escaped (issue 17 item 1)', () => {
    const votes = [
      { principal: 'sso:bob', decision: 'approve' as const, at: T0, via: 'slack' as const, reason: 'invoice <4711> & PO match' },
      { principal: 'sso:erin', decision: 'approve' as const, at: T0, via: 'api' as const },
    ];
    const rendered = text({ ...RECORD, votes });
    expect(rendered).toContain('Reasons\\nsso:bob (approve): invoice &lt;4711&gt; &amp; PO match');
    expect(rendered).not.toContain('sso:erin (approve)');
    expect(text(RECORD)).not.toContain('Reasons');
  });

  it('keeps every section under Slack\'s 3000 characters, even when escaping lengthens the text', () => {
    const chain = Array.from({ length: 32 }, (_, i) => `agent-${i}-${'x'.repeat(240)}`);
    const message = renderApprovalMessage({ ...RECORD, chain, display: { memo: '<'.repeat(5_000) }, clause: { ...RECORD.clause!, text: '&'.repeat(4_000) } }, T0);
    for (const block of message.blocks) {
      const text = (block as { text?: { text?: string } }).text?.text;
      if (text !== undefined) expect(text.length).toBeLessThanOrEqual(3_000);
      for (const field of (block as { fields?: { text: string }[] }).fields ?? []) expect(field.text.length).toBeLessThanOrEqual(2_000);
    }
  });

  // issue 12 item 3: every rule the approval covers, its clause and its own progress.
  it('shows every approval rule with its clause, approvers and progress', () => {
    const vote = { principal: 'sso:bob', decision: 'approve' as const, at: T0, via: 'slack' as const };
    const record: ApprovalRecord = {
      ...RECORD,
      rules: [
        { ruleId: 'large', clause: RECORD.clause!, approvers: ['sso:bob'], quorum: 1 },
        { ruleId: 'external', clause: { name: 'EXTERNAL', text: 'Payments to external accounts need two security approvers.', source: 'policy.yaml#/clauses/EXTERNAL' }, approvers: ['sso:sec1', 'sso:sec2'], quorum: 2 },
      ],
      approvers: ['sso:bob', 'sso:sec1', 'sso:sec2'],
      votes: [vote],
    };
    const rendered = text(record);
    for (const part of ['Rules (2, each must approve)', 'large, external', 'Payments above 5000 need a human approval.', 'Payments to external accounts need two security approvers.', 'policy.yaml#/clauses/EXTERNAL', '1 of 1 from sso:bob: sso:bob', '0 of 2 from sso:sec1, sso:sec2', 'every rule above must be met']) {
      expect(rendered).toContain(part);
    }
    // The met rule is marked, the waiting one is not.
    expect(rendered).toMatch(/:white_check_mark: \*large\*/);
    expect(rendered).not.toMatch(/:white_check_mark: \*external\*/);
  });

  it('keeps a message of many rules within Slack\'s 50 blocks and points to the API for the rest', () => {
    const rules = Array.from({ length: 40 }, (_, i) => ({ ruleId: `rule-${i}`, clause: { ...RECORD.clause!, text: 'x'.repeat(2_000) }, approvers: ['sso:bob'], quorum: 1 }));
    const message = renderApprovalMessage({ ...RECORD, rules }, T0);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(message.blocks)).toContain('30 more rule(s) not shown here: GET /v1/approvals/apr_blocks lists every rule');
    for (const block of message.blocks) {
      const text = (block as { text?: { text?: string } }).text?.text;
      if (text !== undefined) expect(text.length).toBeLessThanOrEqual(3_000);
    }
  });

  it('renders a break-glass request with its reason and grant length', () => {
    const rendered = text({ ...RECORD, kind: 'break_glass', reason: 'INC-7 payroll', grantTtlMs: 1_800_000, tool: undefined });
    expect(rendered).toContain('Break-glass request');
    expect(rendered).toContain('INC-7 payroll');
    expect(rendered).toContain('30 min');
  });
});
