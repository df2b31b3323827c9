/**
 * Reasons through Slack (issue 17 item 1): the real gate's Bolt app receives signed
 * `block_actions` and `view_submission` payloads; the local fake Slack Web API records
 * `views.open`. A click whose vote needs a reason opens a modal and counts nothing; the vote is
 * cast when the modal is submitted with a reason, the voter checked again then; a blank reason
 * keeps the modal open (`response_action: errors`). An Approve under the default counts at once.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendClick, sendViewSubmission } from '../helpers/fake-slack-clicks.js';
import { startFakeSlack, type FakeSlack, type FakeSlackCall } from '../helpers/fake-slack.js';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';

const SECRET = 'test-signing-secret-reasons';
const POLICY = `version: "reasons-1"
clauses:
  PAYMENT_LIMIT: { text: Payments above 5000 need a human approval from finance. }
tools:
  - { name: payments.create, match: { method: POST, host: payments.internal, path: /payments } }
  - { name: transfers.create, match: { method: POST, host: payments.internal, path: /transfers } }
rules:
  - id: large-payments
    tools: [payments.create]
    effect: approval_needed
    clause: PAYMENT_LIMIT
    approval: { approvers: ["slack:U0FIN1", "slack:U0FIN2"], quorum: 1, ttl: 15m }
  - id: transfers
    tools: [transfers.create]
    effect: approval_needed
    clause: PAYMENT_LIMIT
    approval: { approvers: ["slack:U0FIN1", "slack:U0FIN2"], quorum: 1, ttl: 15m, require_reason: both }
`;
const PAYMENTS = { method: 'POST', host: 'payments.internal', path: '/payments', headers: { 'content-type': 'application/json' } };
const TRANSFERS = { ...PAYMENTS, path: '/transfers' };

describe('reasons through Slack (real Bolt, fake Web API with views.open)', () => {
  let slack: FakeSlack;
  let f: GateFixture;
  let n = 0;

  beforeAll(async () => {
    slack = await startFakeSlack();
    f = await startGateFixture(POLICY, {
      configExtra: `slack: { bot_token: xoxb-test-token, signing_secret: ${SECRET}, channel: C0APPROVALS, api_url: "${slack.url}" }`,
      audit: 'audit: { decision_log: ./decisions.jsonl }',
      gateOptions: { approvals: { sweepIntervalMs: 0 } },
    });
  });
  afterAll(async () => {
    await f?.close();
    await slack?.close();
  });

  const agentToken = () => f.mint('finance-a', { initiator: 'sso:carol' });
  async function requestApproval(spec: typeof PAYMENTS = PAYMENTS) {
    const r = await f.check({ ...spec, body: JSON.stringify({ amount: 9000 + ++n }), token: await agentToken() });
    expect(r.body).toMatchObject({ code: 'APPROVAL_REQUIRED' });
    const id = String(r.body?.approval_id);
    await slack.waitFor((calls) => calls.some((call) => call.method === 'chat.postMessage' && JSON.stringify(call.args.blocks).includes(id)));
    for (let i = 0; i < 300 && (await record(id))?.notification === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    return id;
  }
  const record = (id: string) => f.gate.state.getApproval(id, Date.now());
  const modals = (id: string): FakeSlackCall[] => slack.succeeded('views.open').filter((call) => String((call.args.view as Record<string, unknown>).private_metadata).includes(id));
  const updates = (id: string) => slack.succeeded('chat.update').filter((call) => JSON.stringify(call.args.blocks).includes(id));
  const ephemerals = (user: string) => slack.succeeded('chat.postEphemeral').filter((call) => call.args.user === user);
  const poll = async (id: string) => (await (await fetch(`${f.httpUrl}/v1/approvals/${id}`, { headers: { authorization: `Bearer ${await agentToken()}` } })).json()) as Record<string, unknown>;

  /** Clicks, and resolves the modal `views.open` was called with for this click. */
  async function clickForModal(user: string, id: string, action: 'approve' | 'deny', triggerId: string) {
    const before = modals(id).length;
    expect((await sendClick(f.httpUrl, SECRET, { user, approvalId: id, action, triggerId })).status).toBe(200);
    await slack.waitFor(() => modals(id).length > before);
    const call = modals(id).at(-1)!;
    expect(call.args.trigger_id).toBe(triggerId);
    return call.args.view as Record<string, unknown>;
  }

  it('an Approve under the default (deny) counts at once, with no modal', async () => {
    const id = await requestApproval();
    expect((await sendClick(f.httpUrl, SECRET, { user: 'U0FIN1', approvalId: id, action: 'approve' })).status).toBe(200);
    await slack.waitFor(() => updates(id).some((call) => JSON.stringify(call.args.blocks).includes('Approved')));
    expect(modals(id)).toEqual([]);
    expect((await record(id))?.votes).toMatchObject([{ principal: 'slack:U0FIN1', decision: 'approve', via: 'slack' }]);
  });

  it('a Deny opens the reason modal and counts nothing; a blank reason is refused in the modal; a reason denies, and shows everywhere', async () => {
    const id = await requestApproval();
    const view = await clickForModal('U0FIN2', id, 'deny', '111.222.deny');
    expect(view).toMatchObject({ type: 'modal', callback_id: 'dutygate_reason', submit: { text: 'Deny' } });
    expect(JSON.parse(String(view.private_metadata))).toEqual({ approval_id: id, decision: 'deny', channel: 'C0APPROVALS' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await record(id))?.votes).toEqual([]);

    for (const blank of [undefined, '   ']) {
      const refused = await sendViewSubmission(f.httpUrl, SECRET, { user: 'U0FIN2', view, reason: blank });
      expect(refused.status).toBe(200);
      expect(await refused.json()).toEqual({ response_action: 'errors', errors: { reason: 'A reason is required to deny this request.' } });
    }
    // Slack's client enforces max_length; a signed submission past it is refused by the gate too.
    const long = await sendViewSubmission(f.httpUrl, SECRET, { user: 'U0FIN2', view, reason: 'x'.repeat(1_001) });
    expect(await long.json()).toEqual({ response_action: 'errors', errors: { reason: 'A reason may be at most 1000 characters.' } });
    expect((await record(id))?.votes).toEqual([]);

    const accepted = await sendViewSubmission(f.httpUrl, SECRET, { user: 'U0FIN2', view, reason: ' IBAN <does not> match ' });
    expect(accepted.status).toBe(200);
    expect(await accepted.text()).toBe('');
    await slack.waitFor(() => updates(id).some((call) => JSON.stringify(call.args.blocks).includes('Denied')));
    expect(await record(id)).toMatchObject({ status: 'denied', votes: [{ principal: 'slack:U0FIN2', decision: 'deny', via: 'slack', reason: 'IBAN <does not> match' }] });
    const message = JSON.stringify(updates(id).at(-1)!.args.blocks);
    expect(message).toContain('Denied* by slack:U0FIN2: IBAN &lt;does not&gt; match');
    expect((await poll(id)).votes).toEqual([{ decision: 'deny', reason: 'IBAN <does not> match', via: 'slack', at: expect.any(String) }]);

    await f.gate.audit.settled();
    const lines = (await readFile(`${f.dir}/decisions.jsonl`, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const events = lines.filter((line) => line.type === 'approval' && line.approval_id === id).map((line) => [line.event, line.status, line.reason]);
    expect(events).toEqual([
      ['created', 'pending', null],
      ['vote', 'recorded', 'IBAN <does not> match'],
      ['outcome', 'denied', 'IBAN <does not> match'],
    ]);
  });

  it('require_reason both: an Approve opens the modal too, and its reason is shown on the message', async () => {
    const id = await requestApproval(TRANSFERS);
    const view = await clickForModal('U0FIN1', id, 'approve', '333.444.approve');
    expect((await record(id))?.votes).toEqual([]);
    expect((await sendViewSubmission(f.httpUrl, SECRET, { user: 'U0FIN1', view, reason: 'PO-77 matches' })).status).toBe(200);
    await slack.waitFor(() => updates(id).some((call) => JSON.stringify(call.args.blocks).includes('Approved')));
    expect(JSON.stringify(updates(id).at(-1)!.args.blocks)).toContain('slack:U0FIN1 (approve): PO-77 matches');
    expect((await poll(id)).status).toBe('approved');
  });

  it('the voter is checked again on submission: someone else submitting the modal counts nothing; a late one finds the approval closed', async () => {
    const id = await requestApproval();
    const view = await clickForModal('U0FIN1', id, 'deny', '555.666.deny');
    // Not a listed approver, submitting a view carrying the listed approver's metadata.
    expect((await sendViewSubmission(f.httpUrl, SECRET, { user: 'U0MALLORY', view, reason: 'no' })).status).toBe(200);
    await slack.waitFor(() => ephemerals('U0MALLORY').some((call) => /not a listed approver/.test(String(call.args.text))));
    expect((await record(id))?.votes).toEqual([]);
    // Another approver decides first; the modal submitted afterwards is closed.
    expect((await sendClick(f.httpUrl, SECRET, { user: 'U0FIN2', approvalId: id, action: 'approve' })).status).toBe(200);
    await slack.waitFor(() => updates(id).some((call) => JSON.stringify(call.args.blocks).includes('Approved')));
    expect((await sendViewSubmission(f.httpUrl, SECRET, { user: 'U0FIN1', view, reason: 'too late' })).status).toBe(200);
    await slack.waitFor(() => ephemerals('U0FIN1').some((call) => /already decided/.test(String(call.args.text))));
    expect(await record(id)).toMatchObject({ status: 'approved', votes: [{ principal: 'slack:U0FIN2' }] });
  });

  it('a submission with a forged signature is refused before Bolt sees it, and counts nothing', async () => {
    const id = await requestApproval();
    const view = await clickForModal('U0FIN1', id, 'deny', '777.888.deny');
    const forged = await sendViewSubmission(f.httpUrl, SECRET, { user: 'U0FIN1', view, reason: 'forged' }, { signWith: 'not-the-secret' });
    expect(forged.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await record(id))?.votes).toEqual([]);
  });
});
