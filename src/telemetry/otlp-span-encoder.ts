import type { Attributes, AttributeValue, Link, SpanContext, SpanStatus } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { ProtoWriter, WIRE_FIXED32, WIRE_FIXED64, WIRE_LENGTH, WIRE_VARINT } from '../lib/proto-writer.js';

/**
 * OTLP protobuf encoding of finished spans, one span at a time, into a reused buffer: the
 * `Span` message bytes (opentelemetry-proto trace/v1/trace.proto, field numbers below) that an
 * `ExportTraceServiceRequest` later carries verbatim inside its `ScopeSpans`.
 *
 * Why not the exporter's own serializer: it encodes a whole batch from the SDK's span objects in
 * two passes (size, then bytes), and the spans must first travel to the export worker as
 * structured clones (an object graph per span, copied twice). Encoding each span once, as it
 * ends, to the bytes that go on the wire makes the hand-off a transfer of one buffer and leaves
 * the worker only the HTTP request. The bytes are the same as the standard serializer's — same
 * fields, same order, same choice of int versus double — which test/unit/telemetry checks by
 * decoding both.
 */


// SpanFlags (trace.proto): the low byte is the W3C trace flags; these say whether the parent was remote.
const SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE = 0x100;
const SPAN_FLAGS_CONTEXT_IS_REMOTE = 0x200;

const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

function anyValue(writer: ProtoWriter, value: AttributeValue | Record<string, unknown> | Uint8Array | null | undefined): void {
  switch (typeof value) {
    case 'string':
      writer.tag(1, WIRE_LENGTH);
      writer.string(value);
      return;
    case 'boolean':
      writer.tag(2, WIRE_VARINT);
      writer.varint(value ? 1 : 0);
      return;
    case 'number':
      // The standard serializer's rule: integers in the int64 range are int_value, the rest double_value.
      if (Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64) {
        writer.tag(3, WIRE_VARINT);
        writer.varint(value);
      } else {
        writer.tag(4, WIRE_FIXED64);
        writer.double(value);
      }
      return;
    default:
      break;
  }
  if (value instanceof Uint8Array) {
    writer.tag(7, WIRE_LENGTH);
    writer.rawBytes(value);
  } else if (Array.isArray(value)) {
    const array = writer.begin(5);
    for (const item of value as unknown[]) {
      const entry = writer.begin(1);
      anyValue(writer, item as AttributeValue);
      writer.end(entry);
    }
    writer.end(array);
  } else if (typeof value === 'object' && value !== null) {
    const list = writer.begin(6);
    keyValues(writer, value, 1);
    writer.end(list);
  }
  // null, undefined and other types: an empty AnyValue, as the standard serializer writes.
}

/** One `KeyValue` as field `field`. */
function keyValue(writer: ProtoWriter, key: string, value: AttributeValue | Record<string, unknown> | undefined, field: number): void {
  const pair = writer.begin(field);
  writer.tag(1, WIRE_LENGTH);
  writer.string(key);
  const start = writer.begin(2);
  anyValue(writer, value);
  writer.end(start);
  writer.end(pair);
}

function keyValues(writer: ProtoWriter, attributes: Attributes | Record<string, unknown>, field: number): void {
  for (const key in attributes) {
    if (Object.prototype.hasOwnProperty.call(attributes, key)) keyValue(writer, key, (attributes as Record<string, AttributeValue | undefined>)[key], field);
  }
}

function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE | (isRemote === true ? SPAN_FLAGS_CONTEXT_IS_REMOTE : 0);
}

function encodeStatus(writer: ProtoWriter, status: SpanStatus): void {
  const start = writer.begin(15);
  if (status.message) {
    writer.tag(2, WIRE_LENGTH);
    writer.string(status.message);
  }
  writer.tag(3, WIRE_VARINT);
  writer.varint(status.code);
  writer.end(start);
}

function encodeEvent(writer: ProtoWriter, event: TimedEvent): void {
  const start = writer.begin(11);
  writer.tag(1, WIRE_FIXED64);
  writer.hrTime(event.time);
  writer.tag(2, WIRE_LENGTH);
  writer.string(event.name);
  if (event.attributes) keyValues(writer, event.attributes, 3);
  writer.tag(4, WIRE_VARINT);
  writer.varint(event.droppedAttributesCount ?? 0);
  writer.end(start);
}

/** Fields 1–3 of a `Span` and of a `Span.Link` alike: trace id, span id, trace state. */
function encodeContextIds(writer: ProtoWriter, context: SpanContext): void {
  writer.tag(1, WIRE_LENGTH);
  writer.hexBytes(context.traceId);
  writer.tag(2, WIRE_LENGTH);
  writer.hexBytes(context.spanId);
  const traceState = context.traceState?.serialize();
  if (traceState) {
    writer.tag(3, WIRE_LENGTH);
    writer.string(traceState);
  }
}

function encodeLink(writer: ProtoWriter, link: Link): void {
  const start = writer.begin(13);
  const context = link.context;
  encodeContextIds(writer, context);
  if (link.attributes) keyValues(writer, link.attributes, 4);
  writer.tag(5, WIRE_VARINT);
  writer.varint(link.droppedAttributesCount ?? 0);
  writer.tag(6, WIRE_FIXED32);
  writer.fixed32(spanFlags(context.traceFlags, context.isRemote));
  writer.end(start);
}

