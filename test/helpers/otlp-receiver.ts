/**
 * An in-process OTLP/HTTP trace receiver for tests: accepts `POST /v1/traces` in protobuf (and
 * JSON), decodes each body into plain spans, answers 200. The protobuf schema is the subset of
 * opentelemetry-proto v1 (collector/trace/v1/trace_service.proto, trace/v1/trace.proto,
 * common/v1/common.proto, resource/v1/resource.proto) that a span export uses, with the upstream
 * field numbers: the OTLP packages in node_modules ship encoders only, no .proto files.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

const OTLP_TRACE_PROTO = `
syntax = "proto3";
package opentelemetry.proto;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; fixed32 flags = 16;
  string name = 5; int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; uint32 dropped_attributes_count = 10;
  repeated Event events = 11; uint32 dropped_events_count = 12;
  repeated Link links = 13; uint32 dropped_links_count = 14; Status status = 15;
  message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
  message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; uint32 dropped_attributes_count = 5; fixed32 flags = 6; }
}
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; } }
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
`;

const REQUEST = protobuf.parse(OTLP_TRACE_PROTO, { keepCase: false }).root.lookupType('opentelemetry.proto.ExportTraceServiceRequest');

/** An attribute value as decoded: strings, numbers, booleans, arrays of those. */
export type DecodedValue = string | number | boolean | DecodedValue[] | undefined;

/** One span as received. Ids are lowercase hex, times nanoseconds as strings. */
export interface ReceivedSpan {
  readonly name: string;
  readonly kind: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly traceState: string;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly attributes: Readonly<Record<string, DecodedValue>>;
  readonly events: readonly { readonly name: string; readonly attributes: Readonly<Record<string, DecodedValue>> }[];
  readonly links: readonly { readonly traceId: string; readonly spanId: string; readonly attributes: Readonly<Record<string, DecodedValue>> }[];
  readonly status: { readonly code: number; readonly message: string };
  readonly scope: string;
  readonly resource: Readonly<Record<string, DecodedValue>>;
}

/** A running receiver. */
export interface OtlpReceiver {
  readonly url: string;
  readonly spans: ReceivedSpan[];
  /** Requests received, with their content type and byte size on the wire. */
  readonly requests: { readonly contentType: string; readonly bytes: number }[];
  close(): Promise<void>;
}

interface PbAnyValue { stringValue?: string; boolValue?: boolean; intValue?: number | { toString(): string }; doubleValue?: number; arrayValue?: { values?: PbAnyValue[] } }
interface PbKeyValue { key: string; value?: PbAnyValue }
interface PbSpan {
  traceId?: Uint8Array; spanId?: Uint8Array; parentSpanId?: Uint8Array; traceState?: string; name?: string; kind?: number;
  startTimeUnixNano?: { toString(): string }; endTimeUnixNano?: { toString(): string };
  attributes?: PbKeyValue[]; events?: { name?: string; attributes?: PbKeyValue[] }[];
  links?: { traceId?: Uint8Array; spanId?: Uint8Array; attributes?: PbKeyValue[] }[]; status?: { code?: number; message?: string };
}
interface PbRequest { resourceSpans?: { resource?: { attributes?: PbKeyValue[] }; scopeSpans?: { scope?: { name?: string }; spans?: PbSpan[] }[] }[] }

const hex = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? []).toString('hex');

function valueOf(value: PbAnyValue | undefined): DecodedValue {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue.toString());
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(valueOf);
  return undefined;
}

const attributesOf = (list: PbKeyValue[] | undefined): Record<string, DecodedValue> => Object.fromEntries((list ?? []).map((kv) => [kv.key, valueOf(kv.value)]));

/** Decodes one OTLP/HTTP protobuf `ExportTraceServiceRequest` body into plain spans. */
export function decodeOtlpTraceRequest(body: Uint8Array): ReceivedSpan[] {
  const request = REQUEST.toObject(REQUEST.decode(body), { defaults: true }) as PbRequest;
  return (request.resourceSpans ?? []).flatMap((rs) => {
    const resource = attributesOf(rs.resource?.attributes);
    return (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((span) => ({
        name: span.name ?? '',
        kind: span.kind ?? 0,
        traceId: hex(span.traceId),
        spanId: hex(span.spanId),
        parentSpanId: hex(span.parentSpanId),
        traceState: span.traceState ?? '',
        startTimeUnixNano: span.startTimeUnixNano?.toString() ?? '0',
        endTimeUnixNano: span.endTimeUnixNano?.toString() ?? '0',
        attributes: attributesOf(span.attributes),
        events: (span.events ?? []).map((event) => ({ name: event.name ?? '', attributes: attributesOf(event.attributes) })),
        links: (span.links ?? []).map((link) => ({ traceId: hex(link.traceId), spanId: hex(link.spanId), attributes: attributesOf(link.attributes) })),
        status: { code: span.status?.code ?? 0, message: span.status?.message ?? '' },
        scope: ss.scope?.name ?? '',
        resource,
      })),
    );
  });
}

/** Starts a receiver on loopback. Only protobuf bodies are decoded; others are counted. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const requests: { contentType: string; bytes: number }[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const contentType = request.headers['content-type'] ?? '';
      requests.push({ contentType, bytes: raw.length });
      const body = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      if (contentType === 'application/x-protobuf') spans.push(...decodeOtlpTraceRequest(body));
      response.writeHead(200, { 'content-type': contentType }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A keep-alive exporter connection must not hold the close.
        server.closeAllConnections();
      }),
  };
}
