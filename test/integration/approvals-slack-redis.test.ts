/**
 * The Slack approval flow on shared state, on one Redis and on a live Redis Cluster: a listed
 * approver's click approves, the message is updated with the outcome (chat.update), the
 * agent's poll gets its override token, the retry with it is allowed, and every decision of
 * the flow is chained in the audit log.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/audit/verify-log.js';
import { sendClick } from '../helpers/fake-slack-clicks.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';
import { deleteTestKeys, freshPrefix, REDIS_BACKENDS } from '../helpers/redis-test.js';

const SECRET = 'test-signing-secret-redis';
const POLICY = await readFile(new URL('../../examples/dev/policy.yaml', import.meta.url), 'utf8');
const PAYMENTS = { method: 'POST', host: 'payments.internal', path: '/payments', headers: { 'content-type': 'application/json' } };

describe.each(REDIS_BACKENDS)('Slack approvals on $name', (backend) => {
  let slack: FakeSlack;
  let f: GateFixture;
  let logFile: string;
  const errors: string[] = [];

  beforeAll(async () => {
    slack = await startFakeSlack();
    // The production deadlines (state.timeout 50 ms, check_timeout 150 ms): the flow must work with them.
    f = await startGateFixture(POLICY, {
      configExtra: [
        backend.stateYaml(freshPrefix('slack')),
        `slack: { bot_token: xoxb-test-token, signing_secret: ${SECRET}, channel: C0APPROVALS, api_url: "${slack.url}" }`,
        'principals: { aliases: { "slack:U0FINANCE1": "sso:frank" } }',
      ].join('\n'),
      audit: 'audit: { decision_log: ./decisions.jsonl }',
      gateOptions: { approvals: { sweepIntervalMs: 0 } },
      logLines: (line) => {
        if (line.level >= 50) errors.push(line.msg);
      },
    });
    logFile = `${f.dir}/decisions.jsonl`;
  });
  afterAll(async () => {
    await f?.close();
    await slack?.close();
    await deleteTestKeys();
  });

  const agent = () => f.mintDelegated('finance-bot', ['planner'], { initiator: 'sso:carol' });
  const pay = async (override?: string) =>
    f.check({
      ...PAYMENTS,
      headers: { ...PAYMENTS.headers, ...(override ? { 'x-dutygate-override': override } : {}) },
      body: JSON.stringify({ payment_id: 'pay_slack_1', amount: 9000, destination: 'acct_9f8e7d6c5b' }),
      ...(await agent()),
    });

  it('a click approves, the message shows the outcome, the poll hands out the override, the retry passes, the chain has no gap', async () => {
    const first = await pay();
    expect(first.body).toMatchObject({ code: 'APPROVAL_REQUIRED' });
    const id = String(first.body?.approval_id);
    await slack.waitFor((calls) => calls.some((call) => call.method === 'chat.postMessage' && JSON.stringify(call.args.blocks).includes(id)));
    for (let i = 0; i < 200 && (await f.gate.state.getApproval(id, Date.now()))?.notification === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 10));

    expect((await sendClick(f.httpUrl, SECRET, { user: 'U0FINANCE1', approvalId: id, action: 'approve' })).status).toBe(200);
    await slack.waitFor((calls) => calls.some((call) => call.method === 'chat.update' && call.status === 200 && JSON.stringify(call.args.blocks).includes('Approved')));

    const polled = (await (await fetch(`${f.httpUrl}/v1/approvals/${id}`, { headers: { authorization: `Bearer ${(await agent()).token}` } })).json()) as Record<string, unknown>;
    expect(polled).toMatchObject({ status: 'approved', override_token: expect.any(String) });
    const retry = await pay(String(polled.override_token));
    expect([retry.grpcCode, retry.body?.code]).toEqual([0, undefined]);

    await f.gate.audit.settled();
    expect(errors).toEqual([]);
    expect(verifyAuditLog([{ file: 'decisions.jsonl', text: await readFile(logFile, 'utf8') }])).toMatchObject({ ok: true });
  });
});
