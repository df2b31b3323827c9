import { describe, expect, it } from 'vitest';
import type { ApprovalRecord, ApprovalVote } from '../../../src/state/approval-record.js';
import type { StoreRef } from './state-contract.js';
import { T0, uniqueId } from './state-contract.js';

const MIN = 60_000;

/** A pending call approval expiring 15 minutes after T0. */
export function approvalFixture(extra: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return {
    approvalId: uniqueId('apr'),
    kind: 'call',
    requestKey: uniqueId('key'),
    status: 'pending',
    agentId: uniqueId('agent'),
    initiator: 'sso:alice',
    chain: [],
    tool: 'payments.create',
    paramsHash: 'a'.repeat(64),
    ruleId: 'finance-large-payments',
    clause: { name: 'PAYMENT_LIMIT', text: 'Payments above 5000 need a human approval.', source: 'policy.yaml#/clauses/PAYMENT_LIMIT' },
    policyVersion: '2026-11-21.1+0123456789ab',
    approvers: ['sso:bob', 'sso:carol', 'sso:dave'],
    quorum: 2,
    createdAt: T0,
    expiresAt: T0 + 15 * MIN,
    votes: [],
    display: { amount: 9000, destination: 'acct_****', nested: { big: 1234567890123456, ratio: 0.30000000000000004, list: [], text: 'a/b ü' } },
    ...extra,
  };
}

const vote = (principal: string, decision: 'approve' | 'deny' = 'approve', at = T0 + 1): ApprovalVote => ({ principal, decision, at, via: 'api' });

