/**
 * The AuthZEN PDP end to end: a whole gate on loopback, driven by a PEP client written from the
 * AuthZEN Authorization API 1.0 text (test/helpers/authzen-client.ts), beside the Envoy gRPC
 * client — one decision core behind both: the same replay store, duty ledger, approvals and
 * decision log.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthzenClient } from '../helpers/authzen-client.js';
import { eventually } from '../helpers/eventually.js';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';
import { freshPrefix, REDIS_URL } from '../helpers/redis-test.js';

const PEP_TOKEN = 'pep-secret-0123456789abcdef';

const POLICY = `version: "authzen-1"
default: deny
clauses:
  PAYMENT_LIMIT:
    text: Payments above 5000 need a human approval.
  SOD_DUTY_CONFLICT:
    text: Drafting and approving one payment are two duties for two different actors.
tools:
  - { name: payments.create, match: { method: POST, host: payments.internal, path: /payments } }
  - { name: payments.approve, match: { method: POST, host: payments.internal, path: "/payments/{payment_id}/approve" } }
  - { name: github, match: { host: mcp.internal, path: /mcp }, protocol: mcp }
duties:
  payment:
    resource: { param: payment_id, pattern: "^pay-[a-z0-9-]{1,40}$" }
    steps: { draft: [payments.create], approve: [payments.approve] }
    distinct: [draft, approve]
rules:
  - id: create
    tools: [payments.create]
    params: { amount: { max: 5000 } }
    effect: allow
  - id: large-payments
    tools: [payments.create]
    params: { amount: { gt: 5000 } }
    effect: approval_needed
    clause: PAYMENT_LIMIT
    approval: { approvers: ["sso:finance"], ttl: 15m }
  - id: approve
    tools: [payments.approve]
    require: { duty: payment }
    effect: allow
  - id: read-tools
    tools: ["mcp:get_*"]
    effect: allow
`;

// Built from the spec's shapes: subject/action/resource/context.
const agent = (id: string) => ({ type: 'agent', id });
const post = { name: 'POST' };
const createPayment = (paymentId: string, amount: number) => ({ type: 'http', id: 'https://payments.internal/payments', properties: { body: { payment_id: paymentId, amount } } });
const approvePayment = (paymentId: string) => ({ type: 'http', id: `https://payments.internal/payments/${paymentId}/approve` });

describe('AuthZEN Authorization API 1.0 on the HTTP port', () => {
  let f: GateFixture;
  let pdp: ReturnType<typeof createAuthzenClient>;
  beforeAll(async () => {
    f = await startGateFixture(POLICY, { configExtra: `authzen: { token: ${PEP_TOKEN} }`, audit: 'audit: { decision_log: ./decisions.jsonl }' });
    pdp = createAuthzenClient(f.httpUrl, PEP_TOKEN);
  });
  afterAll(async () => {
    await f.close();
  });

  it('publishes its metadata at /.well-known/authzen-configuration and echoes X-Request-ID', async () => {
    const reply = await pdp.metadata({ requestId: 'meta-1' });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.body).toEqual({
      policy_decision_point: f.httpUrl,
      access_evaluation_endpoint: `${f.httpUrl}/access/v1/evaluation`,
      access_evaluations_endpoint: `${f.httpUrl}/access/v1/evaluations`,
    });
    expect(reply.requestId).toBe('meta-1');
  });

  it('an allowed call: decision true, the decision id and policy version in context, X-Request-ID echoed, one decision-log line', async () => {
    const token = await f.mint('drafter-1');
    const reply = await pdp.evaluation({ subject: agent('drafter-1'), action: post, resource: createPayment('pay-a', 100), context: { agent_token: token } }, { requestId: 'req-allow' });
    expect(reply.status).toBe(200);
    expect(reply.requestId).toBe('req-allow');
    expect(reply.body.decision).toBe(true);
    expect(reply.body.context).toMatchObject({ code: 'OK', tool: 'payments.create', rule_id: 'create', policy_version: f.gate.policy.current().policyVersion, agent_id: 'drafter-1' });
    expect(reply.body.context?.request_changes?.set_headers).toMatchObject({ 'x-agent-id': 'drafter-1', 'x-dutygate-decision-id': reply.body.context?.decision_id });
    const line = await eventually(() => decisionLine(reply.body.context?.decision_id), (found) => found !== undefined);
    expect(line).toMatchObject({ decision: 'allow', code: 'OK', tool: 'payments.create' });
  });

  it.each([
    ['no credential', null],
    ['a wrong bearer', 'pep-secret-0123456789abcdeX'],
  ])('%s → 401, and nothing changes: the agent token is not spent', async (_name, bearer) => {
    const token = await f.mint('drafter-2');
    const request = { subject: agent('drafter-2'), action: post, resource: createPayment('pay-b', 100), context: { agent_token: token } };
    const refused = await pdp.evaluation(request, { bearer, requestId: 'req-401' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    expect(refused.requestId).toBe('req-401');
    const batch = await pdp.evaluations({ evaluations: [request] }, { bearer });
    expect(batch.status).toBe(401);
    // The same token still works: it was never verified nor claimed.
    const accepted = await pdp.evaluation(request);
    expect(accepted.body.decision).toBe(true);
  });

  it('a replayed agent token is a false decision with REPLAY, exactly as over Envoy', async () => {
    const token = await f.mint('drafter-3');
    const request = { subject: agent('drafter-3'), action: post, resource: createPayment('pay-c', 100), context: { agent_token: token } };
    expect((await pdp.evaluation(request)).body.decision).toBe(true);
    const again = await pdp.evaluation(request);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ decision: false, context: { code: 'REPLAY', http_status: 401 } });
    // …and the token is spent for Envoy too: one replay store.
    const overEnvoy = await f.check({ method: 'POST', host: 'payments.internal', path: '/payments', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payment_id: 'pay-c', amount: 1 }) });
    expect(overEnvoy.body).toMatchObject({ code: 'REPLAY' });
  });

  it('one duty ledger: drafted over AuthZEN, the same agent may not approve over Envoy (and the deny context quotes the clause)', async () => {
    const drafted = await pdp.evaluation({ subject: agent('finance-1'), action: post, resource: createPayment('pay-d', 200), context: { agent_token: await f.mint('finance-1') } });
    expect(drafted.body.decision).toBe(true);
    const overEnvoy = await f.check({ method: 'POST', host: 'payments.internal', path: '/payments/pay-d/approve', token: await f.mint('finance-1') });
    expect(overEnvoy.body).toMatchObject({ code: 'SOD_DUTY_CONFLICT' });
    const overAuthzen = await pdp.evaluation({ subject: agent('finance-1'), action: post, resource: approvePayment('pay-d'), context: { agent_token: await f.mint('finance-1') } });
    expect(overAuthzen.body.decision).toBe(false);
    expect(overAuthzen.body.context).toMatchObject({
      code: 'SOD_DUTY_CONFLICT',
      http_status: 403,
      clause: 'Drafting and approving one payment are two duties for two different actors.',
      source: 'policy.yaml#/clauses/SOD_DUTY_CONFLICT',
      policy_version: f.gate.policy.current().policyVersion,
      rule_id: 'approve',
    });
    expect(overAuthzen.body.context?.decision_id).toMatch(/^[0-9a-f-]{36}$/);
    // Another agent may approve it.
    const other = await pdp.evaluation({ subject: agent('finance-2'), action: post, resource: approvePayment('pay-d'), context: { agent_token: await f.mint('finance-2') } });
    expect(other.body.decision).toBe(true);
  });

  it('approval_needed is a false decision with a requestable denial whose task is the opened approval', async () => {
    const reply = await pdp.evaluation({ subject: agent('drafter-4'), action: post, resource: createPayment('pay-e', 9000), context: { agent_token: await f.mint('drafter-4', { initiator: 'sso:dave' }) } });
    expect(reply.status).toBe(200);
    expect(reply.body.decision).toBe(false);
    const context = reply.body.context ?? {};
    expect(context).toMatchObject({ code: 'APPROVAL_REQUIRED', dutygate_decision: 'approval_needed', clause: 'Payments above 5000 need a human approval.', source: 'policy.yaml#/clauses/PAYMENT_LIMIT', rule_id: 'large-payments', evaluation_id: context.decision_id });
    expect(context.access_request).toMatchObject({ requestable: true, reason: 'approval_required', template: 'large-payments', task: { id: context.approval_id, status: 'pending', status_endpoint: context.status_url } });
    expect(Date.parse(context.access_request.expires_at)).toBeGreaterThan(Date.now() + 14 * 60_000);
    expect(Date.parse(context.evaluated_at)).not.toBeNaN();
    // The task is real: the agent polls it with its own token (README "Approvals").
    const status = await fetch(context.access_request.task.status_endpoint, { headers: { authorization: `Bearer ${await f.mint('drafter-4')}` } });
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ approval_id: context.approval_id, status: 'pending' });
  });

  it('a subject that is not the token\'s agent is a 400 and spends nothing', async () => {
    const token = await f.mint('drafter-5');
    const reply = await pdp.evaluation({ subject: agent('someone-else'), action: post, resource: createPayment('pay-f', 1), context: { agent_token: token } });
    expect(reply.status).toBe(400);
    expect((await pdp.evaluation({ subject: agent('drafter-5'), action: post, resource: createPayment('pay-f', 1), context: { agent_token: token } })).body.decision).toBe(true);
  });

  it.each([
    ['not JSON', '{"subject":'],
    ['a key given twice', '{"subject":{"type":"agent","id":"a"},"subject":{"type":"agent","id":"b"},"action":{"name":"POST"},"resource":{"type":"http","id":"https://x/"}}'],
    ['no context.agent_token', JSON.stringify({ subject: agent('a'), action: post, resource: createPayment('p', 1) })],
    ['an unknown resource type', JSON.stringify({ subject: agent('a'), action: post, resource: { type: 'document', id: '1' }, context: { agent_token: 'x.y.z' } })],
  ])('a malformed request (%s) is a 400', async (_name, text) => {
    const reply = await pdp.evaluation(text, { requestId: 'bad-1' });
    expect(reply.status).toBe(400);
    expect(reply.requestId).toBe('bad-1');
  });

  it('an MCP tool call as an mcp_tool resource is judged like the JSON-RPC POST Envoy would see', async () => {
    const endpoint = 'https://mcp.internal/mcp';
    const read = await pdp.evaluation({ subject: agent('coder-1'), action: { name: 'tools/call' }, resource: { type: 'mcp_tool', id: 'get_file', properties: { endpoint, arguments: { path: 'README.md' }, protocol_version: '2026-07-28' } }, context: { agent_token: await f.mint('coder-1') } });
    expect(read.body).toMatchObject({ decision: true, context: { tool: 'mcp:get_file' } });
    const write = await pdp.evaluation({ subject: agent('coder-1'), action: { name: 'tools/call' }, resource: { type: 'mcp_tool', id: 'delete_repo', properties: { endpoint } }, context: { agent_token: await f.mint('coder-1') } });
    expect(write.body).toMatchObject({ decision: false, context: { code: 'NO_RULE', tool: 'mcp:delete_repo' } });
  });

  describe('evaluations: batch semantics', () => {
    /** Three calls by one agent with a fresh token each: allowed, over no rule (denied), allowed. */
    async function batch(order: ('allow' | 'deny')[], semantic?: 'execute_all' | 'deny_on_first_deny' | 'permit_on_first_permit') {
      const evaluations = [];
      for (const [index, kind] of order.entries()) {
        const resource = kind === 'allow' ? createPayment(`pay-batch-${(semantic ?? 'default').replaceAll('_', '')}${index}`, 10) : { type: 'http', id: 'https://payments.internal/refunds' };
        evaluations.push({ resource, context: { agent_token: await f.mint('batcher-1') } });
      }
      return pdp.evaluations({ subject: agent('batcher-1'), action: post, evaluations, ...(semantic === undefined ? {} : { options: { evaluations_semantic: semantic } }) }, { requestId: `batch-${semantic}` });
    }

    it('execute_all (the default): every evaluation, in request order', async () => {
      const reply = await batch(['allow', 'deny', 'allow']);
      expect(reply.status).toBe(200);
      expect(reply.requestId).toBe('batch-undefined');
      expect(reply.body.evaluations.map((e) => e.decision)).toEqual([true, false, true]);
      expect(reply.body.evaluations[1]?.context).toMatchObject({ code: 'NO_TOOL' });
    });

    it('deny_on_first_deny stops after the first false decision', async () => {
      const reply = await batch(['allow', 'deny', 'allow'], 'deny_on_first_deny');
      expect(reply.body.evaluations.map((e) => e.decision)).toEqual([true, false]);
    });

    it('permit_on_first_permit stops after the first true decision', async () => {
      const reply = await batch(['deny', 'allow', 'allow'], 'permit_on_first_permit');
      expect(reply.body.evaluations.map((e) => e.decision)).toEqual([false, true]);
    });

    it('an unknown semantic is a 400', async () => {
      const reply = await pdp.evaluations({ evaluations: [{}], options: { evaluations_semantic: 'first_wins' as never } });
      expect(reply.status).toBe(400);
    });

    it('a malformed entry is that entry\'s false decision with an error; the others are judged', async () => {
      const reply = await pdp.evaluations({ subject: agent('batcher-2'), action: post, evaluations: [{ resource: createPayment('pay-g', 1) }, { resource: createPayment('pay-h', 1), context: { agent_token: await f.mint('batcher-2') } }] });
      expect(reply.body.evaluations).toMatchObject([{ decision: false, context: { error: { status: 400 } } }, { decision: true }]);
    });

    it('a default agent_token serves one evaluation: every evaluation is one Check and spends it', async () => {
      const reply = await pdp.evaluations({ subject: agent('batcher-3'), action: post, context: { agent_token: await f.mint('batcher-3') }, evaluations: [{ resource: createPayment('pay-i', 1) }, { resource: createPayment('pay-j', 1) }] });
      expect(reply.body.evaluations).toMatchObject([{ decision: true }, { decision: false, context: { code: 'REPLAY' } }]);
    });
  });

  async function decisionLine(decisionId: unknown): Promise<Record<string, unknown> | undefined> {
    await f.gate.audit.settled();
    const text = await readFile(join(f.dir, 'decisions.jsonl'), 'utf8').catch(() => '');
    return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.decision_id === decisionId);
  }
});

