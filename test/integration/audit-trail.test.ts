/**
 * The audit record end to end: a whole gate over loopback gRPC with Envoy's protos, the real
 * OpenTelemetry SDK with an in-memory exporter, the decision log in a file, the memory state
 * store's chain, and /metrics scraped over HTTP.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/audit/verify-log.js';
import { sha256Canonical } from '../../src/audit/canonical-record.js';
import { createTelemetry } from '../../src/telemetry/telemetry.js';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';
import { AUDIT_POLICY } from './audit-policy.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const PAYMENTS = { method: 'POST', host: 'payments.internal', path: '/payments', headers: { 'content-type': 'application/json' } };
const body = (id: string, amount: number) => JSON.stringify({ payment_id: id, amount, destination: 'acct_SECRET0001' });
const jtiOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { jti: string }).jti;

/** A gate for one describe block, its spans kept in memory, started and closed around it. */
function tracedGate(auditLine: string) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const state: { f?: GateFixture } = {};
  beforeAll(async () => {
    state.f = await startGateFixture(AUDIT_POLICY, { telemetry: createTelemetry({ tracerProvider: provider }), audit: auditLine });
  });
  afterAll(async () => {
    await state.f?.close();
  });
  return { exporter, fixture: (): GateFixture => state.f as GateFixture };
}

