import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CheckOutcome } from '../../src/check/outcome.js';
import type { CheckFunction } from '../../src/server/grpc-server.js';
import { buildCheckRequest, summarizeCheckResponse } from '../helpers/envoy-client.js';
import type { EnvoyRequestSpec } from '../helpers/envoy-client.js';
import { startHarness, stopHarness, TEST_LIMITS as LIMITS } from '../helpers/envoy-grpc-harness.js';
import { Deadline } from '../../src/lib/deadline.js';
import type { Harness } from '../helpers/envoy-grpc-harness.js';

const OVERWRITE = 'OVERWRITE_IF_EXISTS_OR_ADD';
const DECISION_ID = '0b8e4c7a-2f1d-4e3b-a5c6-9d8e7f6a5b4c';
const POLICY = '2026-11-21.1+0123456789ab';

const allowOutcome: CheckOutcome = {
  decision: 'allow',
  code: 'OK',
  decisionId: DECISION_ID,
  phase: 'policy',
  policyVersion: POLICY,
  agentId: 'finance-exec',
  parentAgentId: 'planner',
  shadow: false,
  wouldBlock: false,
};

describe('gRPC ext_authz server, called with Envoy’s official protos', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(allowOutcome);
  });
  afterAll(() => stopHarness(h));
  beforeEach(() => {
    h.seen.length = 0;
    h.fallbacks.length = 0;
    h.setCheck(() => Promise.resolve(allowOutcome));
  });

  it('binds a real port when asked for port 0', () => {
    expect(h.server.port).toBeGreaterThan(0);
  });

  const spec: EnvoyRequestSpec = {
    method: 'POST',
    host: 'Payments.Internal:8443',
    path: '/payments/p1/approve?dry=1#x',
    headers: {
      authorization: 'Bearer eyJ.token.sig',
      'x-tag': ['a', 'b'],
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'vendor=1',
    },
    body: '{"amount":120,"note":"café"}',
    contextExtensions: { service: 'payments' },
  };

  it.each([
    ['headers map + body string', false, false],
    ['headers map + raw_body bytes', false, true],
    ['header_map raw_value + body string', true, false],
    ['header_map raw_value + raw_body bytes', true, true],
  ])('%s → the same HttpRequest reaches check', async (_name, rawHeaders, rawBody) => {
    const response = await h.client.check({ ...spec, rawHeaders, rawBody });
    expect(response.status.code).toBe(0);
    expect(h.seen).toHaveLength(1);
    const { request, context } = h.seen[0]!;
    expect(request.method).toBe('POST');
    expect(request.host).toBe('payments.internal');
    expect(request.path).toBe('/payments/p1/approve');
    expect(request.query).toBe('dry=1');
    expect(request.headers.get('authorization')).toBe('Bearer eyJ.token.sig');
    expect(request.headers.get('x-tag')).toBe('a,b');
    expect(request.headers.get(':authority')).toBe('Payments.Internal:8443');
    expect(Buffer.from(request.body!).toString('utf8')).toBe('{"amount":120,"note":"café"}');
    expect(request.bodyTruncated).toBe(false);
    expect(request.contextExtensions).toEqual({ service: 'payments' });
    expect(context.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(context.tracestate).toBe('vendor=1');
    // Due at the gate's own timeout (300 ms), earlier than the client's 5 s gRPC deadline.
    expect(context.deadline).toBeInstanceOf(Deadline);
    expect(context.deadline!.dueAt - Date.now()).toBeLessThanOrEqual(LIMITS.checkTimeoutMs);
  });

  it('marks a partial body', async () => {
    await h.client.check({ method: 'POST', body: '{"a":', partialBody: true, rawBody: true });
    expect(h.seen[0]!.request.bodyTruncated).toBe(true);
  });

  it('allow → ok_response with identity headers, stripped credentials and metadata', async () => {
    const response = await h.client.check(spec);
    expect(response.http_response).toBe('ok_response');
    expect(response.status).toEqual({ code: 0, message: '', details: [] });
    const summary = summarizeCheckResponse(response);
    expect(summary.headers).toEqual({
      'x-agent-id': { value: 'finance-exec', appendAction: OVERWRITE },
      'x-parent-agent-id': { value: 'planner', appendAction: OVERWRITE },
      'x-dutygate-decision-id': { value: DECISION_ID, appendAction: OVERWRITE },
    });
    expect(summary.headersToRemove).toEqual(['authorization', 'x-agent-chain', 'x-dutygate-override']);
    expect(response.ok_response!.query_parameters_to_set).toEqual([]);
    expect(summary.metadata).toStrictEqual({ decision: 'allow', decision_id: DECISION_ID, code: 'OK', agent_id: 'finance-exec', policy_version: POLICY });
  });

  it('sanitize → header and query mutations', async () => {
    h.setCheck(() =>
      Promise.resolve({
        ...allowOutcome,
        decision: 'sanitize',
        changes: { setHeaders: { 'x-reviewed-by': 'dutygate' }, removeHeaders: ['x-debug'], setQuery: { mode: 'safe' }, removeQuery: ['debug'] },
      }),
    );
    const response = await h.client.check(spec);
    const ok = response.ok_response!;
    expect(ok.headers.map((o) => [o.header.key, o.header.value])).toEqual([
      ['x-reviewed-by', 'dutygate'],
      ['x-agent-id', 'finance-exec'],
      ['x-parent-agent-id', 'planner'],
      ['x-dutygate-decision-id', DECISION_ID],
    ]);
    expect(ok.headers_to_remove).toEqual(['authorization', 'x-agent-chain', 'x-dutygate-override', 'x-debug']);
    expect(ok.query_parameters_to_set).toEqual([{ key: 'mode', value: 'safe' }]);
    expect(ok.query_parameters_to_remove).toEqual(['debug']);
    expect(summarizeCheckResponse(response).metadata.decision).toBe('sanitize');
  });

  it('deny → denied_response with status, JSON body, headers and metadata', async () => {
    h.setCheck(() =>
      Promise.resolve({
        ...allowOutcome,
        decision: 'deny',
        code: 'SOD_DUTY_CONFLICT',
        ruleId: 'approve-and-release',
        clause: { name: 'SOD', text: 'Each step by a different actor.', source: 'policy.yaml#/clauses/SOD' },
      }),
    );
    const response = await h.client.check(spec);
    expect(response.http_response).toBe('denied_response');
    expect(response.status).toEqual({ code: 7, message: 'SOD_DUTY_CONFLICT', details: [] });
    const summary = summarizeCheckResponse(response);
    expect(summary.httpStatus).toBe(403);
    expect(response.denied_response!.status).toEqual({ code: 'Forbidden' });
    expect(summary.headers).toEqual({
      'content-type': { value: 'application/json', appendAction: OVERWRITE },
      'x-dutygate-decision-id': { value: DECISION_ID, appendAction: OVERWRITE },
    });
    expect(summary.body).toStrictEqual({
      decision: 'deny',
      code: 'SOD_DUTY_CONFLICT',
      clause: 'Each step by a different actor.',
      source: 'policy.yaml#/clauses/SOD',
      decision_id: DECISION_ID,
      policy_version: POLICY,
      rule_id: 'approve-and-release',
    });
    expect(summary.metadata).toStrictEqual({
      decision: 'deny',
      decision_id: DECISION_ID,
      code: 'SOD_DUTY_CONFLICT',
      agent_id: 'finance-exec',
      policy_version: POLICY,
    });
  });

  it('approval_needed → 403 with the approval id header and body fields', async () => {
    h.setCheck(() =>
      Promise.resolve({
        ...allowOutcome,
        decision: 'approval_needed',
        code: 'APPROVAL_REQUIRED',
        approvalId: 'apr_7',
        statusUrl: 'http://127.0.0.1:8181/v1/approvals/apr_7',
      }),
    );
    const summary = summarizeCheckResponse(await h.client.check(spec));
    expect([summary.grpcCode, summary.httpStatus]).toEqual([7, 403]);
    expect(summary.headers['x-dutygate-approval-id']).toEqual({ value: 'apr_7', appendAction: OVERWRITE });
    expect(summary.body).toMatchObject({ decision: 'approval_needed', code: 'APPROVAL_REQUIRED', approval_id: 'apr_7', status_url: 'http://127.0.0.1:8181/v1/approvals/apr_7' });
  });

  it('shadow allow carries shadow/would_block metadata', async () => {
    h.setCheck(() => Promise.resolve({ ...allowOutcome, shadow: true, wouldBlock: true }));
    const summary = summarizeCheckResponse(await h.client.check(spec));
    expect(summary.grpcCode).toBe(0);
    expect(summary.metadata).toMatchObject({ shadow: true, would_block: true });
  });

  it.each([
    ['rejects', () => Promise.reject(new Error('redis exploded: secret-host:6379'))],
    ['throws synchronously', () => {
      throw new Error('boom');
    }],
    ['resolves with garbage', () => Promise.resolve(undefined as unknown as CheckOutcome)],
  ] as [string, CheckFunction][])('a check that %s → gRPC OK with a 503 INTERNAL deny, cause not echoed', async (_name, fn) => {
    h.setCheck(fn);
    const response = await h.client.check(spec);
    const summary = summarizeCheckResponse(response);
    expect([summary.grpcCode, summary.httpStatus]).toEqual([14, 503]);
    expect(response.status.message).toBe('INTERNAL');
    expect(summary.body).toMatchObject({ decision: 'deny', code: 'INTERNAL', clause: null, policy_version: null });
    expect(response.denied_response!.body).not.toContain('secret-host');
    expect(summary.body!.decision_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(summary.metadata).toStrictEqual({ decision: 'deny', decision_id: summary.body!.decision_id, code: 'INTERNAL' });
    expect(h.fallbacks).toHaveLength(1);
    expect(h.fallbacks[0]!.outcome.decisionId).toBe(summary.body!.decision_id);
  });

  it('a check that never settles → INTERNAL deny soon after the gate timeout, not an RPC error', async () => {
    h.setCheck(() => new Promise<CheckOutcome>(() => {}));
    const started = Date.now();
    const summary = summarizeCheckResponse(await h.client.check(spec));
    const elapsed = Date.now() - started;
    expect([summary.grpcCode, summary.httpStatus, summary.body!.code]).toEqual([14, 503, 'INTERNAL']);
    expect(summary.body!.reason).toBe('the check did not finish before its deadline');
    expect(elapsed).toBeGreaterThanOrEqual(LIMITS.checkTimeoutMs - 5);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('a short Envoy deadline becomes the check deadline', async () => {
    await h.client.check(spec, { deadlineMs: 100 });
    expect(h.seen[0]!.context.deadline!.dueAt - Date.now()).toBeLessThanOrEqual(100);
  });

  it.each([
    ['asterisk-form path', { method: 'OPTIONS', path: '*' }, 'REQUEST_MALFORMED', 400],
    ['body over maxBodyBytes (string)', { method: 'POST', body: 'x'.repeat(1025) }, 'BODY_TOO_LARGE', 400],
    ['body over maxBodyBytes (bytes)', { method: 'POST', body: 'x'.repeat(1025), rawBody: true }, 'BODY_TOO_LARGE', 400],
    ['headers over maxHeaderBytes (map)', { headers: { 'x-big': 'v'.repeat(4096) } }, 'HEADERS_TOO_LARGE', 400],
    ['headers over maxHeaderBytes (raw)', { headers: { 'x-big': 'v'.repeat(4096) }, rawHeaders: true }, 'HEADERS_TOO_LARGE', 400],
  ] as [string, EnvoyRequestSpec, string, number][])('%s → deny %s without calling check', async (_name, s, code, http) => {
    const response = await h.client.check(s);
    const summary = summarizeCheckResponse(response);
    expect([summary.grpcCode, summary.httpStatus, summary.body!.code, response.status.message]).toEqual([7, http, code, code]);
    expect(typeof summary.body!.reason).toBe('string');
    expect(h.seen).toHaveLength(0);
    expect(h.fallbacks.map((f) => f.outcome.code)).toEqual([code]);
  });

  it('a CheckRequest without http attributes → REQUEST_MALFORMED deny', async () => {
    const bare = buildCheckRequest();
    delete ((bare.attributes as Record<string, unknown>).request as Record<string, unknown>).http;
    const summary = summarizeCheckResponse(await h.client.send(bare));
    expect([summary.grpcCode, summary.httpStatus, summary.body!.code]).toEqual([7, 400, 'REQUEST_MALFORMED']);
    expect(h.seen).toHaveLength(0);
  });
});