/** Approval records: create-or-return, read, list, votes and quorum, expiry, break-glass. */
export function approvalContract(store: StoreRef): void {
  describe('approvals', () => {
    it('creates a record and reads it back unchanged', async () => {
      const record = approvalFixture();
      expect(await store().createApproval(record, T0)).toEqual({ record, created: true });
      expect(await store().getApproval(record.approvalId, T0 + 1)).toEqual(record);
      expect(await store().getApproval(uniqueId('apr'), T0)).toBeUndefined();
    });

    it('returns the pending record for a repeated request instead of creating another', async () => {
      const first = approvalFixture();
      await store().createApproval(first, T0);
      const again = await store().createApproval({ ...approvalFixture({ requestKey: first.requestKey }), createdAt: T0 + 5 }, T0 + 5);
      expect(again).toEqual({ record: first, created: false });
      // creating the same id twice is idempotent too
      expect(await store().createApproval(first, T0 + 6)).toEqual({ record: first, created: false });
    });

    it('creates exactly one of 20 concurrent requests with the same key', async () => {
      const requestKey = uniqueId('key');
      const results = await Promise.all(Array.from({ length: 20 }, () => store().createApproval(approvalFixture({ requestKey }), T0)));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.record.approvalId)).size).toBe(1);
    });

    it('reads a pending record past its expiry as expired, and lets the request be asked again', async () => {
      const record = approvalFixture();
      await store().createApproval(record, T0);
      expect((await store().getApproval(record.approvalId, record.expiresAt - 1))?.status).toBe('pending');
      expect((await store().getApproval(record.approvalId, record.expiresAt))?.status).toBe('expired');
      const next = approvalFixture({ requestKey: record.requestKey, createdAt: record.expiresAt, expiresAt: record.expiresAt + 15 * MIN });
      expect(await store().createApproval(next, record.expiresAt)).toEqual({ record: next, created: true });
    });

    it('approves at quorum from distinct principals; repeats are duplicates, later votes closed', async () => {
      const record = approvalFixture();
      await store().createApproval(record, T0);
      const first = await store().recordVote(record.approvalId, vote('sso:bob'), T0 + 1);
      expect(first).toMatchObject({ outcome: 'recorded', record: { status: 'pending', votes: [vote('sso:bob')] } });
      expect(await store().recordVote(record.approvalId, vote('sso:bob', 'approve', T0 + 2), T0 + 2)).toMatchObject({ outcome: 'duplicate', record: { status: 'pending' } });
      const second = await store().recordVote(record.approvalId, vote('sso:carol', 'approve', T0 + 3), T0 + 3);
      expect(second).toEqual({ outcome: 'recorded', record: { ...record, status: 'approved', decidedAt: T0 + 3, votes: [vote('sso:bob'), vote('sso:carol', 'approve', T0 + 3)] } });
      expect(await store().recordVote(record.approvalId, vote('sso:dave', 'deny'), T0 + 4)).toMatchObject({ outcome: 'closed', record: { status: 'approved' } });
      expect(await store().recordVote(record.approvalId, vote('sso:bob', 'deny'), T0 + 5)).toMatchObject({ outcome: 'duplicate', record: { status: 'approved' } });
      expect((await store().getApproval(record.approvalId, T0 + 6))?.votes).toHaveLength(2);
    });

    it('denies at the first deny vote', async () => {
      const record = approvalFixture();
      await store().createApproval(record, T0);
      await store().recordVote(record.approvalId, vote('sso:bob'), T0 + 1);
      expect(await store().recordVote(record.approvalId, vote('sso:carol', 'deny'), T0 + 2)).toMatchObject({ outcome: 'recorded', record: { status: 'denied', decidedAt: T0 + 2 } });
      expect(await store().recordVote(record.approvalId, vote('sso:dave'), T0 + 3)).toMatchObject({ outcome: 'closed', record: { status: 'denied' } });
    });

    // issue 12 item 3: an approval covers every matched approval rule; each rule's quorum must
    // be met by its own approvers, and one approve counts toward every rule listing the voter.
    it('approves a record of several rules only once every rule quorum is met', async () => {
      const record = approvalFixture({
        rules: [
          { ruleId: 'large', clause: { name: 'PAYMENT_LIMIT', text: 'Large payments need finance.', source: 'policy.yaml#/clauses/PAYMENT_LIMIT' }, approvers: ['sso:bob'], quorum: 1 },
          { ruleId: 'external', clause: { name: 'EXTERNAL', text: 'External accounts need security.', source: 'policy.yaml#/clauses/EXTERNAL' }, approvers: ['sso:carol', 'sso:dave'], quorum: 2 },
        ],
        approvers: ['sso:bob', 'sso:carol', 'sso:dave'],
        quorum: 2,
      });
      await store().createApproval(record, T0);
      expect(await store().getApproval(record.approvalId, T0)).toEqual(record);
      expect(await store().recordVote(record.approvalId, vote('sso:bob'), T0 + 1)).toMatchObject({ outcome: 'recorded', record: { status: 'pending' } });
      // Two approvals reach the record's quorum, but 'external' has one of its two.
      expect(await store().recordVote(record.approvalId, vote('sso:carol', 'approve', T0 + 2), T0 + 2)).toMatchObject({ outcome: 'recorded', record: { status: 'pending' } });
      expect(await store().recordVote(record.approvalId, vote('sso:dave', 'approve', T0 + 3), T0 + 3)).toMatchObject({ outcome: 'recorded', record: { status: 'approved', decidedAt: T0 + 3 } });
    });

    it('counts one approve toward every rule that lists the voter, and never toward one that does not', async () => {
      const rules = [
        { ruleId: 'a', approvers: ['sso:bob', 'sso:carol'], quorum: 1 },
        { ruleId: 'b', approvers: ['sso:carol', 'sso:dave'], quorum: 1 },
      ];
      const shared = approvalFixture({ rules, approvers: ['sso:bob', 'sso:carol', 'sso:dave'], quorum: 1 });
      await store().createApproval(shared, T0);
      expect(await store().recordVote(shared.approvalId, vote('sso:carol'), T0 + 1)).toMatchObject({ outcome: 'recorded', record: { status: 'approved' } });

      const apart = approvalFixture({ rules, approvers: ['sso:bob', 'sso:carol', 'sso:dave'], quorum: 1 });
      await store().createApproval(apart, T0);
      expect(await store().recordVote(apart.approvalId, vote('sso:bob'), T0 + 1)).toMatchObject({ outcome: 'recorded', record: { status: 'pending' } });
      // An approver of no rule (the caller's eligibility check refuses them; the store counts them toward none).
      expect(await store().recordVote(apart.approvalId, vote('sso:mallory'), T0 + 2)).toMatchObject({ outcome: 'recorded', record: { status: 'pending' } });
      expect(await store().recordVote(apart.approvalId, vote('sso:dave', 'approve', T0 + 3), T0 + 3)).toMatchObject({ outcome: 'recorded', record: { status: 'approved' } });
    });

    it('counts an escalation principal toward the rule that escalates to them, only from its escalate_after on', async () => {
      const rules = [
        { ruleId: 'finance', approvers: ['sso:bob'], quorum: 1 },
        { ruleId: 'security', approvers: ['sso:carol'], quorum: 1, escalateAfterMs: 5 * MIN, escalateTo: ['sso:erin'] },
      ];
      const record = approvalFixture({ rules, approvers: ['sso:bob', 'sso:carol'], quorum: 1, escalateAfterMs: 5 * MIN, escalateTo: ['sso:erin'] });
      await store().createApproval(record, T0);
      expect(await store().recordVote(record.approvalId, vote('sso:bob'), T0 + 1)).toMatchObject({ outcome: 'recorded', record: { status: 'pending' } });
      // Before the escalation opens, erin's approve counts toward nothing (the caller refuses it anyway).
      expect(await store().recordVote(record.approvalId, vote('sso:erin', 'approve', T0 + MIN), T0 + MIN)).toMatchObject({ outcome: 'recorded', record: { status: 'pending' } });

      const later = approvalFixture({ rules, approvers: ['sso:bob', 'sso:carol'], quorum: 1, escalateAfterMs: 5 * MIN, escalateTo: ['sso:erin'] });
      await store().createApproval(later, T0);
      expect(await store().recordVote(later.approvalId, vote('sso:bob'), T0 + 1)).toMatchObject({ outcome: 'recorded', record: { status: 'pending' } });
      // From escalate_after on she stands in for the security approver — not for finance.
      expect(await store().recordVote(later.approvalId, vote('sso:erin', 'approve', T0 + 6 * MIN), T0 + 6 * MIN)).toMatchObject({ outcome: 'recorded', record: { status: 'approved' } });

      const financeLeft = approvalFixture({ rules, approvers: ['sso:bob', 'sso:carol'], quorum: 1, escalateAfterMs: 5 * MIN, escalateTo: ['sso:erin'] });
      await store().createApproval(financeLeft, T0);
      expect(await store().recordVote(financeLeft.approvalId, vote('sso:erin', 'approve', T0 + 6 * MIN), T0 + 6 * MIN)).toMatchObject({ outcome: 'recorded', record: { status: 'pending' } });
    });

    it('denies a record of several rules at one deny from any rule', async () => {
      const record = approvalFixture({
        rules: [
          { ruleId: 'a', approvers: ['sso:bob'], quorum: 1 },
          { ruleId: 'b', approvers: ['sso:carol', 'sso:dave'], quorum: 2 },
        ],
        approvers: ['sso:bob', 'sso:carol', 'sso:dave'],
        quorum: 2,
      });
      await store().createApproval(record, T0);
      await store().recordVote(record.approvalId, vote('sso:bob'), T0 + 1);
      expect(await store().recordVote(record.approvalId, vote('sso:dave', 'deny'), T0 + 2)).toMatchObject({ outcome: 'recorded', record: { status: 'denied' } });
      expect(await store().recordVote(record.approvalId, vote('sso:carol'), T0 + 3)).toMatchObject({ outcome: 'closed', record: { status: 'denied' } });
    });

    it('closes voting at expiry and says not_found for unknown ids', async () => {
      const record = approvalFixture();
      await store().createApproval(record, T0);
      expect(await store().recordVote(record.approvalId, vote('sso:bob'), record.expiresAt)).toMatchObject({ outcome: 'closed', record: { status: 'expired', votes: [] } });
      expect(await store().recordVote(uniqueId('apr'), vote('sso:bob'), T0)).toEqual({ outcome: 'not_found' });
    });

    it('counts concurrent votes exactly: quorum 2 of 10 approvers, and one principal clicking 20 times', async () => {
      const record = approvalFixture({ quorum: 2 });
      await store().createApproval(record, T0);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store().recordVote(record.approvalId, vote(`sso:u${i}`), T0 + 1)));
      expect(results.filter((r) => r.outcome === 'recorded')).toHaveLength(2);
      expect(results.filter((r) => r.outcome === 'closed')).toHaveLength(8);
      expect(results.filter((r) => r.outcome === 'recorded' && r.record.status === 'approved')).toHaveLength(1);

      const other = approvalFixture({ quorum: 3 });
      await store().createApproval(other, T0);
      const clicks = await Promise.all(Array.from({ length: 20 }, () => store().recordVote(other.approvalId, vote('sso:bob'), T0 + 1)));
      expect(clicks.map((r) => r.outcome).sort()).toEqual(['recorded', ...Array<string>(19).fill('duplicate')].sort());
    });

    it('remembers the notification and keeps it through votes', async () => {
      const record = approvalFixture({ quorum: 1 });
      await store().createApproval(record, T0);
      await store().setApprovalNotification(record.approvalId, { channel: 'C0APPROVALS', ts: '1800000000.000100' });
      await store().recordVote(record.approvalId, vote('sso:bob'), T0 + 1);
      expect(await store().getApproval(record.approvalId, T0 + 2)).toMatchObject({ status: 'approved', notification: { channel: 'C0APPROVALS', ts: '1800000000.000100' } });
      await expect(store().setApprovalNotification(uniqueId('apr'), { channel: 'C', ts: '1' })).resolves.toBeUndefined();
    });

    it('lists by status, newest first, bounded by limit', async () => {
      const agentId = uniqueId('agent');
      const at = (i: number) => T0 + 1000 + i;
      const made = [];
      for (let i = 0; i < 4; i++) {
        const record = approvalFixture({ agentId, quorum: 1, createdAt: at(i), expiresAt: at(i) + (i === 0 ? 10 : 15 * MIN) });
        await store().createApproval(record, at(i));
        made.push(record);
      }
      await store().recordVote(made[1]?.approvalId ?? '', vote('sso:bob'), at(5));
      await store().recordVote(made[2]?.approvalId ?? '', vote('sso:bob', 'deny'), at(5));
      const ids = async (status: 'pending' | 'approved' | 'denied' | 'expired', limit?: number) =>
        (await store().listApprovals(status, at(20), limit)).filter((r) => r.agentId === agentId).map((r) => r.approvalId);
      expect(await ids('pending')).toEqual([made[3]?.approvalId]);
      expect(await ids('expired')).toEqual([made[0]?.approvalId]);
      expect(await ids('approved')).toEqual([made[1]?.approvalId]);
      expect(await ids('denied')).toEqual([made[2]?.approvalId]);
      expect(await store().listApprovals('pending', at(20), 0)).toEqual([]);
    });

    it('lists expired approvals latest expiry first, and never decided or cancelled ones', async () => {
      const initiator = uniqueId('sso:exp');
      const mine = (records: readonly { initiator?: string; approvalId: string }[]) => records.filter((r) => r.initiator === initiator).map((r) => r.approvalId);
      const early = approvalFixture({ initiator, createdAt: T0 + 1, expiresAt: T0 + 100 });
      const late = approvalFixture({ initiator, createdAt: T0, expiresAt: T0 + 200 });
      const decided = approvalFixture({ initiator, quorum: 1, createdAt: T0 + 2, expiresAt: T0 + 150 });
      const cancelled = approvalFixture({ initiator, createdAt: T0 + 3, expiresAt: T0 + 150 });
      for (const record of [early, late, decided, cancelled]) await store().createApproval(record, record.createdAt);
      await store().recordVote(decided.approvalId, vote('sso:bob', 'approve', T0 + 10), T0 + 10);
      await store().cancelApproval(cancelled.approvalId, 'sso:alice', T0 + 10);
      expect(mine(await store().listApprovals('expired', T0 + 300))).toEqual([late.approvalId, early.approvalId]);
      expect(mine(await store().listApprovals('expired', T0 + 150))).toEqual([early.approvalId]);
    });

    it('grants break-glass to one agent until the grant ends', async () => {
      const agentId = uniqueId('agent');
      const record = approvalFixture({ kind: 'break_glass', agentId, quorum: 1, grantTtlMs: 30 * MIN, reason: 'incident 42' });
      await store().createApproval(record, T0);
      expect(await store().activeBreakGlass(agentId, T0 + 1)).toBeUndefined();
      const voted = await store().recordVote(record.approvalId, vote('sso:bob'), T0 + 10);
      expect(voted).toMatchObject({ outcome: 'recorded', record: { status: 'approved', grantExpiresAt: T0 + 10 + 30 * MIN } });
      expect(await store().activeBreakGlass(agentId, T0 + 11)).toMatchObject({ approvalId: record.approvalId, grantExpiresAt: T0 + 10 + 30 * MIN });
      // the grant outlives the request's own expiry, and ends on time
      expect(await store().activeBreakGlass(agentId, record.expiresAt + 1)).toMatchObject({ approvalId: record.approvalId });
      expect(await store().activeBreakGlass(agentId, T0 + 10 + 30 * MIN)).toBeUndefined();
      expect(await store().activeBreakGlass(uniqueId('agent'), T0 + 11)).toBeUndefined();
    });

    it('grants nothing for a denied break-glass or an approved call', async () => {
      const agentId = uniqueId('agent');
      const glass = approvalFixture({ kind: 'break_glass', agentId, quorum: 1, grantTtlMs: MIN });
      const call = approvalFixture({ agentId, quorum: 1 });
      await store().createApproval(glass, T0);
      await store().createApproval(call, T0);
      await store().recordVote(glass.approvalId, vote('sso:bob', 'deny'), T0 + 1);
      await store().recordVote(call.approvalId, vote('sso:bob'), T0 + 1);
      expect(await store().activeBreakGlass(agentId, T0 + 2)).toBeUndefined();
    });

    it('cancels a pending approval once: later votes and cancels are closed, its request key is free again', async () => {
      const record = approvalFixture();
      await store().createApproval(record, T0);
      await store().recordVote(record.approvalId, vote('sso:bob'), T0 + 1);
      const cancelled = await store().cancelApproval(record.approvalId, `agent:${record.agentId}`, T0 + 2);
      expect(cancelled).toMatchObject({ outcome: 'cancelled', record: { status: 'cancelled', cancelledBy: `agent:${record.agentId}`, decidedAt: T0 + 2 } });
      expect(await store().getApproval(record.approvalId, T0 + 3)).toMatchObject({ status: 'cancelled', cancelledBy: `agent:${record.agentId}`, votes: [{ principal: 'sso:bob' }] });
      expect(await store().recordVote(record.approvalId, vote('sso:carol'), T0 + 3)).toMatchObject({ outcome: 'closed', record: { status: 'cancelled' } });
      expect(await store().cancelApproval(record.approvalId, 'sso:alice', T0 + 3)).toMatchObject({ outcome: 'closed', record: { cancelledBy: `agent:${record.agentId}` } });
      expect((await store().listApprovals('cancelled', T0 + 3)).map((r) => r.approvalId)).toContain(record.approvalId);
      expect((await store().listApprovals('pending', T0 + 3)).map((r) => r.approvalId)).not.toContain(record.approvalId);
      const again = approvalFixture({ requestKey: record.requestKey });
      expect(await store().createApproval(again, T0 + 4)).toMatchObject({ created: true });
    });

    // issue 12 item 5: a flood of fresh approvals stops at the cap (default 20), per agent and per initiator.
    it('caps pending approvals per agent: the 21st throws APPROVAL_LIMIT, repeats still answer, a decided or expired one frees a slot', async () => {
      const agentId = uniqueId('flood');
      const records = Array.from({ length: 20 }, (_, i) => approvalFixture({ agentId, initiator: `sso:human-${i}-${uniqueId()}` }));
      for (const record of records) expect(await store().createApproval(record, T0)).toMatchObject({ created: true });
      const over = approvalFixture({ agentId, initiator: 'sso:someone-new' });
      await expect(store().createApproval(over, T0)).rejects.toMatchObject({ code: 'APPROVAL_LIMIT', reason: expect.stringMatching(/^this agent already has 20 approvals pending/) as unknown });
      expect(await store().getApproval(over.approvalId, T0)).toBeUndefined();
      // A repeat of a pending request is no new record: it is answered, not refused.
      expect(await store().createApproval(approvalFixture({ agentId, requestKey: records[0]!.requestKey }), T0)).toMatchObject({ created: false, record: { approvalId: records[0]!.approvalId } });
      // Another agent is not affected.
      expect(await store().createApproval(approvalFixture(), T0)).toMatchObject({ created: true });
      await store().recordVote(records[1]!.approvalId, vote('sso:bob', 'deny'), T0 + 1);
      expect(await store().createApproval(over, T0 + 2)).toMatchObject({ created: true });
      await store().cancelApproval(records[2]!.approvalId, `agent:${agentId}`, T0 + 3);
      expect(await store().createApproval(approvalFixture({ agentId }), T0 + 4)).toMatchObject({ created: true });
      await expect(store().createApproval(approvalFixture({ agentId }), T0 + 5)).rejects.toMatchObject({ code: 'APPROVAL_LIMIT' });
      // Expiry frees every slot: nothing is pending past expiresAt.
      const later = records[0]!.expiresAt + 1;
      expect(await store().createApproval(approvalFixture({ agentId, createdAt: later, expiresAt: later + 15 * MIN }), later)).toMatchObject({ created: true });
    });

    it('caps pending approvals per initiator across agents; records with no initiator count only for their agent', async () => {
      const initiator = `sso:${uniqueId('mallory')}`;
      for (let i = 0; i < 20; i++) expect(await store().createApproval(approvalFixture({ initiator }), T0)).toMatchObject({ created: true });
      await expect(store().createApproval(approvalFixture({ initiator }), T0)).rejects.toMatchObject({
        code: 'APPROVAL_LIMIT',
        reason: expect.stringMatching(/^this call's initiator already has 20 approvals pending/) as unknown,
      });
      const { initiator: _none, ...bare } = approvalFixture();
      expect(await store().createApproval(bare, T0)).toMatchObject({ created: true });
    });

    it('does not cancel an unknown, decided or expired approval', async () => {
      expect(await store().cancelApproval('apr_unknown', 'sso:alice', T0)).toEqual({ outcome: 'not_found' });
      const denied = approvalFixture();
      await store().createApproval(denied, T0);
      await store().recordVote(denied.approvalId, vote('sso:bob', 'deny'), T0 + 1);
      expect(await store().cancelApproval(denied.approvalId, 'sso:alice', T0 + 2)).toMatchObject({ outcome: 'closed', record: { status: 'denied' } });
      const old = approvalFixture();
      await store().createApproval(old, T0);
      expect(await store().cancelApproval(old.approvalId, 'sso:alice', old.expiresAt)).toMatchObject({ outcome: 'closed', record: { status: 'expired' } });
    });

    it('claims a reminder once per interval: a second claim within it is refused, one at its end succeeds; the stamp is on the record', async () => {
      const record = approvalFixture({ remindAfterMs: MIN, requireReason: 'both', escalateAfterMs: 2 * MIN, escalateTo: ['sso:cfo'] });
      await store().createApproval(record, T0);
      expect(await store().claimFollowUp(record.approvalId, 'remind', T0 + MIN, MIN)).toEqual({ ...record, remindedAt: T0 + MIN });
      expect(await store().claimFollowUp(record.approvalId, 'remind', T0 + MIN, MIN)).toBeUndefined();
      expect(await store().claimFollowUp(record.approvalId, 'remind', T0 + 2 * MIN - 1, MIN)).toBeUndefined();
      expect(await store().getApproval(record.approvalId, T0 + 2 * MIN - 1)).toEqual({ ...record, remindedAt: T0 + MIN });
      expect(await store().claimFollowUp(record.approvalId, 'remind', T0 + 2 * MIN, MIN)).toMatchObject({ remindedAt: T0 + 2 * MIN });
      // The stamp survives a vote, and the vote result carries it.
      expect(await store().recordVote(record.approvalId, vote('sso:bob'), T0 + 2 * MIN + 1)).toMatchObject({ outcome: 'recorded', record: { remindedAt: T0 + 2 * MIN } });
    });

    it('claims the escalation exactly once, whatever the interval asked', async () => {
      const record = approvalFixture();
      await store().createApproval(record, T0);
      expect(await store().claimFollowUp(record.approvalId, 'escalate', T0 + MIN)).toMatchObject({ escalatedAt: T0 + MIN, status: 'pending' });
      expect(await store().claimFollowUp(record.approvalId, 'escalate', T0 + 10 * MIN)).toBeUndefined();
      // A reminder is a claim of its own.
      expect(await store().claimFollowUp(record.approvalId, 'remind', T0 + 10 * MIN, MIN)).toMatchObject({ escalatedAt: T0 + MIN, remindedAt: T0 + 10 * MIN });
    });

    it('of 20 concurrent claims of one reminder exactly one wins', async () => {
      const record = approvalFixture();
      await store().createApproval(record, T0);
      const claims = await Promise.all(Array.from({ length: 20 }, () => store().claimFollowUp(record.approvalId, 'remind', T0 + MIN, MIN)));
      expect(claims.filter((claim) => claim !== undefined)).toHaveLength(1);
    });

    it('claims nothing for an unknown, decided, cancelled or expired approval', async () => {
      expect(await store().claimFollowUp('apr_unknown', 'remind', T0, MIN)).toBeUndefined();
      const denied = approvalFixture();
      await store().createApproval(denied, T0);
      await store().recordVote(denied.approvalId, vote('sso:bob', 'deny'), T0 + 1);
      expect(await store().claimFollowUp(denied.approvalId, 'remind', T0 + MIN, MIN)).toBeUndefined();
      const cancelled = approvalFixture();
      await store().createApproval(cancelled, T0);
      await store().cancelApproval(cancelled.approvalId, 'sso:alice', T0 + 1);
      expect(await store().claimFollowUp(cancelled.approvalId, 'escalate', T0 + MIN)).toBeUndefined();
      const old = approvalFixture();
      await store().createApproval(old, T0);
      expect(await store().claimFollowUp(old.approvalId, 'escalate', old.expiresAt)).toBeUndefined();
      expect((await store().getApproval(old.approvalId, old.expiresAt))?.escalatedAt).toBeUndefined();
    });
  });
}
