/**
 * Reminders and escalations (issue 17 item 2) on the real memory store: when each is due, that
 * sweepers sharing one store follow up once per interval (the store's claim decides), whom a
 * follow-up addresses, and how a principal becomes a Slack mention.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ApprovalEvents } from '../../../src/approvals/approval-events.js';
import { followUpAddressees } from '../../../src/approvals/follow-up-text.js';
import { createFollowUpSweeper, dueFollowUps } from '../../../src/approvals/follow-ups.js';
import { NO_NOTIFIER, type ApprovalNotifier } from '../../../src/approvals/notifier.js';
import { mentionOf } from '../../../src/approvals/slack/mentions.js';
import { createLogger } from '../../../src/log/logger.js';
import type { ApprovalRecord } from '../../../src/state/approval-record.js';
import { createMemoryStore } from '../../../src/state/memory/memory-store.js';
import type { StateStore } from '../../../src/state/state-store.js';
import { approvalRecordOf } from '../../helpers/approval-record.js';

const T0 = 1_800_000_000_000;
const MIN = 60_000;
const followed = (fields: Partial<ApprovalRecord> = {}) =>
  approvalRecordOf(T0, { approvalId: `apr_${Math.random().toString(36).slice(2)}`, requestKey: Math.random().toString(36), approvers: ['sso:frank', 'sso:gina', 'sso:carol'], quorum: 2, remindAfterMs: 2 * MIN, escalateAfterMs: 5 * MIN, escalateTo: ['sso:cfo'], ...fields });

describe('dueFollowUps', () => {
  it.each([
    ['nothing before remind_after', {}, T0 + 2 * MIN - 1, []],
    ['the first reminder at remind_after', {}, T0 + 2 * MIN, ['remind']],
    ['no second reminder within the interval', { remindedAt: T0 + 2 * MIN }, T0 + 4 * MIN - 1, []],
    ['the next reminder one interval later', { remindedAt: T0 + 2 * MIN }, T0 + 4 * MIN, ['remind']],
    ['the escalation at escalate_after, before a reminder', { remindedAt: T0 + 4 * MIN }, T0 + 6 * MIN, ['escalate', 'remind']],
    ['the escalation only once', { remindedAt: T0 + 6 * MIN, escalatedAt: T0 + 6 * MIN }, T0 + 7 * MIN, []],
    ['nothing once decided', { status: 'denied' as const }, T0 + 6 * MIN, []],
    ['nothing once expired', {}, T0 + 15 * MIN, []],
    ['nothing without follow-ups', { remindAfterMs: undefined, escalateAfterMs: undefined, escalateTo: undefined }, T0 + 10 * MIN, []],
  ])('%s', (_name, fields, nowMs, due) => {
    expect(dueFollowUps(followed(fields), nowMs)).toEqual(due);
  });
});

describe('the follow-up sweeper', () => {
  let state: StateStore | undefined;
  afterEach(async () => {
    await state?.close();
  });

  it('three sweepers on one store: one reminder per interval and one escalation, each audited once and sent once', async () => {
    state = createMemoryStore({ maxJtiEntries: 100, ledgerTtlMs: MIN, sweepIntervalMs: 0 });
    const record = followed();
    await state.createApproval(record, T0);
    let clock = T0;
    const sent: string[] = [];
    const audited: string[] = [];
    const notifier: ApprovalNotifier = { ...NO_NOTIFIER, followUp: (r, step) => Promise.resolve(void sent.push(`${step}@${(step === 'remind' ? r.remindedAt : r.escalatedAt)! - T0}`)) };
    const events = { followedUp: (step: string) => void audited.push(step) } as unknown as ApprovalEvents;
    const sweepers = [0, 1, 2].map(() => createFollowUpSweeper({ state: state!, notifier, events, log: createLogger('silent'), now: () => clock, enabled: () => true, intervalMs: 0 }));
    for (const at of [1, 2, 3, 3.5, 5, 6]) {
      clock = T0 + at * MIN;
      await Promise.all(sweepers.map((sweeper) => sweeper.sweep()));
    }
    expect(sent).toEqual([`remind@${2 * MIN}`, `escalate@${5 * MIN}`, `remind@${5 * MIN}`]);
    expect(audited).toEqual(['remind', 'escalate', 'remind']);
    expect(await state.getApproval(record.approvalId, clock)).toMatchObject({ remindedAt: T0 + 5 * MIN, escalatedAt: T0 + 5 * MIN });
  });

  it('does not read the store while no rule asks for follow-ups', async () => {
    let lists = 0;
    const listApprovals = () => {
      lists++;
      return Promise.resolve([]);
    };
    const store = { listApprovals } as unknown as StateStore;
    const sweeper = createFollowUpSweeper({ state: store, notifier: NO_NOTIFIER, events: {} as ApprovalEvents, log: createLogger('silent'), now: () => T0, enabled: () => false, intervalMs: 0 });
    await sweeper.sweep();
    expect(lists).toBe(0);
  });
});

describe('whom a follow-up addresses', () => {
  const voted = followed({ votes: [{ principal: 'sso:frank', decision: 'approve', at: T0 + 1, via: 'api' }] });

  it.each([
    ['a reminder before the escalation: approvers who have not voted, never the initiator', 'remind' as const, T0 + 2 * MIN, ['sso:gina']],
    ['a reminder after it: the escalation list too', 'remind' as const, T0 + 5 * MIN, ['sso:gina', 'sso:cfo']],
    ['the escalation: the escalation list', 'escalate' as const, T0 + 5 * MIN, ['sso:cfo']],
  ])('%s', (_name, step, nowMs, who) => {
    expect(followUpAddressees(voted, step, nowMs)).toEqual(who);
  });
});

describe('mentionOf', () => {
  const aliases = { 'slack:U0FRANK': 'sso:frank', 'slack:W0FRANK2': 'sso:frank', 'email:frank@example.com': 'sso:frank' };
  it.each([
    ['a Slack principal', 'slack:U0GINA', '<@U0GINA>'],
    ['a principal with Slack aliases: each account', 'sso:frank', '<@U0FRANK> <@W0FRANK2>'],
    ['a principal with no Slack account, escaped', 'sso:<!channel>', 'sso:&lt;!channel&gt;'],
    ['a malformed Slack id is text, not a mention', 'slack:<!here>', 'slack:&lt;!here&gt;'],
  ])('%s', (_name, principal, text) => {
    expect(mentionOf(principal, aliases)).toBe(text);
  });
});
