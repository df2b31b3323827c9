/**
 * Slack posts are paced per channel (issue 12 item 5's leftover): the real gate posting to the
 * local fake Slack Web API, which counts chat.postMessage calls. A flood of approval_needed
 * outcomes posts the burst at once, the queue at `per_second`, and drops the rest with a metric
 * and a log line; every approval is recorded and listed by the HTTP API all the same. The gate's
 * clock is injected and held still while the flood arrives, then stepped, so the count of posts
 * after each step is exact however slow the machine (the limiter's timers are real).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { startGateFixture, type GateFixture, type LogLine } from '../helpers/gate-fixture.js';

const POLICY = `version: "slack-rate-1"
clauses:
  PAYMENT_LIMIT: { text: Payments above 5000 need a human approval from finance. }
tools:
  - { name: payments.create, match: { method: POST, host: payments.internal, path: /payments } }
rules:
  - id: large
    tools: [payments.create]
    params: { amount: { gt: 5000 } }
    effect: approval_needed
    clause: PAYMENT_LIMIT
    approval: { approvers: ["sso:bob"], quorum: 1, ttl: 15m }
`;
const CREATE = { method: 'POST', host: 'payments.internal', path: '/payments', headers: { 'content-type': 'application/json' } };
const FLOOD = 10;

describe('Slack posts are rate-limited per channel', () => {
  let slack: FakeSlack;
  let f: GateFixture;
  const lines: LogLine[] = [];
  /** The gate's clock: stands still until stepped. */
  let clock = Date.now();

  beforeAll(async () => {
    slack = await startFakeSlack();
    f = await startGateFixture(POLICY, {
      configExtra: [
        `slack: { bot_token: xoxb-test-token, signing_secret: rate-secret, channel: C0APPROVALS, api_url: "${slack.url}", post_rate: { per_second: 4, burst: 3, max_queued: 3 } }`,
        'limits: { check_timeout: 5s }',
      ].join('\n'),
      gateOptions: { approvals: { sweepIntervalMs: 0 } },
      now: () => clock,
      logLines: (line) => lines.push(line),
    });
  });
  afterAll(async () => {
    await f.close();
    await slack.close();
  });

  const posts = () => slack.succeeded('chat.postMessage');
  const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  /** Moves the gate's clock on and gives the limiter's 250 ms timer time to fire. */
  const step = async (ms: number) => {
    clock += ms;
    await settle(400);
  };

  it('posts the burst, then the queue at the rate, and drops the rest with a metric and a log; the API lists all', async () => {
    clock = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < FLOOD; i++) {
      const r = await f.check({ ...CREATE, body: JSON.stringify({ amount: 9000 + i }), token: await f.mint(`flood-${i}`, { initiator: `sso:human-${i}`, now: new Date(clock) }) });
      expect(r.body).toMatchObject({ code: 'APPROVAL_REQUIRED' });
      ids.push(String(r.body?.approval_id));
    }
    // The burst of 3 at once; the queue of 3 one per 250 ms of the clock; the other 4 dropped.
    await settle(400);
    expect(posts()).toHaveLength(3);
    await step(250);
    expect(posts()).toHaveLength(4);
    await step(250);
    expect(posts()).toHaveLength(5);
    await step(250);
    expect(posts()).toHaveLength(6);
    await step(5_000);
    expect(posts()).toHaveLength(6);

    const dropped = lines.filter((line) => line.msg.startsWith('slack post dropped'));
    expect(dropped).toHaveLength(FLOOD - 6);
    const metrics = await (await fetch(`${f.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^dutygate_slack_posts_dropped_total(\{[^}]*\})? 4$/m);

    // Every approval exists and an approver finds each one, posted or not.
    const response = await fetch(`${f.httpUrl}/v1/approvals?status=pending&limit=100`, { headers: { authorization: `Bearer ${await f.mintApprover('sso:bob', { now: new Date(clock) })}` } });
    const listed = ((await response.json()) as { approvals: { approval_id: string }[] }).approvals.map((each) => each.approval_id);
    expect(listed).toEqual(expect.arrayContaining(ids));
    const postedIds = ids.filter((id) => posts().some((call) => JSON.stringify(call.args.blocks).includes(id)));
    expect(postedIds).toEqual(ids.slice(0, 6));
  });

  it('skips a queued post whose approval was decided over the API before its turn', async () => {
    // A quiet spell refills the burst.
    clock = Math.max(clock, Date.now());
    await step(10_000);
    const before = posts().length;
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await f.check({ ...CREATE, body: JSON.stringify({ amount: 20_000 + i }), token: await f.mint(`later-${i}`, { initiator: `sso:other-${i}`, now: new Date(clock) }) });
      ids.push(String(r.body?.approval_id));
    }
    // The burst refilled to 3 in the quiet second; the fourth waits, and is decided meanwhile.
    const decided = await fetch(`${f.httpUrl}/v1/approvals/${ids[3]}/decision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await f.mintApprover('sso:bob', { now: new Date(clock) })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve' }),
    });
    expect(decided.status).toBe(200);
    await settle(400);
    expect(posts().length - before).toBe(3);
    await step(250);
    expect(posts().length - before).toBe(3);
    expect(posts().some((call) => JSON.stringify(call.args.blocks).includes(ids[3]!))).toBe(false);
    expect(lines.some((line) => line.msg.startsWith('slack post skipped') && line['approval_id'] === ids[3])).toBe(true);
  });
});
