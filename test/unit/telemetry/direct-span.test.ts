/**
 * The check span built without the SDK (DirectSpan) against the SDK's own span: the same calls
 * on both — attributes of every type, a repeated key, invalid values, events, an exception,
 * status rules, an end time — must encode to the same OTLP bytes. Times are the clock's: the
 * SDK span's times are read from the wall clock as it ran, so the comparison takes them from the
 * direct span (whose clock is fixed here) and the times have their own test.
 */
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Span } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { AlwaysOnSampler, BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { ProtoWriter } from '../../../src/lib/proto-writer.js';
import { DirectSpans, type DirectSpan, type SpanClock } from '../../../src/telemetry/direct-span.js';
import { encodeSpanField, encodeSpanFieldOfList } from '../../../src/telemetry/otlp-span-encoder.js';
import { rpcAttributes } from '../../../src/telemetry/semconv.js';

const START_MS = 1_765_000_000_123;

/** A clock standing still at START_MS until `advance` moves it (monotonic and wall alike). */
function fixedClock(): SpanClock & { advance(ms: number): void } {
  let elapsed = 0;
  return { nowMs: () => START_MS + elapsed, monotonicMs: () => 5_000 + elapsed, timeOriginMs: START_MS - 5_000, advance: (ms) => (elapsed += ms) };
}

/** A sink that keeps what ended; it takes spans from the start (the processor's resource is known). */
function collectingSink() {
  const ended: DirectSpan[] = [];
  return { ended, sink: { takesDirectSpans: true, onEndDirect: (span: DirectSpan) => void ended.push(span) } };
}

function sdkTracer() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ sampler: new AlwaysOnSampler(), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, tracer: provider.getTracer('dutygate') };
}

/** One error for both spans: its stack names the line that made it. */
const FAILURE = Object.assign(new Error('boom'), { code: 'E_STATE' });

/** The calls `finish` makes on a check span, and a few it must survive (repeats, invalid values). */
function play(span: Span, clock?: { advance(ms: number): void }): void {
  span.setAttribute('dutygate.decision_id', 'd-1');
  span.setAttribute('dutygate.decision', 'deny');
  span.setAttribute('dutygate.shadow', false);
  span.setAttribute('agent.chain', ['planner', 'finance-a']);
  span.setAttribute('url.query', 'ä=1&b=€');
  span.setAttribute('jsonrpc.request.id', 7);
  span.setAttribute('a.double', 2.5);
  span.setAttribute('a.mixed.null', ['x', null]);
  span.setAttribute('a.undefined', undefined as unknown as string);
  span.setAttribute('', 'empty key is ignored');
  span.setAttribute('a.object', { not: 'an attribute' } as unknown as string);
  span.setAttribute('dutygate.decision', 'approval_needed');
  clock?.advance(3);
  span.addEvent('dutygate.approval_needed', { 'dutygate.phase': 'approval', 'dutygate.code': 'APPROVAL_REQUIRED', 'dutygate.reason': 'r'.repeat(200) });
  span.recordException(FAILURE);
  span.setStatus({ code: SpanStatusCode.ERROR, message: 'STATE_UNAVAILABLE' });
  span.setStatus({ code: SpanStatusCode.UNSET });
  span.setAttributes({ 'dutygate.audit.seq': 41, 'dutygate.audit.hash': 'h'.repeat(64) });
  span.setAttribute('dutygate.audit.record', JSON.stringify({ pad: 'x'.repeat(600) }));
}

/** The SDK span's fields with the direct span's times (see the module comment). */
function withTimesOf(sdk: ReadableSpan, direct: DirectSpan): ReadableSpan {
  return {
    name: sdk.name,
    kind: sdk.kind,
    spanContext: () => sdk.spanContext(),
    parentSpanContext: sdk.parentSpanContext,
    startTime: direct.startTime,
    endTime: direct.endTime,
    status: sdk.status,
    attributes: sdk.attributes,
    links: sdk.links,
    events: sdk.events.map((event, i) => ({ ...event, time: direct.events[i]!.time })),
    duration: sdk.duration,
    ended: sdk.ended,
    resource: sdk.resource,
    instrumentationScope: sdk.instrumentationScope,
    droppedAttributesCount: sdk.droppedAttributesCount,
    droppedEventsCount: sdk.droppedEventsCount,
    droppedLinksCount: sdk.droppedLinksCount,
  };
}

