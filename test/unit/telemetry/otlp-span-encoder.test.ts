/**
 * The span encoder against the standard one: for the same finished SDK spans, the request built
 * from spans encoded one at a time (encodeSpanField + encodeTraceRequest) must be byte for byte
 * the request `@opentelemetry/otlp-transformer`'s ProtobufTraceSerializer writes — every field,
 * every length, every int-versus-double choice — and must decode (with the receiver's schema)
 * to the same spans.
 */
import { context, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes, type Link } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { ProtoWriter } from '../../../src/lib/proto-writer.js';
import { encodeSpanField, encodeTraceRequest, type ScopeSpanBytes } from '../../../src/telemetry/otlp-span-encoder.js';
import { mulberry32 } from '../../helpers/mulberry32.js';
import { decodeOtlpTraceRequest } from '../../helpers/otlp-receiver.js';

const RESOURCE = { 'service.name': 'encoder-test', 'service.version': '1.0.0', 'host.cores': 2, 'é.unicode': 'naïve ☃' };

function provider(schemaUrl?: string) {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    resource: resourceFromAttributes(RESOURCE, schemaUrl ? { schemaUrl } : {}),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    spanLimits: { attributeCountLimit: 1000 },
  });
  return { exporter, tracerProvider };
}

/** Our request for `spans`: each encoded alone, grouped by scope in order of first appearance. */
function encodeOurs(spans: readonly ReadableSpan[]): Uint8Array {
  const writer = new ProtoWriter(16);
  const groups = new Map<ReadableSpan['instrumentationScope'], Uint8Array[]>();
  for (const span of spans) {
    writer.reset();
    encodeSpanField(writer, span);
    const group = groups.get(span.instrumentationScope) ?? [];
    group.push(writer.bytes());
    groups.set(span.instrumentationScope, group);
  }
  const scopes: ScopeSpanBytes[] = [...groups].map(([scope, bytes]) => ({ scope, spans: bytes }));
  const resource = spans[0]?.resource;
  if (!resource) throw new Error('no spans');
  return encodeTraceRequest({ attributes: resource.attributes, ...(resource.schemaUrl ? { schemaUrl: resource.schemaUrl } : {}) }, scopes, new ProtoWriter(8));
}

function expectSameAsStandard(spans: readonly ReadableSpan[]): void {
  const standard = ProtobufTraceSerializer.serializeRequest([...spans]);
  if (!standard) throw new Error('the standard serializer wrote nothing');
  const ours = encodeOurs(spans);
  expect(decodeOtlpTraceRequest(ours)).toEqual(decodeOtlpTraceRequest(standard));
  expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(standard).toString('hex'));
}

