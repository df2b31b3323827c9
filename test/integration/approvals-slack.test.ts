/**
 * Approvals through Slack: the real gate with its real Bolt app receiving signed
 * `block_actions` payloads on `/slack/events`, and a local fake of Slack's Web API recording
 * chat.postMessage / chat.update / chat.postEphemeral and failing on demand (500, 429).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendClick } from '../helpers/fake-slack-clicks.js';
import { startFakeSlack, type FakeSlack, type FakeSlackCall } from '../helpers/fake-slack.js';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';

const SECRET = 'test-signing-secret-8f1d2c';
const POLICY = `version: "slack-1"
clauses:
  PAYMENT_LIMIT: { text: Payments above 5000 need a human approval from finance. }
  DUAL_CONTROL: { text: Transfers need two finance approvers. }
tools:
  - { name: payments.create, match: { method: POST, host: payments.internal, path: /payments } }
  - { name: transfers.create, match: { method: POST, host: payments.internal, path: /transfers } }
rules:
  - { id: small-payments, tools: [payments.create], params: { amount: { max: 5000 } }, effect: allow }
  - id: large-payments
    tools: [payments.create]
    params: { amount: { gt: 5000 } }
    effect: approval_needed
    clause: PAYMENT_LIMIT
    approval: { approvers: ["slack:U0FIN1", "slack:U0FIN2", "sso:carol"], quorum: 1, ttl: 15m, mask: [card] }
  - id: transfers
    tools: [transfers.create]
    effect: approval_needed
    clause: DUAL_CONTROL
    # A Deny without a reason: this file is about quorum; reasons have approvals-slack-reasons.test.ts.
    approval: { approvers: ["slack:U0FIN1", "slack:U0FIN2", "slack:U0FIN3"], quorum: 2, ttl: 15m, require_reason: none }
`;
const PAYMENTS = { method: 'POST', host: 'payments.internal', path: '/payments', headers: { 'content-type': 'application/json' } };
const TRANSFERS = { ...PAYMENTS, path: '/transfers' };

describe('approvals through Slack (real Bolt, fake Web API)', () => {
  let slack: FakeSlack;
  let f: GateFixture;
  let offsetMs = 0;
  let n = 0;

  beforeAll(async () => {
    slack = await startFakeSlack();
    f = await startGateFixture(POLICY, {
      now: () => Date.now() + offsetMs,
      configExtra: [
        `slack: { bot_token: xoxb-test-token, signing_secret: ${SECRET}, channel: C0APPROVALS, api_url: "${slack.url}" }`,
        'principals: { aliases: { "slack:U0CAROL": "sso:carol" } }',
      ].join('\n'),
      gateOptions: { approvals: { slackRetry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 50, maxRetryAfterMs: 5_000 }, sweepIntervalMs: 0 } },
    });
  });
  afterAll(async () => {
    await f.close();
    await slack.close();
  });
  beforeEach(() => {
    offsetMs = 0;
    slack.delayMs = 0;
  });

  /** A fresh agent token (single-use) for the same agent and initiator. */
  const agentToken = (agentId = 'finance-a') => f.mint(agentId, { initiator: 'sso:carol', now: new Date(Date.now() + offsetMs) });

  /** Asks for something that needs approval; resolves the approval id once its message is posted. */
  async function requestApproval(spec: typeof PAYMENTS = PAYMENTS, body: Record<string, unknown> = { amount: 9000 + ++n, card: '4111111111111111' }) {
    const r = await f.check({ ...spec, body: JSON.stringify(body), token: await agentToken() });
    expect(r.body).toMatchObject({ decision: 'approval_needed', code: 'APPROVAL_REQUIRED' });
    const id = String(r.body?.approval_id);
    await slack.waitFor(() => posted(id) !== undefined);
    await until(async () => (await record(id)).notification !== undefined);
    return { id, body };
  }
  const until = async (condition: () => Promise<boolean>) => {
    for (let i = 0; i < 500 && !(await condition()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  };
  const posted = (id: string): FakeSlackCall | undefined => slack.succeeded('chat.postMessage').find((call) => JSON.stringify(call.args.blocks).includes(id));
  const updates = (id: string) => slack.succeeded('chat.update').filter((call) => JSON.stringify(call.args.blocks).includes(id));
  const ephemerals = (user: string) => slack.succeeded('chat.postEphemeral').filter((call) => call.args.user === user);
  const click = (user: string, approvalId: string, action: 'approve' | 'deny' = 'approve') => sendClick(f.httpUrl, SECRET, { user, approvalId, action });
  const record = async (id: string) => (await f.gate.state.getApproval(id, Date.now() + offsetMs))!;
  const poll = async (id: string) => {
    const response = await fetch(`${f.httpUrl}/v1/approvals/${id}`, { headers: { authorization: `Bearer ${await agentToken()}` } });
    return (await response.json()) as Record<string, unknown>;
  };

  describe('the message', () => {
    it('posts one Block Kit message per approval with agent, tool, masked params, rule, clause, version, expiry and buttons (Approve confirmed, Deny asking its reason instead)', async () => {
      const { id } = await requestApproval();
      const call = posted(id)!;
      expect(call.args.channel).toBe('C0APPROVALS');
      expect(call.authorization).toBe('Bearer xoxb-test-token');
      const text = JSON.stringify(call.args.blocks);
      for (const part of ['finance-a', 'payments.create', 'large-payments', 'Payments above 5000 need a human approval from finance.', f.gate.policy.current().policyVersion, '<!date^']) {
        expect(text).toContain(part);
      }
      expect(text).not.toContain('4111111111111111');
      expect(text).toContain('••••');
      const actions = (call.args.blocks as { type: string; elements?: { action_id: string; confirm?: unknown; value: string }[] }[]).find((block) => block.type === 'actions')!;
      expect(actions.elements!.map((button) => button.action_id)).toEqual(['dutygate_approve', 'dutygate_deny']);
      for (const button of actions.elements!) expect(button.value).toBe(id);
      // require_reason defaults to deny: the Deny click opens the reason modal, its own confirmation.
      expect(actions.elements!.map((button) => button.confirm !== undefined)).toEqual([true, false]);
    });

    it('a repeat of the same pending request returns the same approval and posts nothing new', async () => {
      const body = { amount: 7777, card: 'x' };
      const first = await requestApproval(PAYMENTS, body);
      const again = await f.check({ ...PAYMENTS, body: JSON.stringify(body), token: await agentToken() });
      expect(again.body?.approval_id).toBe(first.id);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(slack.succeeded('chat.postMessage').filter((call) => JSON.stringify(call.args.blocks).includes(first.id))).toHaveLength(1);
    });

    it('never waits on Slack: the Check answers while the post is still in flight', async () => {
      slack.delayMs = 1_500;
      const started = Date.now();
      const r = await f.check({ ...PAYMENTS, body: JSON.stringify({ amount: 6001 + ++n }), token: await agentToken() });
      expect(r.body).toMatchObject({ code: 'APPROVAL_REQUIRED' });
      expect(Date.now() - started).toBeLessThan(1_000);
      await slack.waitFor(() => posted(String(r.body?.approval_id)) !== undefined);
    });
  });

  describe('request verification', () => {
    it.each([
      ['a forged signature', { signWith: 'not-the-secret' }],
      ['a garbage signature', { signature: 'v0=deadbeef' }],
      ['a stale timestamp (6 minutes old)', { timestamp: Math.floor(Date.now() / 1000) - 360 }],
      ['a future timestamp (6 minutes ahead)', { timestamp: Math.floor(Date.now() / 1000) + 360 }],
    ])('refuses %s with 401 and counts nothing', async (_name, options) => {
      const { id } = await requestApproval();
      const response = await sendClick(f.httpUrl, SECRET, { user: 'U0FIN1', approvalId: id, action: 'approve' }, options);
      expect(response.status).toBe(401);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await record(id)).votes).toEqual([]);
    });

    it('acknowledges a click quickly even when Slack itself is slow', async () => {
      const { id } = await requestApproval();
      slack.delayMs = 1_500;
      const started = Date.now();
      const response = await click('U0FIN1', id);
      expect(response.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1_000);
      await slack.waitFor(() => updates(id).length > 0);
    });
  });

  describe('who counts', () => {
    it('a non-approver click is not counted and is told so, privately', async () => {
      const { id } = await requestApproval();
      expect((await click('U0RANDOM', id)).status).toBe(200);
      await slack.waitFor(() => ephemerals('U0RANDOM').length > 0);
      expect(ephemerals('U0RANDOM').at(-1)!.args.text).toMatch(/not a listed approver/);
      expect((await record(id)).votes).toEqual([]);
      expect((await record(id)).status).toBe('pending');
    });

    it("the workflow's initiator never counts, even listed and through another account (alias)", async () => {
      const { id } = await requestApproval();
      // slack:U0CAROL is sso:carol, the initiator of the agent's workflow and a listed approver.
      expect((await click('U0CAROL', id)).status).toBe(200);
      await slack.waitFor(() => ephemerals('U0CAROL').length > 0);
      expect(ephemerals('U0CAROL').at(-1)!.args.text).toMatch(/initiated this workflow/);
      expect((await record(id)).votes).toEqual([]);
      expect((await record(id)).status).toBe('pending');
    });

    it('quorum 2: one approval is not enough, and one Deny rejects', async () => {
      const { id } = await requestApproval(TRANSFERS, { to: 'acct_1', amount: ++n });
      await click('U0FIN1', id);
      await slack.waitFor(() => updates(id).some((call) => JSON.stringify(call.args.blocks).includes('1 of 2 approval(s)')));
      expect((await record(id)).status).toBe('pending');
      await click('U0FIN2', id, 'deny');
      await slack.waitFor(() => updates(id).some((call) => JSON.stringify(call.args.blocks).includes('Denied')));
      expect((await record(id)).status).toBe('denied');
      await click('U0FIN3', id);
      await slack.waitFor(() => ephemerals('U0FIN3').some((call) => /already decided/.test(String(call.args.text))));
      expect((await record(id)).status).toBe('denied');
      const status = await poll(id);
      expect(status).toMatchObject({ status: 'denied' });
      expect(status.override_token).toBeUndefined();
    });

    it('quorum 2: duplicate clicks by one approver count once; a second approver approves', async () => {
      const { id } = await requestApproval(TRANSFERS, { to: 'acct_2', amount: ++n });
      const responses = await Promise.all([click('U0FIN1', id), click('U0FIN1', id), click('U0FIN1', id)]);
      expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
      await slack.waitFor(() => ephemerals('U0FIN1').filter((call) => /already counted/.test(String(call.args.text))).length >= 2);
      expect((await record(id)).votes).toHaveLength(1);
      expect((await record(id)).status).toBe('pending');
      await click('U0FIN2', id);
      await slack.waitFor(() => updates(id).some((call) => JSON.stringify(call.args.blocks).includes('Approved')));
      expect((await record(id)).status).toBe('approved');
    });
  });

  describe('updates in place', () => {
    it('updates the posted message (same channel and ts) with the outcome, without buttons', async () => {
      const { id } = await requestApproval();
      const postedTs = (await record(id)).notification?.ts;
      expect(postedTs).toMatch(/^1700000000\.\d{6}$/);
      await click('U0FIN2', id);
      await slack.waitFor(() => updates(id).some((call) => JSON.stringify(call.args.blocks).includes('Approved')));
      const last = updates(id).at(-1)!;
      expect(last.args.channel).toBe('C0APPROVALS');
      expect(last.args.ts).toBe(postedTs);
      expect(JSON.stringify(last.args.blocks)).not.toContain('dutygate_approve');
      expect(JSON.stringify(last.args.blocks)).toContain('slack:U0FIN2');
    });

    it('on expiry, the sweeper updates the message and votes are closed', async () => {
      const { id } = await requestApproval();
      offsetMs = 16 * 60_000;
      await f.gate.approvals.notifier.sweep();
      await slack.waitFor(() => updates(id).some((call) => JSON.stringify(call.args.blocks).includes('Expired')));
      expect(JSON.stringify(updates(id).at(-1)!.args.blocks)).not.toContain('dutygate_approve');
      expect((await record(id)).status).toBe('expired');
      const vote = await f.gate.approvals.service.vote(id, 'slack:U0FIN1', 'approve', 'slack', Date.now() + offsetMs);
      expect(vote).toMatchObject({ ok: false, code: 'APPROVAL_CLOSED' });
      expect(await poll(id)).toMatchObject({ status: 'expired' });
    });
  });

  describe('cancel (issue 17)', () => {
    const cancel = (id: string, token: string) => fetch(`${f.httpUrl}/v1/approvals/${id}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

    it('the requesting agent cancels with its own token: the message says so, later clicks are refused, the agent reads cancelled', async () => {
      const { id } = await requestApproval();
      const response = await cancel(id, await agentToken());
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ approval_id: id, status: 'cancelled', cancelled_by: 'agent:finance-a' });
      await slack.waitFor(() => updates(id).some((call) => JSON.stringify(call.args.blocks).includes('Cancelled')));
      const last = JSON.stringify(updates(id).at(-1)!.args.blocks);
      expect(last).toContain('agent:finance-a');
      expect(last).not.toContain('dutygate_approve');
      expect((await click('U0FIN1', id)).status).toBe(200);
      await slack.waitFor(() => ephemerals('U0FIN1').some((call) => /cancelled/.test(String(call.args.text))));
      expect((await record(id)).votes).toEqual([]);
      expect(await poll(id)).toMatchObject({ status: 'cancelled', cancelled_by: 'agent:finance-a' });
      expect((await cancel(id, await agentToken())).status).toBe(409);
    });

    it('the initiator cancels with an approver token; another agent and another approver may not', async () => {
      const { id } = await requestApproval();
      const other = await cancel(id, await agentToken('finance-b'));
      expect(other.status).toBe(403);
      expect(await other.json()).toMatchObject({ code: 'APPROVAL_FORBIDDEN' });
      expect((await cancel(id, await f.mintApprover('slack:U0FIN1'))).status).toBe(403);
      expect((await cancel(id, 'not-a-token')).status).toBe(401);
      expect((await record(id)).status).toBe('pending');
      const response = await cancel(id, await f.mintApprover('sso:carol'));
      expect(await response.json()).toMatchObject({ status: 'cancelled', cancelled_by: 'sso:carol' });
      const vote = await f.gate.approvals.service.vote(id, 'slack:U0FIN2', 'approve', 'api', Date.now());
      expect(vote).toMatchObject({ ok: false, code: 'APPROVAL_CLOSED' });
    });
  });

  describe('Slack failures', () => {
    it('retries a 500 and a 429 (after Retry-After) and posts; the approval stays valid meanwhile', async () => {
      slack.failNext('chat.postMessage', { status: 500 }, { status: 429, headers: { 'retry-after': '1' }, body: { ok: false, error: 'ratelimited' } });
      const r = await f.check({ ...PAYMENTS, body: JSON.stringify({ amount: 8000 + ++n }), token: await agentToken() });
      const id = String(r.body?.approval_id);
      // Valid while Slack is failing: the agent can poll it.
      expect(await poll(id)).toMatchObject({ approval_id: id, status: 'pending' });
      await slack.waitFor(() => posted(id) !== undefined, 10_000);
      const attempts = slack.calls.filter((call) => call.method === 'chat.postMessage' && (call.status !== 200 || JSON.stringify(call.args.blocks).includes(id)));
      const statuses = attempts.map((call) => call.status);
      expect(statuses.slice(-3)).toEqual([500, 429, 200]);
      const [, limited, ok] = attempts.slice(-3);
      expect(ok!.at - limited!.at).toBeGreaterThanOrEqual(900);
      // The message ts is stored right after the post answered.
      await until(async () => (await record(id)).notification !== undefined);
      expect((await record(id)).notification?.ts).toBeDefined();
    });

    it('gives up after the bounded attempts; the approval still works over the API', async () => {
      slack.failNext('chat.postMessage', { status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });
      const r = await f.check({ ...PAYMENTS, body: JSON.stringify({ amount: 8100 + ++n }), token: await agentToken() });
      const id = String(r.body?.approval_id);
      await slack.waitFor((calls) => calls.filter((call) => call.method === 'chat.postMessage' && call.status === 503).length >= 4);
      expect((await record(id)).notification).toBeUndefined();
      const decision = await fetch(`${f.httpUrl}/v1/approvals/${id}/decision`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await f.mintApprover('slack:U0FIN1')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ decision: 'approve' }),
      });
      expect(decision.status).toBe(200);
      expect(await poll(id)).toMatchObject({ status: 'approved' });
    });
  });

  it('the whole loop: approval_needed → click → poll → one override retry allowed, the next spent', async () => {
    const { id, body } = await requestApproval();
    expect(await poll(id)).toMatchObject({ status: 'pending' });
    expect((await poll(id)).override_token).toBeUndefined();
    await click('U0FIN1', id);
    await slack.waitFor(() => updates(id).some((call) => JSON.stringify(call.args.blocks).includes('Approved')));
    const status = await poll(id);
    expect(status).toMatchObject({ approval_id: id, status: 'approved' });
    const override = String(status.override_token);
    expect(override.split('.')).toHaveLength(3);

    const retry = await f.check({ ...PAYMENTS, body: JSON.stringify(body), token: await agentToken(), headers: { ...PAYMENTS.headers, 'x-dutygate-override': override } });
    expect(retry.grpcCode).toBe(0);
    expect(retry.metadata).toMatchObject({ decision: 'allow', approval_id: id, lifted_by: 'override' });
    expect(retry.headersToRemove).toContain('x-dutygate-override');

    const again = await f.check({ ...PAYMENTS, body: JSON.stringify(body), token: await agentToken(), headers: { ...PAYMENTS.headers, 'x-dutygate-override': override } });
    expect(again.httpStatus).toBe(403);
    expect(again.body).toMatchObject({ decision: 'deny', code: 'OVERRIDE_SPENT', rule_id: 'large-payments' });
  });
});