function hexOf(write: (writer: ProtoWriter) => void): string {
  const writer = new ProtoWriter(16);
  write(writer);
  return Buffer.from(writer.bytes()).toString('hex');
}

/** A direct span with the SDK span's ids, so the two differ in nothing but how they were built. */
function directTwin(sdkSpan: Span, parent = ROOT_CONTEXT): { span: DirectSpan; ended: DirectSpan[]; clock: ReturnType<typeof fixedClock> } {
  const clock = fixedClock();
  const { sink, ended } = collectingSink();
  const spans = new DirectSpans(sink, { name: 'dutygate' }, clock);
  const span = spans.start('dutygate.check', SpanKind.SERVER, rpcAttributes('dup'), parent)!;
  Object.assign(span.spanContext(), { traceId: sdkSpan.spanContext().traceId, spanId: sdkSpan.spanContext().spanId });
  return { span, ended, clock };
}

describe('DirectSpan encodes to the SDK span\'s bytes', () => {
  const parents: [string, () => ReturnType<typeof trace.setSpanContext>][] = [
    ['a root span', () => ROOT_CONTEXT],
    ['a child of a remote parent with trace state', () => trace.setSpanContext(ROOT_CONTEXT, { traceId: 'aaaabbbbccccddddeeeeffff00001111', spanId: '1111222233334444', traceFlags: TraceFlags.SAMPLED, isRemote: true, traceState: new TraceState('vendor=a,other=b') })],
    ['a child of a local, unsampled parent', () => trace.setSpanContext(ROOT_CONTEXT, { traceId: '0123456789abcdef0123456789abcdef', spanId: 'fedcba9876543210', traceFlags: TraceFlags.NONE })],
  ];

  it.each(parents)('%s', (_name, parentOf) => {
    const parent = parentOf();
    const { exporter, tracer } = sdkTracer();
    const sdkSpan = tracer.startSpan('dutygate.check', { kind: SpanKind.SERVER, attributes: rpcAttributes('dup') }, parent);
    play(sdkSpan);
    sdkSpan.end(START_MS + 9.5);
    const { span, ended, clock } = directTwin(sdkSpan, parent);
    play(span, clock);
    span.end(START_MS + 9.5);

    expect(ended).toEqual([span]);
    const [finished] = exporter.getFinishedSpans();
    expect(span.parentSpanContext).toEqual(finished!.parentSpanContext);
    expect(span.spanContext().traceFlags).toBe(finished!.spanContext().traceFlags);
    expect(span.spanContext().traceState?.serialize()).toBe(finished!.spanContext().traceState?.serialize());
    const ours = hexOf((writer) => encodeSpanFieldOfList(writer, span, span.keys, span.values));
    expect(ours).toBe(hexOf((writer) => encodeSpanField(writer, withTimesOf(finished!, span))));
    // Not vacuous: the attributes, the event, the exception and the status are all in there.
    expect(span.keys).toContain('dutygate.audit.record');
    expect(span.events.map((event) => event.name)).toEqual(['dutygate.approval_needed', 'exception']);
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'STATE_UNAVAILABLE' });
  });

  it('keeps a repeated key in its first place, with the later value, as the SDK does', () => {
    const { span } = directTwin(sdkTracer().tracer.startSpan('x'));
    play(span);
    expect(span.keys.filter((key) => key === 'dutygate.decision')).toHaveLength(1);
    expect(span.values[span.keys.indexOf('dutygate.decision')]).toBe('approval_needed');
    expect(span.keys).not.toContain('a.undefined');
    expect(span.keys).not.toContain('a.object');
    expect(span.keys).not.toContain('');
  });

  it('copies array values: a later change to the array does not reach the span', () => {
    const { span } = directTwin(sdkTracer().tracer.startSpan('x'));
    const chain = ['planner'];
    span.setAttribute('agent.chain', chain);
    chain.push('intruder');
    expect(span.values[span.keys.indexOf('agent.chain')]).toEqual(['planner']);
  });

  it('drops attributes past the SDK\'s default limit of 128 and counts them', () => {
    const { exporter, tracer } = sdkTracer();
    const sdkSpan = tracer.startSpan('dutygate.check', { attributes: rpcAttributes('dup') });
    const { span } = directTwin(sdkSpan);
    for (const target of [sdkSpan, span] as Span[]) for (let i = 0; i < 140; i++) target.setAttribute(`k${i}`, i);
    sdkSpan.end();
    span.end();
    expect(span.keys.length).toBe(Object.keys(exporter.getFinishedSpans()[0]!.attributes).length);
    expect(span.droppedAttributesCount).toBe(exporter.getFinishedSpans()[0]!.droppedAttributesCount);
    expect(span.droppedAttributesCount).toBeGreaterThan(0);
  });

  it('ignores everything after end(), and ends once', () => {
    const { span, ended } = directTwin(sdkTracer().tracer.startSpan('x'));
    span.end(START_MS + 1);
    span.setAttribute('late', 'x');
    span.addEvent('late');
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(START_MS + 5);
    expect(ended).toHaveLength(1);
    expect(span.keys).not.toContain('late');
    expect(span.events).toEqual([]);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.isRecording()).toBe(false);
  });
});