describe('OTLP span encoder', () => {
  it('writes what the standard serializer writes for every kind of attribute, event, link and status', () => {
    const { exporter, tracerProvider } = provider('https://opentelemetry.io/schemas/1.30.0');
    const tracer = tracerProvider.getTracer('dutygate', '9.9.9');
    const other = tracerProvider.getTracer('dutygate.approvals');
    const record = JSON.stringify({ pad: 'x'.repeat(900), unicode: 'ü'.repeat(50) });
    const attributes: Attributes = {
      'a.string': 'plain',
      'a.empty': '',
      'a.unicode': 'Grüße, 世界 🌍',
      'a.long': 'y'.repeat(300),
      'a.record': record,
      'a.huge': 'z'.repeat(20_000),
      'a.true': true,
      'a.false': false,
      'a.zero': 0,
      'a.int': 42,
      'a.negative': -7,
      'a.big': 2 ** 53 + 2,
      'a.min': -(2 ** 62),
      'a.double': 3.25,
      'a.negdouble': -0.5,
      'a.strings': ['one', 'two', 'Ünïcode'],
      'a.numbers': [1, 2.5, -3],
      'a.bools': [true, false],
      'a.emptyarray': [],
      'a.holes': ['x', null, 'y'],
    };
    const remoteParent = trace.setSpanContext(context.active(), { traceId: 'aB'.repeat(16), spanId: 'cd'.repeat(8), traceFlags: TraceFlags.SAMPLED, isRemote: true, traceState: new TraceState('vendor=value,other=1') });
    const links: Link[] = [
      { context: { traceId: '01'.repeat(16), spanId: '02'.repeat(8), traceFlags: TraceFlags.SAMPLED, isRemote: true, traceState: new TraceState('k=v') }, attributes: { 'link.reason': 'approval', 'link.n': 3 } },
      { context: { traceId: '03'.repeat(16), spanId: '04'.repeat(8), traceFlags: TraceFlags.NONE } },
    ];
    const first = tracer.startSpan('dutygate.check', { kind: SpanKind.SERVER, attributes, links }, remoteParent);
    first.addEvent('approval.created', { 'approval.id': 'apr_1', 'approval.count': 2 });
    first.addEvent('bare');
    first.setStatus({ code: SpanStatusCode.ERROR, message: 'denied: rule "no-self-approval" — vérifié' });
    first.end();
    const child = tracer.startSpan('child', { kind: SpanKind.INTERNAL }, trace.setSpan(context.active(), first));
    child.setStatus({ code: SpanStatusCode.OK });
    child.end();
    other.startSpan('dutygate.approval', { kind: SpanKind.CLIENT, attributes: { 'approval.id': 'apr_2' } }).end();
    tracer.startSpan('no-kind-no-attributes').end();

    expectSameAsStandard(exporter.getFinishedSpans());
  });

  it('agrees with the standard serializer on 300 random spans (seeded)', () => {
    const { exporter, tracerProvider } = provider();
    const random = mulberry32(20_261_206);
    const int = (bound: number) => Math.floor(random() * bound);
    const word = () => {
      const alphabet = ['a', 'b', 'z', '0', '.', '-', 'é', 'ß', '中', '🙂', '"', '\\'];
      let text = '';
      const length = int(5) === 0 ? 100 + int(400) : int(20);
      for (let i = 0; i < length; i++) text += alphabet[int(alphabet.length)] as string;
      return text;
    };
    const value = () => {
      switch (int(7)) {
        case 0:
          return word();
        case 1:
          return int(2) === 0;
        case 2:
          return int(1_000_000) - 500_000;
        case 3:
          return (random() - 0.5) * 1e6;
        case 4:
          return [word(), word()];
        case 5:
          return [int(100), random()];
        default:
          return int(2 ** 31) * 2 ** 20;
      }
    };
    const scopes = [tracerProvider.getTracer('s1'), tracerProvider.getTracer('s2', '2.0.0'), tracerProvider.getTracer('s3', undefined, { schemaUrl: 'https://example.test/schema' })];
    for (let n = 0; n < 300; n++) {
      const attributes: Attributes = {};
      const count = int(30);
      for (let i = 0; i < count; i++) attributes[`k${i}.${word()}`] = value();
      const span = (scopes[int(scopes.length)] ?? scopes[0])?.startSpan(word() || 'span', { kind: int(5) as SpanKind, attributes });
      if (int(3) === 0) span?.addEvent(word() || 'event', { [word() || 'e']: value() });
      if (int(4) === 0) span?.setStatus({ code: int(3), ...(int(2) === 0 ? { message: word() } : {}) });
      span?.end();
    }
    expectSameAsStandard(exporter.getFinishedSpans());
  });

  it('grows its buffer from a few bytes without losing what it wrote', () => {
    const { exporter, tracerProvider } = provider();
    tracerProvider.getTracer('t').startSpan('big', { attributes: { blob: 'q'.repeat(100_000) } }).end();
    const spans = exporter.getFinishedSpans();
    const writer = new ProtoWriter(1);
    encodeSpanField(writer, spans[0] as ReadableSpan);
    expect(writer.pos).toBeGreaterThan(100_000);
    expectSameAsStandard(spans);
  });
});
