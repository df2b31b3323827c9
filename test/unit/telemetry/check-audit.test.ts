import { SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import type { AuditRecorder } from '../../../src/audit/audit-recorder.js';
import type { AuditRecord } from '../../../src/audit/decision-record.js';
import type { CheckOutcome } from '../../../src/check/outcome.js';
import type { Code } from '../../../src/errors.js';
import { createLogger } from '../../../src/log/logger.js';
import type { HttpRequest } from '../../../src/request/http-request.js';
import type { CheckContext } from '../../../src/check/check-function.js';
import { createCheckAudit } from '../../../src/telemetry/check-audit.js';
import { createTelemetry } from '../../../src/telemetry/telemetry.js';

const request: HttpRequest = { method: 'GET', host: 'h', path: '/p', query: '', headers: new Map(), body: undefined, bodyTruncated: false, contextExtensions: {} };
const outcome = (code: Code, fields: Partial<CheckOutcome> = {}): CheckOutcome => ({ decision: code === 'OK' ? 'allow' : 'deny', code, decisionId: `d-${code}`, phase: 'policy', shadow: false, wouldBlock: false, ...fields });

/** A recorder that keeps what it is given and stamps it like a chain would. */
function keepingRecorder() {
  const records: AuditRecord[] = [];
  const recorder: AuditRecorder = {
    record(record) {
      records.push(record);
      return Promise.resolve({ canonical: JSON.stringify(record), stamp: { seq: records.length, hash: 'a'.repeat(64), prev_hash: '0'.repeat(64) } });
    },
    waiting: () => 0,
    drain: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  return { records, recorder };
}

function setup(tracing = true, spanRecord?: boolean) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const { records, recorder } = keepingRecorder();
  const telemetry = createTelemetry(tracing ? { tracerProvider: provider } : {});
  const audit = createCheckAudit({ telemetry, recorder, policy: () => undefined, aliases: {}, logger: createLogger('silent'), ...(spanRecord === undefined ? {} : { spanRecord }) });
  return { exporter, records, audit, telemetry };
}

describe('check audit interceptor', () => {
  it.each([
    ['STATE_UNAVAILABLE', 'duties'],
    ['INTERNAL', 'approval'],
    ['POLICY_UNAVAILABLE', 'policy'],
    ['KEYS_UNAVAILABLE', 'identity'],
    ['REPLAY_CAPACITY', 'replay'],
  ] as const)('marks the span ERROR when the gate itself failed: %s, naming the phase the pipeline reported', async (code, phase) => {
    const { exporter, audit } = setup();
    await audit.wrap(() => Promise.resolve(outcome(code, { phase })))(request, {});
    await audit.drain();
    const [span] = exporter.getFinishedSpans();
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: code });
    expect(span?.events[0]?.attributes).toMatchObject({ 'dutygate.phase': phase, 'dutygate.code': code });
  });

  it('records the exception and rethrows when the pipeline throws (the transport then denies)', async () => {
    const { exporter, audit } = setup();
    await expect(audit.wrap(() => Promise.reject(new Error('boom')))(request, {})).rejects.toThrow('boom');
    const [span] = exporter.getFinishedSpans();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('hands the pipeline the check span as the trace to continue, and ends the span at the answer', async () => {
    const { exporter, audit } = setup(true, true);
    let seen: CheckContext | undefined;
    const parent = '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01';
    await audit.wrap((_request, context) => {
      seen = context;
      return Promise.resolve(outcome('OK'));
    })(request, { traceparent: parent });
    await audit.drain();
    const [span] = exporter.getFinishedSpans();
    expect(seen?.traceparent).toBe(`00-0123456789abcdef0123456789abcdef-${span?.spanContext().spanId}-01`);
    expect(span?.attributes).toMatchObject({ 'dutygate.audit.seq': 1, 'dutygate.audit.record': expect.stringContaining('"decision_id":"d-OK"') });
  });

  it.each([['audit.span_record: false', false], ['the default', undefined]])('leaves the canonical record off the span with %s, keeping the chain link', async (_name, spanRecord) => {
    const { exporter, records, audit } = setup(true, spanRecord);
    await audit.wrap(() => Promise.resolve(outcome('OK')))(request, {});
    await audit.drain();
    const [span] = exporter.getFinishedSpans();
    expect(records).toHaveLength(1);
    expect(span?.attributes).toMatchObject({ 'dutygate.audit.seq': 1, 'dutygate.audit.hash': 'a'.repeat(64), 'dutygate.decision_id': 'd-OK' });
    expect(span?.attributes).not.toHaveProperty('dutygate.audit.record');
  });

  it('still records and chains every decision with tracing off', async () => {
    const { exporter, records, audit } = setup(false);
    const answer = await audit.wrap(() => Promise.resolve(outcome('NO_RULE')))(request, {});
    await audit.drain();
    expect(answer.code).toBe('NO_RULE');
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(records.map((r) => [r.decision_id, r.trace_id])).toEqual([['d-NO_RULE', null]]);
  });

  it('audits a transport fallback deny without a request', async () => {
    const { exporter, records, audit } = setup();
    audit.onFallbackDeny(outcome('REQUEST_MALFORMED'), new Error('x'));
    await audit.drain();
    expect(records[0]).toMatchObject({ code: 'REQUEST_MALFORMED', method: '', path: '' });
    expect(exporter.getFinishedSpans()[0]?.parentSpanContext).toBeUndefined();
  });
});
