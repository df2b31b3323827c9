import { Buffer } from 'node:buffer';
import type { Attributes, AttributeValue, HrTime, Link, SpanContext, SpanStatus } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

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

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;

// SpanFlags (trace.proto): the low byte is the W3C trace flags; these say whether the parent was remote.
const SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE = 0x100;
const SPAN_FLAGS_CONTEXT_IS_REMOTE = 0x200;

const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

/**
 * A growable protobuf writer. Length-delimited fields reserve one byte for their length and
 * move their content when the length needs more (rare: only values of 128 bytes and more), so
 * a message is written in a single pass.
 */
export class ProtoWriter {
  private buffer: Buffer;
  private view: DataView;
  /** Bytes written so far. */
  pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
  }

  /** A copy of the bytes written so far, in a buffer of its own (so it can be transferred). */
  bytes(): Uint8Array {
    const copy = new Uint8Array(this.pos);
    copy.set(this.buffer.subarray(0, this.pos));
    return copy;
  }

  reset(): void {
    this.pos = 0;
  }

  private ensure(more: number): void {
    if (this.pos + more <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.pos + more) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.pos);
    this.buffer = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  /** A non-negative integer below 2^53, or a negative one as int64 two's complement (10 bytes). */
  varint(value: number): void {
    this.ensure(10);
    const buffer = this.buffer;
    if (value >= 0 && value <= 0xffffffff) {
      let v = value >>> 0;
      while (v > 0x7f) {
        buffer[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buffer[this.pos++] = v;
      return;
    }
    let low: number;
    let high: number;
    if (value >= 0) {
      low = value >>> 0;
      high = (value / 0x100000000) >>> 0;
    } else {
      const magnitude = -value;
      low = ~(magnitude >>> 0) >>> 0;
      high = ~((magnitude / 0x100000000) >>> 0) >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    while (high > 0 || low > 0x7f) {
      buffer[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buffer[this.pos++] = low;
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.buffer.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  double(value: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /**
   * An HrTime as fixed64 nanoseconds since the epoch, exact: seconds × 1e9 exceeds 2^53, so the
   * seconds are split into 16-bit halves whose products stay exact, then recombined in 32-bit words.
   */
  hrTime(time: HrTime): void {
    this.ensure(8);
    const seconds = time[0];
    const fromLow = (seconds & 0xffff) * 1e9;
    const fromHigh = ((seconds / 0x10000) >>> 0) * 1e9;
    const low = (fromLow >>> 0) + (((fromHigh & 0xffff) * 0x10000) >>> 0) + time[1];
    const high = Math.floor(fromLow / 0x100000000) + ((fromHigh / 0x10000) >>> 0) + Math.floor(low / 0x100000000);
    this.buffer.writeUInt32LE(low >>> 0, this.pos);
    this.buffer.writeUInt32LE(high >>> 0, this.pos + 4);
    this.pos += 8;
  }

  /** A length-prefixed UTF-8 string. */
  string(text: string): void {
    const length = text.length;
    // ASCII strings under 128 characters (nearly every attribute) are written byte by byte:
    // cheaper than a native call for short strings, and their length is known up front.
    if (length < 128) {
      let ascii = true;
      for (let i = 0; i < length; i++) {
        if (text.charCodeAt(i) > 0x7f) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        this.ensure(1 + length);
        const buffer = this.buffer;
        let pos = this.pos;
        buffer[pos++] = length;
        for (let i = 0; i < length; i++) buffer[pos++] = text.charCodeAt(i);
        this.pos = pos;
        return;
      }
    }
    const bytes = Buffer.byteLength(text, 'utf8');
    this.varint(bytes);
    this.ensure(bytes);
    this.pos += this.buffer.write(text, this.pos, bytes, 'utf8');
  }

  /** Length-prefixed raw bytes. */
  rawBytes(bytes: Uint8Array): void {
    this.varint(bytes.length);
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Bytes written verbatim (an already encoded field or message). */
  verbatim(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** A length-prefixed id from its lowercase (or uppercase) hex form, as the standard exporter sends it. */
  hexBytes(hex: string): void {
    const length = hex.length >>> 1;
    this.varint(length);
    this.ensure(length);
    const buffer = this.buffer;
    for (let i = 0; i < length; i++) buffer[this.pos++] = (nibble(hex.charCodeAt(2 * i)) << 4) | nibble(hex.charCodeAt(2 * i + 1));
  }

  /** Starts a length-delimited field: returns where its content starts (one byte is reserved for the length). */
  begin(field: number): number {
    this.tag(field, WIRE_LENGTH);
    this.ensure(1);
    this.pos += 1;
    return this.pos;
  }

  /** Ends the field `begin` started, writing its length (moving the content when it needs more than one byte). */
  end(start: number): void {
    const length = this.pos - start;
    if (length < 0x80) {
      this.buffer[start - 1] = length;
      return;
    }
    const extra = varintSize(length) - 1;
    this.ensure(extra);
    this.buffer.copyWithin(start + extra, start, this.pos);
    let at = start - 1;
    let v = length;
    while (v > 0x7f) {
      this.buffer[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buffer[at] = v;
    this.pos += extra;
  }
}

function nibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return code - 55;
}

function varintSize(value: number): number {
  let size = 1;
  while (value > 0x7f) {
    value >>>= 7;
    size++;
  }
  return size;
}

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

function keyValues(writer: ProtoWriter, attributes: Attributes | Record<string, unknown>, field: number): void {
  for (const key in attributes) {
    if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
    const pair = writer.begin(field);
    writer.tag(1, WIRE_LENGTH);
    writer.string(key);
    const value = writer.begin(2);
    anyValue(writer, (attributes as Record<string, AttributeValue | undefined>)[key]);
    writer.end(value);
    writer.end(pair);
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
 * Appends `span` as one `ScopeSpans.spans` entry (field 2, length-delimited `Span`): the field
 * as it appears inside a `ScopeSpans` message.
 */
export function encodeSpanField(writer: ProtoWriter, span: ReadableSpan): void {
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
  keyValues(writer, span.attributes, 9);
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
  writer.fixed32(spanFlags(context.traceFlags, parent?.isRemote));
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