describe('audit trail: spans, decision log, chain, metrics', () => {
  const traced = tracedGate('audit: { decision_log: ./decisions.jsonl, span_record: true }');
  const exporter = traced.exporter;
  let f: GateFixture;
  beforeAll(() => {
    f = traced.fixture();
  });

  async function spanOf(decisionId: unknown): Promise<ReadableSpan> {
    await f.gate.audit.settled();
    const span = exporter.getFinishedSpans().find((s) => s.attributes['dutygate.decision_id'] === decisionId);
    if (!span) throw new Error(`no span for decision ${String(decisionId)}`);
    return span;
  }

  async function finance(agentId: string) {
    return f.mintDelegated(agentId, ['planner'], { initiator: 'sso:carol' });
  }

  it('makes one dutygate.check span per Check, child of the traceparent the agent sent, with the docs/design.md §7 attributes', async () => {
    const agent = await finance('finance-a');
    const r = await f.check({ ...PAYMENTS, body: body('pay-1', 120), ...agent, headers: { ...PAYMENTS.headers, traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` } });
    expect(r.grpcCode).toBe(0);
    const span = await spanOf(r.metadata.decision_id);
    expect(span.name).toBe('dutygate.check');
    expect(span.spanContext().traceId).toBe(TRACE_ID);
    expect(span.parentSpanContext?.spanId).toBe(PARENT_ID);
    expect(span.attributes).toMatchObject({
      'agent.id': 'finance-a',
      'agent.parent_id': 'planner',
      'agent.chain': ['planner'],
      'agent.initiator': 'sso:carol',
      'dutygate.tool': 'payments.create',
      'dutygate.decision': 'allow',
      'dutygate.code': 'OK',
      'dutygate.rule_id': 'finance-payments',
      'dutygate.policy_version': f.gate.policy.current().policyVersion,
      'dutygate.decision_id': r.headers['x-dutygate-decision-id']?.value,
      'dutygate.shadow': false,
      'dutygate.would_block': false,
      'jwt.jti': jtiOf(agent.token),
      'http.request.method': 'POST',
      'server.address': 'payments.internal',
      'url.path': '/payments',
      'dutygate.audit.seq': expect.any(Number),
      'dutygate.audit.hash': expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(span.attributes['dutygate.approval_id']).toBeUndefined();
    expect(span.events).toEqual([]);
    // Never a raw token, never a param the policy does not mark record_params.
    const all = JSON.stringify(span.attributes);
    expect(all).not.toContain(agent.token.split('.')[2]);
    expect(all).not.toContain('acct_SECRET0001');
    expect(all).toContain(sha256Canonical('acct_SECRET0001'));
  });

  it('falls back to the traceparent Envoy puts in the ext_authz gRPC metadata', async () => {
    const agent = await finance('finance-b');
    const headers = { ...PAYMENTS.headers, authorization: `Bearer ${agent.token}`, 'x-agent-chain': agent.chain.join(',') };
    const response = await f.client.check({ ...PAYMENTS, headers, body: body('pay-2', 10) }, { metadata: { traceparent: `00-${TRACE_ID}-00000000000000aa-01` } });
    const decisionId = (response.ok_response?.headers ?? []).find((h) => h.header.key === 'x-dutygate-decision-id')?.header.value;
    const span = await spanOf(decisionId);
    expect(span.spanContext().traceId).toBe(TRACE_ID);
    expect(span.parentSpanContext?.spanId).toBe('00000000000000aa');
  });

  it("prefers the checked request's own traceparent over the gRPC metadata", async () => {
    const agent = await finance('finance-c');
    const headers = { ...PAYMENTS.headers, authorization: `Bearer ${agent.token}`, 'x-agent-chain': agent.chain.join(','), traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` };
    const response = await f.client.check({ ...PAYMENTS, headers, body: body('pay-3', 10) }, { metadata: { traceparent: '00-11111111111111111111111111111111-00000000000000bb-01' } });
    const decisionId = (response.ok_response?.headers ?? []).find((h) => h.header.key === 'x-dutygate-decision-id')?.header.value;
    expect((await spanOf(decisionId)).parentSpanContext?.spanId).toBe(PARENT_ID);
  });

  it('starts a new trace when there is none, or when the traceparent is invalid', async () => {
    const r = await f.check({ ...PAYMENTS, body: body('pay-x', 1), headers: { traceparent: '00-zzzz-bad-01' } });
    const span = await spanOf(r.metadata.decision_id);
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each([
    ['identity', 'TOKEN_MISSING', () => Promise.resolve({ ...PAYMENTS, body: body('pay-4', 1) })],
    ['replay', 'REPLAY', async () => {
      const agent = await finance('finance-d');
      await f.check({ ...PAYMENTS, body: body('pay-5', 1), ...agent });
      return { ...PAYMENTS, body: body('pay-5', 1), ...agent };
    }],
    ['chain', 'CHAIN_INVALID', async () => ({ ...PAYMENTS, body: body('pay-6', 1), token: (await finance('finance-e')).token })],
    ['mapping', 'NO_TOOL', async () => ({ method: 'GET', host: 'x.internal', path: '/nowhere?api_key=abc', token: await f.mint('finance-f') })],
    ['mapping', 'BODY_MALFORMED', async () => ({ ...PAYMENTS, body: '{"amount":', ...(await finance('finance-g')) })],
  ])('adds a span event for the phase that denied: %s (%s)', async (phase, code, spec) => {
    const r = await f.check(await spec());
    expect(r.body).toMatchObject({ code });
    const span = await spanOf(r.metadata.decision_id);
    expect(span.attributes).toMatchObject({ 'dutygate.decision': 'deny', 'dutygate.code': code });
    expect(span.events.map((e) => [e.name, e.attributes?.['dutygate.phase'], e.attributes?.['dutygate.code']])).toEqual([['dutygate.deny', phase, code]]);
    // A deny is the gate working: no error status.
    expect(span.status.code).toBe(0);
  });

  it('hides the query values of a request that maps to no tool', async () => {
    const r = await f.check({ method: 'GET', host: 'x.internal', path: '/nowhere?api_key=abc123', token: await f.mint('finance-h') });
    const span = await spanOf(r.metadata.decision_id);
    expect(span.attributes['url.query']).toBe('api_key={api_key}');
    expect(JSON.stringify(span.attributes)).not.toContain('abc123');
  });

  it('records the SoD deny with its rule and clause, and the shadow would-block with its code', async () => {
    const drafter = await finance('finance-sod');
    await f.check({ ...PAYMENTS, body: body('pay-sod', 50), ...drafter });
    const approve = await f.check({ method: 'POST', host: 'payments.internal', path: '/payments/pay-sod/approve', token: await f.mintChild(drafter.chain[0]!, 'finance-sod', { initiator: 'sso:carol' }), chain: drafter.chain });
    expect(approve.body).toMatchObject({ code: 'SOD_DUTY_CONFLICT' });
    const sod = await spanOf(approve.metadata.decision_id);
    expect(sod.attributes).toMatchObject({ 'dutygate.rule_id': 'approve-payments', 'dutygate.clause': 'SOD_DUTY_CONFLICT', 'dutygate.clause.source': 'policy.yaml#/clauses/SOD_DUTY_CONFLICT', 'url.path': '/payments/pay-sod/approve' });
    expect(sod.events[0]?.attributes?.['dutygate.phase']).toBe('policy');

    const shadow = await f.check({ method: 'POST', host: 'x.internal', path: '/export', token: await f.mint('exporter') });
    expect(shadow.grpcCode).toBe(0);
    const span = await spanOf(shadow.metadata.decision_id);
    expect(span.attributes).toMatchObject({ 'dutygate.decision': 'allow', 'dutygate.shadow': true, 'dutygate.would_block': true, 'dutygate.would_block_code': 'POLICY_DENY', 'dutygate.rule_id': 'no-export', 'dutygate.clause': 'NO_EXPORT' });
    expect(span.events.map((e) => [e.name, e.attributes?.['dutygate.phase'], e.attributes?.['dutygate.code']])).toEqual([['dutygate.would_block', 'policy', 'POLICY_DENY']]);
  });

  it('audits denies the transport made itself (a request it could not parse)', async () => {
    const before = exporter.getFinishedSpans().length;
    const response = await f.client.send({ attributes: { request: { http: { headers: {} } } } });
    expect(response.status.code).toBe(7);
    await f.gate.audit.settled();
    const spans = exporter.getFinishedSpans().slice(before);
    expect(spans.map((s) => s.attributes['dutygate.code'])).toEqual(['REQUEST_MALFORMED']);
    expect(spans[0]?.events[0]?.attributes?.['dutygate.phase']).toBe('transport');
  });

  it('exposes the metrics for Prometheus at /metrics on the HTTP port', async () => {
    const response = await fetch(`http://127.0.0.1:${f.gate.httpPort}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}"=,.]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    expect(value('dutygate_decisions_total{decision="allow",code="OK",rule="finance-payments",shadow="false"}')).toBeGreaterThanOrEqual(4);
    expect(value('dutygate_decisions_total{decision="deny",code="REPLAY",rule="",shadow="false"}')).toBe(1);
    expect(value('dutygate_decisions_total{decision="allow",code="OK",rule="no-export",shadow="true"}')).toBe(1);
    expect(value('dutygate_sod_violations_prevented_total{code="SOD_DUTY_CONFLICT",rule="approve-payments"}')).toBe(1);
    expect(value('dutygate_would_block_total{code="POLICY_DENY",rule="no-export"}')).toBe(1);
    expect(value('dutygate_replay_rejections_total')).toBe(1);
    expect(value('dutygate_check_duration_seconds_count{decision="deny"}')).toBeGreaterThanOrEqual(6);
    expect(text).toMatch(/^dutygate_check_duration_seconds_bucket\{decision="allow",le="0\.15"\} \d+$/m);
    expect(text).not.toContain('otel_scope_name');
  });

  it('writes one chained JSON line per decision that `audit verify` accepts, matching the spans', async () => {
    await f.gate.audit.settled();
    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'dutygate.check');
    const text = await waitForLines(join(f.dir, 'decisions.jsonl'), spans.length);
    const lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { decision_id: string; audit: { seq: number; hash: string } });
    expect(lines.map((l) => l.audit.seq)).toEqual(lines.map((_, i) => i + 1));
    for (const span of spans) {
      const line = lines.find((l) => l.decision_id === span.attributes['dutygate.decision_id']);
      expect(line?.audit).toMatchObject({ seq: span.attributes['dutygate.audit.seq'], hash: span.attributes['dutygate.audit.hash'] });
    }
    expect(verifyAuditLog([{ file: 'decisions.jsonl', text }])).toMatchObject({ ok: true, records: spans.length });
  });
});

/** The decision log is written asynchronously: wait until it holds `count` lines. */
async function waitForLines(file: string, count: number): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text.split('\n').filter(Boolean).length >= count && text.endsWith('\n')) return text;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${file} did not reach ${count} lines`);
}

describe('audit.span_record: false, through the real gate', () => {
  const traced = tracedGate('audit: { decision_log: ./decisions.jsonl, span_record: false }');

  it('keeps the chain link and attributes on the span and the sealed record in the decision log only', async () => {
    const f = traced.fixture();
    const planner = await f.mintLink('planner', 'finance-r', { initiator: 'sso:carol' });
    const token = await f.mintChild(planner, 'finance-r', { initiator: 'sso:carol' });
    const r = await f.check({ ...PAYMENTS, body: body('pay-r', 10), token, chain: [planner] });
    expect(r.grpcCode).toBe(0);
    await f.gate.audit.settled();
    const span = traced.exporter.getFinishedSpans().find((s) => s.attributes['dutygate.decision_id'] === r.metadata.decision_id);
    expect(span?.attributes).toMatchObject({ 'agent.id': 'finance-r', 'dutygate.decision': 'allow', 'dutygate.audit.seq': 1 });
    expect(span?.attributes).not.toHaveProperty('dutygate.audit.record');
    const text = await waitForLines(join(f.dir, 'decisions.jsonl'), 1);
    const line = text.trim().split('\n').map((l) => JSON.parse(l) as { decision_id: string; audit: { seq: number; hash: string } }).find((l) => l.decision_id === r.metadata.decision_id);
    expect(line?.audit).toMatchObject({ seq: 1, hash: span?.attributes['dutygate.audit.hash'] });
    expect(verifyAuditLog([{ file: 'decisions.jsonl', text }])).toMatchObject({ ok: true, records: 1 });
  });
});
