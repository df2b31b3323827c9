/**
 * The approver-side rules, on the real memory store: each SoD rule of a vote (listed approver,
 * never the initiator — also through an alias —, distinct approvers up to the quorum, one deny
 * rejects, closed after the outcome or expiry) and break-glass requests.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalEvents } from '../../../src/approvals/approval-events.js';
import { createApprovalService, type ApprovalService } from '../../../src/approvals/approval-service.js';
import { voteRefusal } from '../../../src/approvals/eligibility.js';
import type { ApprovalNotifier } from '../../../src/approvals/notifier.js';
import { policyOf } from '../policy/fixtures.js';
import type { ApprovalRecord } from '../../../src/state/approval-record.js';
import { createMemoryStore } from '../../../src/state/memory/memory-store.js';
import type { StateStore } from '../../../src/state/state-store.js';

const T0 = 1_800_000_000_000;
const POLICY = policyOf(`version: "1"
tools: [{ name: pay, match: { path: /pay } }]
rules: [{ id: ok, tools: [pay], effect: allow }]
break_glass: { approvers: ["sso:bg1", "sso:bg2", "slack:U0BG3"], max_ttl: 30m, request_ttl: 10m }
`);
const ALIASES = { 'slack:U0CAROL': 'sso:carol', 'slack:U0BOB': 'sso:bob', 'slack:U0BG3': 'sso:bg3' };

function record(overrides: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return {
    approvalId: `apr_${Math.random().toString(36).slice(2)}`,
    kind: 'call',
    requestKey: Math.random().toString(36),
    status: 'pending',
    agentId: 'finance-a',
    initiator: 'sso:carol',
    chain: [],
    tool: 'pay',
    paramsHash: '0'.repeat(64),
    policyVersion: POLICY.policyVersion,
    approvers: ['sso:bob', 'sso:erin', 'sso:carol'],
    quorum: 2,
    createdAt: T0,
    expiresAt: T0 + 600_000,
    votes: [],
    ...overrides,
  };
}

describe('approval service', () => {
  let state: StateStore;
  let service: ApprovalService;
  let refreshed: string[];
  let events: string[];

  beforeEach(() => {
    state = createMemoryStore({ maxJtiEntries: 1_000, ledgerTtlMs: 60_000, sweepIntervalMs: 0 });
    refreshed = [];
    events = [];
    const notifier: ApprovalNotifier = {
      announce: () => Promise.resolve(),
      refresh: (id) => {
        refreshed.push(id);
        return Promise.resolve();
      },
      followUp: () => Promise.resolve(),
      sweep: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    const log = (name: string) => () => void events.push(name);
    const hooks: ApprovalEvents = { created: log('created'), vote: (_id, vote, outcome) => void events.push(`vote:${vote.principal}:${outcome}`), decided: log('decided'), followedUp: log('followed-up'), overrideRedeemed: log('redeemed'), breakGlassUsed: log('used') };
    service = createApprovalService({ state, notifier, events: hooks, aliases: ALIASES, policy: () => POLICY, stateTimeoutMs: 1_000 });
  });
  afterEach(async () => {
    await state.close();
  });

  const stored = async (r: ApprovalRecord) => (await state.createApproval(r, T0)).record;

  describe('voteRefusal', () => {
    it.each([
      ['a listed approver', 'sso:bob', undefined],
      ['a principal not listed', 'sso:mallory', 'APPROVER_NOT_LISTED'],
      ['the initiator, though listed', 'sso:carol', 'APPROVER_IS_INITIATOR'],
    ])('%s → %s', (_name, principal, refusal) => {
      expect(voteRefusal(record(), principal, T0)).toBe(refusal);
    });

    it('a record without initiator only needs a listed approver', () => {
      expect(voteRefusal(record({ initiator: undefined }), 'sso:carol', T0)).toBeUndefined();
    });
  });

  it('counts distinct listed approvers up to the quorum, then approves', async () => {
    const r = await stored(record());
    expect(await service.vote(r.approvalId, 'sso:bob', 'approve', 'api', T0 + 1)).toMatchObject({ ok: true, result: 'recorded', record: { status: 'pending' } });
    expect(await service.vote(r.approvalId, 'sso:erin', 'approve', 'api', T0 + 2)).toMatchObject({ ok: true, result: 'recorded', record: { status: 'approved', decidedAt: T0 + 2 } });
    expect(refreshed).toEqual([r.approvalId, r.approvalId]);
    expect(events).toEqual(['vote:sso:bob:recorded', 'vote:sso:erin:recorded', 'decided']);
  });

  it('one principal through two accounts (alias) counts once', async () => {
    const r = await stored(record());
    await service.vote(r.approvalId, 'slack:U0BOB', 'approve', 'slack', T0 + 1);
    expect(await service.vote(r.approvalId, 'sso:bob', 'approve', 'api', T0 + 2)).toMatchObject({ ok: true, result: 'duplicate', record: { status: 'pending' } });
    expect((await state.getApproval(r.approvalId, T0 + 3))?.votes.map((vote) => vote.principal)).toEqual(['sso:bob']);
  });

  it('one deny rejects at once, whatever the approvals so far', async () => {
    const r = await stored(record());
    await service.vote(r.approvalId, 'sso:bob', 'approve', 'api', T0 + 1);
    expect(await service.vote(r.approvalId, 'sso:erin', 'deny', 'api', T0 + 2, 'not this one')).toMatchObject({ ok: true, record: { status: 'denied' } });
    expect((await state.getApproval(r.approvalId, T0 + 3))?.votes.at(-1)).toMatchObject({ principal: 'sso:erin', decision: 'deny', reason: 'not this one' });
  });

  it.each([
    ['a principal not listed', 'sso:mallory', 'APPROVER_NOT_LISTED'],
    ['the initiator', 'sso:carol', 'APPROVER_IS_INITIATOR'],
    ["the initiator's Slack account", 'slack:U0CAROL', 'APPROVER_IS_INITIATOR'],
  ])('%s is refused (%s) and nothing is recorded', async (_name, principal, code) => {
    const r = await stored(record());
    expect(await service.vote(r.approvalId, principal, 'approve', 'api', T0 + 1)).toMatchObject({ ok: false, code });
    expect((await state.getApproval(r.approvalId, T0 + 2))?.votes).toEqual([]);
    expect(refreshed).toEqual([]);
  });

  it('a decided or expired approval is closed; an unknown one not found', async () => {
    const decided = await stored(record({ quorum: 1 }));
    await service.vote(decided.approvalId, 'sso:bob', 'approve', 'api', T0 + 1);
    expect(await service.vote(decided.approvalId, 'sso:erin', 'deny', 'api', T0 + 2)).toMatchObject({ ok: false, code: 'APPROVAL_CLOSED', record: { status: 'approved' } });
    const late = await stored(record());
    expect(await service.vote(late.approvalId, 'sso:bob', 'approve', 'api', T0 + 600_000)).toMatchObject({ ok: false, code: 'APPROVAL_CLOSED', record: { status: 'expired' } });
    expect(await service.vote('apr_nope', 'sso:bob', 'approve', 'api', T0)).toEqual({ ok: false, code: 'APPROVAL_NOT_FOUND' });
  });

  describe('reasons (require_reason)', () => {
    it.each([
      ['deny (the default, absent on the record)', undefined, 'deny', true],
      ['deny (the default, absent on the record)', undefined, 'approve', false],
      ['approve', 'approve' as const, 'approve', true],
      ['approve', 'approve' as const, 'deny', false],
      ['both', 'both' as const, 'approve', true],
      ['both', 'both' as const, 'deny', true],
      ['none', 'none' as const, 'deny', false],
    ])('require_reason %s: a %s vote needs a reason → %s', async (_name, requireReason, decision, needed) => {
      const r = await stored(record({ quorum: 1, ...(requireReason === undefined ? {} : { requireReason }) }));
      const d = decision as 'approve' | 'deny';
      expect(await service.checkVoter(r.approvalId, 'sso:bob', d, T0 + 1)).toMatchObject({ ok: true, reasonRequired: needed });
      for (const blank of [undefined, '', '   \n ']) {
        const outcome = await service.vote(r.approvalId, 'sso:bob', d, 'api', T0 + 1, blank);
        if (needed) expect(outcome).toMatchObject({ ok: false, code: 'APPROVAL_REASON_REQUIRED', record: { status: 'pending' } });
        else expect(outcome).toMatchObject({ ok: true });
        if (!needed) return;
      }
      expect((await state.getApproval(r.approvalId, T0 + 2))?.votes).toEqual([]);
      expect(await service.vote(r.approvalId, 'sso:bob', d, 'api', T0 + 2, '  invoice 4711 checked ')).toMatchObject({ ok: true, result: 'recorded' });
      expect((await state.getApproval(r.approvalId, T0 + 3))?.votes).toEqual([{ principal: 'sso:bob', decision: d, at: T0 + 2, via: 'api', reason: 'invoice 4711 checked' }]);
      expect(events).toContain('vote:sso:bob:refused:APPROVAL_REASON_REQUIRED');
    });

    it('a closed approval answers closed, not "reason required"', async () => {
      const r = await stored(record({ quorum: 1 }));
      await service.vote(r.approvalId, 'sso:bob', 'approve', 'api', T0 + 1);
      expect(await service.vote(r.approvalId, 'sso:erin', 'deny', 'api', T0 + 2)).toMatchObject({ ok: false, code: 'APPROVAL_CLOSED' });
      expect(await service.checkVoter(r.approvalId, 'sso:erin', 'deny', T0 + 2)).toMatchObject({ ok: false, code: 'APPROVAL_CLOSED' });
    });

    it('checkVoter applies the vote rules without recording anything', async () => {
      const r = await stored(record());
      expect(await service.checkVoter(r.approvalId, 'slack:U0CAROL', 'approve', T0 + 1)).toMatchObject({ ok: false, code: 'APPROVER_IS_INITIATOR' });
      expect(await service.checkVoter(r.approvalId, 'sso:mallory', 'approve', T0 + 1)).toMatchObject({ ok: false, code: 'APPROVER_NOT_LISTED' });
      expect(await service.checkVoter('apr_nope', 'sso:bob', 'approve', T0 + 1)).toEqual({ ok: false, code: 'APPROVAL_NOT_FOUND' });
      expect((await state.getApproval(r.approvalId, T0 + 2))?.votes).toEqual([]);
    });
  });

  describe('escalation (escalate_to)', () => {
    const escalating = () => record({ quorum: 1, escalateAfterMs: 60_000, escalateTo: ['sso:cfo', 'sso:carol'] });

    it.each([
      ['before escalate_after', 59_999, 'APPROVER_NOT_LISTED'],
      ['at escalate_after', 60_000, undefined],
      ['later', 300_000, undefined],
    ])('an escalate_to principal %s → %s', (_name, after, refusal) => {
      expect(voteRefusal(escalating(), 'sso:cfo', T0 + after)).toBe(refusal);
    });

    it('the initiator stays excluded, even on the escalation list', () => {
      expect(voteRefusal(escalating(), 'sso:carol', T0 + 120_000)).toBe('APPROVER_IS_INITIATOR');
    });

    it('an escalate_to vote counts towards the quorum once escalated, and is refused before', async () => {
      const r = await stored(escalating());
      expect(await service.vote(r.approvalId, 'sso:cfo', 'approve', 'api', T0 + 1_000)).toMatchObject({ ok: false, code: 'APPROVER_NOT_LISTED' });
      expect(await service.vote(r.approvalId, 'sso:cfo', 'approve', 'api', T0 + 60_000)).toMatchObject({ ok: true, record: { status: 'approved' } });
    });
  });

  it('lists only what the principal may vote on', async () => {
    const mine = await stored(record());
    const theirs = await stored(record({ approvers: ['sso:erin'] }));
    const ids = async (principal: string) => (await service.listFor(principal, 'pending', T0 + 1)).map((each) => each.approvalId);
    expect(await ids('slack:U0BOB')).toEqual([mine.approvalId]);
    expect(await ids('sso:erin')).toEqual(expect.arrayContaining([mine.approvalId, theirs.approvalId]));
    expect(await ids('sso:carol')).toEqual([]);
  });

  describe('break-glass requests', () => {
    it('creates a grant request: quorum from the policy, the requester as initiator, approvers resolved', async () => {
      const outcome = await service.requestBreakGlass({ agentId: 'finance-a', reason: 'INC-1', ttlMs: 600_000, requester: 'slack:U0BG3' }, T0);
      expect(outcome).toMatchObject({ ok: true, created: true, record: { kind: 'break_glass', status: 'pending', agentId: 'finance-a', initiator: 'sso:bg3', approvers: ['sso:bg1', 'sso:bg2', 'sso:bg3'], quorum: 2, grantTtlMs: 600_000, expiresAt: T0 + 600_000, reason: 'INC-1' } });
      const id = outcome.ok ? outcome.record.approvalId : '';
      expect(await service.vote(id, 'sso:bg3', 'approve', 'api', T0 + 1)).toMatchObject({ ok: false, code: 'APPROVER_IS_INITIATOR' });
      await service.vote(id, 'sso:bg1', 'approve', 'api', T0 + 2);
      expect(await state.activeBreakGlass('finance-a', T0 + 3)).toBeUndefined();
      await service.vote(id, 'sso:bg2', 'approve', 'api', T0 + 4);
      expect(await state.activeBreakGlass('finance-a', T0 + 5)).toMatchObject({ approvalId: id, grantExpiresAt: T0 + 4 + 600_000 });
      expect(await state.activeBreakGlass('finance-a', T0 + 4 + 600_000)).toBeUndefined();
    });

    it('refuses a grant longer than max_ttl', async () => {
      expect(await service.requestBreakGlass({ agentId: 'a', reason: 'r', ttlMs: 31 * 60_000, requester: 'sso:x' }, T0)).toMatchObject({ ok: false, code: 'BREAK_GLASS_TTL' });
    });
  });
});
