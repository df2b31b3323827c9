import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import type { CheckOutcome } from '../../../src/check/outcome.js';
import { createLogger } from '../../../src/log/logger.js';
import type { HttpRequest } from '../../../src/request/http-request.js';
import type { ApprovalRecord } from '../../../src/state/approval-record.js';
import { approvalRecordOf } from '../../helpers/approval-record.js';
import { createMemoryStore } from '../../../src/state/memory/memory-store.js';
import { createGateAudit } from '../../../src/telemetry/gate-audit.js';
import { createTelemetry } from '../../../src/telemetry/telemetry.js';

const request: HttpRequest = { method: 'POST', host: 'h', path: '/p', query: '', headers: new Map(), body: undefined, bodyTruncated: false, contextExtensions: {} };
const T0 = Date.UTC(2026, 10, 21, 10, 0, 0);
const record = (fields: Partial<ApprovalRecord> = {}): ApprovalRecord =>
  approvalRecordOf(T0, { clause: { name: 'PAYMENT_LIMIT', text: 'x', source: 'p#/clauses/PAYMENT_LIMIT' }, decisionId: 'd-ask', ...fields });

function setup() {
  const exporter = new InMemorySpanExporter();
  const telemetry = createTelemetry({ tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }) });
  const audit = createGateAudit({
    config: { decisionLog: { sink: 'off' }, chain: true, spanRecord: true },
    state: createMemoryStore({ maxJtiEntries: 10, ledgerTtlMs: 1000, sweepIntervalMs: 0 }),
    logger: createLogger('silent'),
    policy: () => undefined,
    aliases: {},
    telemetry,
    now: () => T0,
  });
  return { exporter, audit, telemetry };
}