/**
 * What the encoder reads of a finished span besides its attributes: a ReadableSpan, or a
 * DirectSpan (direct-span.ts), whose attributes are two arrays rather than an object.
 */
export type EncodableSpan = Pick<ReadableSpan, 'spanContext' | 'parentSpanContext' | 'name' | 'kind' | 'startTime' | 'endTime' | 'droppedAttributesCount' | 'events' | 'droppedEventsCount' | 'links' | 'droppedLinksCount' | 'status'>;

/**
 * Appends `span` as one `ScopeSpans.spans` entry (field 2, length-delimited `Span`): the field
 * as it appears inside a `ScopeSpans` message.
 */
export function encodeSpanField(writer: ProtoWriter, span: ReadableSpan): void {
  const start = beginSpan(writer, span);
  keyValues(writer, span.attributes, 9);
  endSpan(writer, span, start);
}

/**
 * {@link encodeSpanField} for a span whose attributes are `keys[i]` = `values[i]`, in order
 * (the bytes a ReadableSpan with those attributes, set in that order, is encoded to).
 */
export function encodeSpanFieldOfList(writer: ProtoWriter, span: EncodableSpan, keys: readonly string[], values: readonly AttributeValue[]): void {
  const start = beginSpan(writer, span);
  for (let i = 0; i < keys.length; i++) keyValue(writer, keys[i]!, values[i], 9);
  endSpan(writer, span, start);
}

/** A span's fields before its attributes (1–8); returns where the span's content starts. */
function beginSpan(writer: ProtoWriter, span: EncodableSpan): number {
  const start = writer.begin(2);
  const context = span.spanContext();
  encodeContextIds(writer, context);
  const parent = span.parentSpanContext;
  if (parent?.spanId) {
    writer.tag(4, WIRE_LENGTH);
    writer.hexBytes(parent.spanId);
  }
  writer.tag(5, WIRE_LENGTH);
  writer.string(span.name);
  // The API's SpanKind has no UNSPECIFIED: the wire value is one more.
  const kind = (span.kind as number | undefined) == null ? 0 : span.kind + 1;
  if (kind !== 0) {
    writer.tag(6, WIRE_VARINT);
    writer.varint(kind);
  }
  writer.tag(7, WIRE_FIXED64);
  writer.hrTime(span.startTime);
  writer.tag(8, WIRE_FIXED64);
  writer.hrTime(span.endTime);
  return start;
}

/** A span's fields after its attributes (10–16), closing the field {@link beginSpan} opened. */
function endSpan(writer: ProtoWriter, span: EncodableSpan, start: number): void {
  writer.tag(10, WIRE_VARINT);
  writer.varint(span.droppedAttributesCount);
  for (const event of span.events) encodeEvent(writer, event);
  writer.tag(12, WIRE_VARINT);
  writer.varint(span.droppedEventsCount);
  for (const link of span.links) encodeLink(writer, link);
  writer.tag(14, WIRE_VARINT);
  writer.varint(span.droppedLinksCount);
  encodeStatus(writer, span.status);
  writer.tag(16, WIRE_FIXED32);
  writer.fixed32(spanFlags(span.spanContext().traceFlags, span.parentSpanContext?.isRemote));
  writer.end(start);
}

/** The resource as it is sent: its attributes (settled) and schema URL. */
export interface EncodableResource {
  readonly attributes: Attributes;
  readonly schemaUrl?: string;
}

/** One scope's encoded `ScopeSpans.spans` fields, in order. */
export interface ScopeSpanBytes {
  readonly scope: InstrumentationScope;
  readonly spans: readonly Uint8Array[];
}

/**
 * An `ExportTraceServiceRequest` of one resource: per scope, the `spans` fields as
 * {@link encodeSpanField} wrote them, wrapped in their `ScopeSpans` (field order as the
 * standard serializer's).
 */
export function encodeTraceRequest(resource: EncodableResource, scopes: readonly ScopeSpanBytes[], writer = new ProtoWriter()): Uint8Array {
  writer.reset();
  const resourceSpans = writer.begin(1);
  const resourceField = writer.begin(1);
  keyValues(writer, resource.attributes, 1);
  writer.tag(2, WIRE_VARINT);
  writer.varint(0);
  writer.end(resourceField);
  for (const { scope, spans } of scopes) {
    if (spans.length === 0) continue;
    const scopeSpans = writer.begin(2);
    const scopeField = writer.begin(1);
    writer.tag(1, WIRE_LENGTH);
    writer.string(scope.name);
    if (scope.version) {
      writer.tag(2, WIRE_LENGTH);
      writer.string(scope.version);
    }
    writer.end(scopeField);
    for (const span of spans) writer.verbatim(span);
    if (scope.schemaUrl) {
      writer.tag(3, WIRE_LENGTH);
      writer.string(scope.schemaUrl);
    }
    writer.end(scopeSpans);
  }
  if (resource.schemaUrl) {
    writer.tag(3, WIRE_LENGTH);
    writer.string(resource.schemaUrl);
  }
  writer.end(resourceSpans);
  return writer.bytes();
}