describe('DirectSpan times, ids and when it is made', () => {
  it('starts at the wall clock in whole milliseconds; events add the monotonic time since; the end is the time given', () => {
    const clock = fixedClock();
    const { sink } = collectingSink();
    const span = new DirectSpans(sink, { name: 'dutygate' }, clock).start('dutygate.check', SpanKind.SERVER, {}, ROOT_CONTEXT)!;
    clock.advance(2.25);
    span.addEvent('e');
    span.end(START_MS + 10.5);
    expect(span.startTime).toEqual([Math.floor(START_MS / 1000), (START_MS % 1000) * 1e6]);
    expect(span.events[0]!.time).toEqual([Math.floor(START_MS / 1000), (START_MS % 1000) * 1e6 + 2.25e6]);
    expect(span.endTime).toEqual([Math.floor(START_MS / 1000), (START_MS % 1000) * 1e6 + 10.5e6]);
  });

  it('an end before the start is moved to the start, as the SDK does', () => {
    const { sink } = collectingSink();
    const span = new DirectSpans(sink, { name: 'dutygate' }, fixedClock()).start('dutygate.check', SpanKind.SERVER, {}, ROOT_CONTEXT)!;
    span.end(START_MS - 50);
    expect(span.endTime).toEqual(span.startTime);
  });

  it('a root span gets a new trace id; a child keeps its parent\'s trace and is sampled', () => {
    const { sink } = collectingSink();
    const spans = new DirectSpans(sink, { name: 'dutygate' });
    const root = spans.start('a', SpanKind.SERVER, {}, ROOT_CONTEXT)!;
    const other = spans.start('a', SpanKind.SERVER, {}, ROOT_CONTEXT)!;
    expect(root.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(root.spanContext().spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(root.spanContext().traceId).not.toBe(other.spanContext().traceId);
    expect(trace.isSpanContextValid(root.spanContext())).toBe(true);
    const child = spans.start('b', SpanKind.SERVER, {}, trace.setSpan(context.active(), root))!;
    expect(child.spanContext()).toMatchObject({ traceId: root.spanContext().traceId, traceFlags: TraceFlags.SAMPLED });
    expect(child.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
  });

  it('is not made while the sink cannot take it (the caller then uses the SDK)', () => {
    const spans = new DirectSpans({ takesDirectSpans: false, onEndDirect: () => undefined }, { name: 'dutygate' });
    expect(spans.start('dutygate.check', SpanKind.SERVER, {}, ROOT_CONTEXT)).toBeUndefined();
  });
});