describe('approval events (the approvals module calls these)', () => {
  it('makes created a child of the running check, and links later events to that check across calls', async () => {
    const { exporter, audit } = setup();
    // The pipeline uses the decision id the interceptor assigned (as run-check does).
    await audit.wrap((_request, context) => {
      audit.approvalEvents.created(record({ decisionId: context.decisionId }));
      const outcome: CheckOutcome = { decision: 'approval_needed', code: 'APPROVAL_REQUIRED', decisionId: context.decisionId!, phase: 'policy', approvalId: 'apr_1', shadow: false, wouldBlock: false };
      return Promise.resolve(outcome);
    })(request, {});
    audit.approvalEvents.vote('apr_1', { principal: 'sso:frank', decision: 'approve', via: 'slack' }, 'recorded');
    audit.approvalEvents.decided(record({ status: 'approved', decidedAt: T0 + 90_000 }));
    await audit.settled();

    const spans = exporter.getFinishedSpans();
    const check = spans.find((s) => s.name === 'dutygate.check')!;
    const byName = (name: string) => spans.find((s) => s.name === name)!;
    expect(byName('dutygate.approval.created').parentSpanContext?.spanId).toBe(check.spanContext().spanId);
    for (const name of ['dutygate.approval.created', 'dutygate.approval.vote', 'dutygate.approval.outcome']) {
      expect(byName(name).links.map((l) => l.context.spanId)).toEqual([check.spanContext().spanId]);
    }
    expect(byName('dutygate.approval.vote').attributes).toMatchObject({ 'dutygate.approval_id': 'apr_1', 'dutygate.approver': 'sso:frank', 'dutygate.vote': 'approve', 'dutygate.vote.via': 'slack', 'dutygate.approval.status': 'recorded' });
    expect(byName('dutygate.approval.outcome').attributes).toMatchObject({ 'dutygate.approval.status': 'approved', 'dutygate.rule_id': 'large', 'dutygate.clause': 'PAYMENT_LIMIT' });
    // Every event is a link of the chain, like the decisions.
    expect(spans.map((s) => s.attributes['dutygate.audit.seq']).sort()).toEqual([1, 2, 3, 4]);
  });

  it('records the approval latency for Prometheus', async () => {
    const { audit } = setup();
    audit.approvalEvents.decided(record({ status: 'denied', decidedAt: T0 + 90_000 }));
    await audit.settled();
    const text = String((await audit.routes['GET /metrics']!({} as never, new URL('http://x/metrics'), {} as never))?.body);
    expect(text).toMatch(/^dutygate_approval_latency_seconds_bucket\{outcome="denied",le="60"\} 0$/m);
    expect(text).toMatch(/^dutygate_approval_latency_seconds_bucket\{outcome="denied",le="120"\} 1$/m);
  });

  it('links to the check named by the record when this process never saw it (another replica)', async () => {
    const { exporter, audit } = setup();
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    audit.approvalEvents.vote('apr_2', { principal: 'sso:frank', decision: 'deny', via: 'api', reason: 'wrong vendor' }, 'recorded', record({ approvalId: 'apr_2', traceparent }));
    await audit.settled();
    const [span] = exporter.getFinishedSpans();
    expect(span?.links.map((l) => [l.context.traceId, l.context.spanId])).toEqual([['0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331']]);
    expect(span?.attributes['dutygate.approval.reason']).toBe('wrong vendor');
  });

  it('parents redemption and break-glass use under the check they happen in', async () => {
    const { exporter, audit } = setup();
    await audit.wrap((_request, context) => {
      const decisionId = context.decisionId!;
      audit.approvalEvents.overrideRedeemed('apr_3', { decisionId, agentId: 'finance-a' });
      audit.approvalEvents.breakGlassUsed(record({ approvalId: 'bg_1', kind: 'break_glass' }), { decisionId, agentId: 'finance-a' });
      const outcome: CheckOutcome = { decision: 'allow', code: 'OK', decisionId, phase: 'policy', shadow: false, wouldBlock: false };
      return Promise.resolve(outcome);
    })(request, { decisionId: 'd-retry' });
    await audit.settled();
    const spans = exporter.getFinishedSpans();
    const check = spans.find((s) => s.name === 'dutygate.check')!;
    for (const name of ['dutygate.override.redeemed', 'dutygate.break_glass.used']) {
      const span = spans.find((s) => s.name === name)!;
      expect(span.parentSpanContext?.spanId).toBe(check.spanContext().spanId);
      expect(span.attributes['dutygate.decision_id']).toBe('d-retry');
    }
  });
  it('carries the reason of a vote and of the vote that decided (span attribute and audit record, issue 17 item 1)', async () => {
    const { exporter, audit } = setup();
    const deny = { principal: 'sso:frank', decision: 'deny' as const, via: 'slack' as const, at: T0 + 5, reason: 'wrong IBAN' };
    audit.approvalEvents.vote('apr_1', deny, 'recorded', record({ status: 'denied', votes: [deny] }));
    audit.approvalEvents.decided(record({ status: 'denied', decidedAt: T0 + 5, votes: [deny] }));
    audit.approvalEvents.decided(record({ approvalId: 'apr_2', status: 'approved', decidedAt: T0 + 6, votes: [{ ...deny, decision: 'approve', reason: 'checked' }] }));
    audit.approvalEvents.decided(record({ approvalId: 'apr_3', status: 'approved', decidedAt: T0 + 7, votes: [{ ...deny, decision: 'approve', reason: undefined }] }));
    await audit.settled();
    const spans = exporter.getFinishedSpans();
    const reasonOf = (name: string, id: string) => spans.find((s) => s.name === name && s.attributes['dutygate.approval_id'] === id)!.attributes['dutygate.approval.reason'];
    expect(reasonOf('dutygate.approval.vote', 'apr_1')).toBe('wrong IBAN');
    expect(reasonOf('dutygate.approval.outcome', 'apr_1')).toBe('wrong IBAN');
    expect(reasonOf('dutygate.approval.outcome', 'apr_2')).toBe('checked');
    expect(reasonOf('dutygate.approval.outcome', 'apr_3')).toBeUndefined();
    const line = JSON.parse(String(spans.find((s) => s.name === 'dutygate.approval.outcome' && s.attributes['dutygate.approval_id'] === 'apr_1')!.attributes['dutygate.audit.record'])) as Record<string, unknown>;
    expect(line).toMatchObject({ type: 'approval', event: 'outcome', status: 'denied', reason: 'wrong IBAN' });
  });
});
