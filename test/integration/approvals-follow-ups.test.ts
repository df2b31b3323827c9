/**
 * Reminders and escalation (issue 17 item 2) with two gate replicas sharing one Redis keyspace,
 * each with its real Bolt app and a follow-up sweeper running every 25 ms, against the local
 * fake Slack Web API: a reminder is posted once per interval in the message's thread however
 * many replicas sweep (the replies are counted at the fake), mentioning the approvers who have
 * not voted; an `escalate_to` approver's click is refused before `escalate_after` and counts
 * after it, the escalation posted once. Both are on the record and in the audit trail.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendClick } from '../helpers/fake-slack-clicks.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { startGateFixture, type GateFixture, type GateFixtureOptions } from '../helpers/gate-fixture.js';
import { deleteTestKeys, freshPrefix, REDIS_BACKENDS } from '../helpers/redis-test.js';

const SECRET = 'test-signing-secret-follow-ups';
const POLICY = `version: "follow-ups-1"
clauses:
  PAYMENT_LIMIT: { text: Payments need a human approval from finance. }
tools:
  - { name: payments.create, match: { method: POST, host: payments.internal, path: /payments } }
  - { name: transfers.create, match: { method: POST, host: payments.internal, path: /transfers } }
rules:
  - id: remind
    tools: [payments.create]
    effect: approval_needed
    clause: PAYMENT_LIMIT
    # One reminder fits before expiry: the next would be due at 1600ms.
    approval: { approvers: ["slack:U0FIN1", "sso:frank"], quorum: 1, ttl: 1500ms, remind_after: 800ms }
  - id: escalate
    tools: [transfers.create]
    effect: approval_needed
    clause: PAYMENT_LIMIT
    approval: { approvers: ["slack:U0FIN1"], quorum: 1, ttl: 20s, escalate_after: 1500ms, escalate_to: ["slack:U0CFO"] }
`;
const PAYMENTS = { method: 'POST', host: 'payments.internal', path: '/payments', headers: { 'content-type': 'application/json' } };
const TRANSFERS = { ...PAYMENTS, path: '/transfers' };

describe.each(REDIS_BACKENDS)('reminders and escalation, two replicas on $name', (backend) => {
  const prefix = freshPrefix('follow');
  let slack: FakeSlack;
  let a: GateFixture;
  let b: GateFixture;
  let n = 0;

  beforeAll(async () => {
    slack = await startFakeSlack();
    const replica = (extra: Partial<GateFixtureOptions> = {}) =>
      startGateFixture(POLICY, {
        configExtra: [
          backend.stateYaml(prefix, 'timeout: 2s'),
          'limits: { check_timeout: 5s }',
          `slack: { bot_token: xoxb-test-token, signing_secret: ${SECRET}, channel: C0APPROVALS, api_url: "${slack.url}" }`,
          'principals: { aliases: { "slack:U0FRANK": "sso:frank" } }',
        ].join('\n'),
        audit: 'audit: { decision_log: ./decisions.jsonl }',
        gateOptions: { approvals: { sweepIntervalMs: 0, followUpIntervalMs: 25 } },
        ...extra,
      });
    a = await replica();
    b = await replica({ agentKeys: a.agentKeys, approvalKeys: a.approvalKeys });
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await slack?.close();
    await deleteTestKeys();
  });

  async function requestApproval(spec: typeof PAYMENTS) {
    const r = await a.check({ ...spec, body: JSON.stringify({ amount: 9000 + ++n }), token: await a.mint('finance-a', { initiator: 'sso:carol' }) });
    expect(r.body).toMatchObject({ code: 'APPROVAL_REQUIRED' });
    const id = String(r.body?.approval_id);
    const record = () => b.gate.state.getApproval(id, Date.now());
    // The thread is keyed by the message's ts, as stored once the post returned.
    for (let i = 0; i < 300 && (await record())?.notification === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    return { id, ts: String((await record())?.notification?.ts), record };
  }
  /** Thread replies to the message `ts`, as the fake Slack received them. */
  const replies = (ts: string) => slack.succeeded('chat.postMessage').filter((call) => call.args.thread_ts === ts && ts !== '');
  const auditEvents = async (id: string) => {
    await Promise.all([a.gate.audit.settled(), b.gate.audit.settled()]);
    const lines = await Promise.all([a, b].map(async (f) => (await readFile(`${f.dir}/decisions.jsonl`, 'utf8')).trim().split('\n')));
    return lines.flat().filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.type === 'approval' && line.approval_id === id).map((line) => String(line.event));
  };

  it('posts one reminder in the thread, mentioning who has not voted, though both replicas sweep', async () => {
    const { id, ts, record } = await requestApproval(PAYMENTS);
    await slack.waitFor(() => replies(ts).length > 0, 3_000);
    // Sweep on past the expiry: a second reminder would be a bug (the next interval ends after it).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(replies(ts)).toHaveLength(1);
    const text = String(replies(ts)[0]!.args.text);
    expect(text).toMatch(/^:bell: Reminder: this approval is still pending \(0 of 1\)/);
    expect(text).toContain('Waiting on <@U0FIN1>, <@U0FRANK>.');
    const stored = (await record())!;
    expect(stored.remindedAt).toBeGreaterThanOrEqual(stored.createdAt + 800);
    expect(stored.status).toBe('expired');
    expect((await auditEvents(id)).filter((event) => event === 'reminded')).toHaveLength(1);
  });

  it('an escalate_to approver may vote only from escalate_after on; the escalation is posted once', async () => {
    const { id, ts: thread, record } = await requestApproval(TRANSFERS);
    const stored = (await record())!;
    expect(Date.now()).toBeLessThan(stored.createdAt + 1_500);
    expect((await sendClick(b.httpUrl, SECRET, { user: 'U0CFO', approvalId: id, action: 'approve' })).status).toBe(200);
    await slack.waitFor((calls) => calls.some((call) => call.method === 'chat.postEphemeral' && call.args.user === 'U0CFO' && /not a listed approver/.test(String(call.args.text))));
    expect((await record())?.votes).toEqual([]);

    await slack.waitFor(() => replies(thread).some((call) => String(call.args.text).startsWith(':rotating_light: Escalated')), 3_000);
    expect(String(replies(thread)[0]!.args.text)).toBe(`:rotating_light: Escalated: no decision within 1500ms. <@U0CFO> may now vote too (expires at <!date^${Math.floor(stored.expiresAt / 1000)}^{time}|${new Date(stored.expiresAt).toISOString()}>).`);
    expect((await record())?.escalatedAt).toBeGreaterThanOrEqual(stored.createdAt + 1_500);

    expect((await sendClick(a.httpUrl, SECRET, { user: 'U0CFO', approvalId: id, action: 'approve' })).status).toBe(200);
    await slack.waitFor((calls) => calls.some((call) => call.method === 'chat.update' && String(JSON.stringify(call.args.blocks)).includes(id) && String(JSON.stringify(call.args.blocks)).includes('Approved')));
    expect(await record()).toMatchObject({ status: 'approved', votes: [{ principal: 'slack:U0CFO', decision: 'approve' }] });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(replies(thread).filter((call) => String(call.args.text).includes('Escalated'))).toHaveLength(1);
    // Two replicas, two decision logs: the events, not their interleaving across files.
    expect((await auditEvents(id)).sort()).toEqual(['created', 'escalated', 'outcome', 'vote', 'vote']);
  });
});