// Admission control bounds the one pipeline, whichever adapter feeds it: a burst of AuthZEN
// evaluations is shed like a burst of Envoy Checks (503 OVERLOADED, token unspent), not run
// unbounded past the bound that protects every other agent's Checks.
describe('AuthZEN under a burst', () => {
  let f: GateFixture;
  let pdp: ReturnType<typeof createAuthzenClient>;
  beforeAll(async () => {
    // On Redis, so that Checks wait on I/O and overlap (an in-memory Check ends in one tick).
    const state = `state: { driver: redis, url: "${REDIS_URL}", prefix: "${freshPrefix('authzen-burst')}", timeout: 1s }`;
    f = await startGateFixture(POLICY, { configExtra: `authzen: { token: ${PEP_TOKEN} }\n${state}\nlimits: { check_timeout: 5s, max_in_flight: 1, max_queued: 1 }` });
    pdp = createAuthzenClient(f.httpUrl, PEP_TOKEN);
  });
  afterAll(async () => {
    await f.close();
  });

  it('sheds the excess with OVERLOADED (503) before spending the token, and the shed token still works', async () => {
    const calls = await Promise.all(Array.from({ length: 30 }, async (_, i) => {
      const id = `burst-${i}`;
      return { subject: agent(id), action: post, resource: createPayment(`pay-burst-${i}`, 10), context: { agent_token: await f.mint(id) } };
    }));
    const replies = await Promise.all(calls.map((call) => pdp.evaluation(call)));
    const codes = replies.map((reply): unknown => reply.body.context?.code);
    expect(new Set(codes), JSON.stringify(codes)).toEqual(new Set(['OK', 'OVERLOADED']));
    const shed = replies.flatMap((reply, i) => (reply.body.context?.code === 'OVERLOADED' ? [{ reply, call: calls[i]! }] : []));
    for (const { reply } of shed) expect(reply.body).toMatchObject({ decision: false, context: { http_status: 503 } });
    for (const { call } of shed.slice(0, 5)) expect((await pdp.evaluation(call)).body.decision).toBe(true);
  });
});
