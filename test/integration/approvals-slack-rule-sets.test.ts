/**
 * Every approval rule is honoured in Slack too (issue 12 item 3): the real gate with its real Bolt
 * app receiving signed clicks, and the local fake Slack Web API. One message shows both rules
 * with their clauses; the finance click marks only its own rule met, and the call is approved
 * only when the second rule's two security approvers have clicked as well.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendClick } from '../helpers/fake-slack-clicks.js';
import { startFakeSlack, type FakeSlack, type FakeSlackCall } from '../helpers/fake-slack.js';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';

const SECRET = 'test-signing-secret-rule-sets';
const POLICY = `version: "slack-rule-sets-1"
clauses:
  PAYMENT_LIMIT: { text: Payments above 5000 need a human approval from finance. }
  EXTERNAL: { text: Payments to external accounts need two security approvers. }
tools:
  - { name: payments.create, match: { method: POST, host: payments.internal, path: /payments } }
rules:
  - id: large
    tools: [payments.create]
    params: { amount: { gt: 5000 } }
    effect: approval_needed
    clause: PAYMENT_LIMIT
    approval: { approvers: ["slack:U0FIN1"], quorum: 1, ttl: 15m }
  - id: external
    tools: [payments.create]
    params: { destination: { regex: "^ext_" } }
    effect: approval_needed
    clause: EXTERNAL
    approval: { approvers: ["slack:U0SEC1", "slack:U0SEC2"], quorum: 2, ttl: 15m }
`;
const PAYMENTS = { method: 'POST', host: 'payments.internal', path: '/payments', headers: { 'content-type': 'application/json' } };

describe('approval rule sets through Slack (real Bolt, fake Web API)', () => {
  let slack: FakeSlack;
  let f: GateFixture;

  beforeAll(async () => {
    slack = await startFakeSlack();
    f = await startGateFixture(POLICY, {
      configExtra: `slack: { bot_token: xoxb-test-token, signing_secret: ${SECRET}, channel: C0APPROVALS, api_url: "${slack.url}" }`,
      gateOptions: { approvals: { slackRetry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 50, maxRetryAfterMs: 5_000 }, sweepIntervalMs: 0 } },
    });
  });
  afterAll(async () => {
    await f.close();
    await slack.close();
  });

  const blocksOf = (call: FakeSlackCall) => JSON.stringify(call.args.blocks);
  const posted = (id: string) => slack.succeeded('chat.postMessage').find((call) => blocksOf(call).includes(id));
  const updates = (id: string) => slack.succeeded('chat.update').filter((call) => blocksOf(call).includes(id));
  const click = (user: string, approvalId: string) => sendClick(f.httpUrl, SECRET, { user, approvalId, action: 'approve' });
  const status = async (id: string) => (await f.gate.state.getApproval(id, Date.now()))?.status;
  const until = async (condition: () => Promise<boolean>) => {
    for (let i = 0; i < 500 && !(await condition()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  };

  it("shows both rules and their clauses, and waits for the second rule's quorum after the finance click", async () => {
    const r = await f.check({ ...PAYMENTS, body: JSON.stringify({ amount: 9000, destination: 'ext_acct_9' }), token: await f.mint('finance-a', { initiator: 'sso:carol' }) });
    expect(r.body).toMatchObject({ decision: 'approval_needed', code: 'APPROVAL_REQUIRED' });
    const id = String(r.body?.approval_id);
    await slack.waitFor(() => posted(id) !== undefined);
    await until(async () => (await f.gate.state.getApproval(id, Date.now()))?.notification !== undefined);
    const message = blocksOf(posted(id)!);
    for (const part of ['large, external', 'Payments above 5000 need a human approval from finance.', 'Payments to external accounts need two security approvers.', '0 of 1 from slack:U0FIN1', '0 of 2 from slack:U0SEC1, slack:U0SEC2']) {
      expect(message).toContain(part);
    }

    // Before issue 12 item 3 the finance approver's click alone approved the call.
    expect((await click('U0FIN1', id)).status).toBe(200);
    await slack.waitFor(() => updates(id).some((call) => blocksOf(call).includes('1 of 1 from slack:U0FIN1')));
    expect(await status(id)).toBe('pending');
    const afterFinance = blocksOf(updates(id).at(-1)!);
    expect(afterFinance).toContain('0 of 2 from slack:U0SEC1, slack:U0SEC2');
    expect(afterFinance).toContain('dutygate_approve');

    await click('U0SEC1', id);
    await slack.waitFor(() => updates(id).some((call) => blocksOf(call).includes('1 of 2 from slack:U0SEC1, slack:U0SEC2')));
    expect(await status(id)).toBe('pending');
    await click('U0SEC2', id);
    await slack.waitFor(() => updates(id).some((call) => blocksOf(call).includes('Approved')));
    expect(await status(id)).toBe('approved');
  });
});
