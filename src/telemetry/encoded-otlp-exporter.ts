import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { convertLegacyOtlpGrpcOptions, createOtlpGrpcExportDelegate } from '@opentelemetry/otlp-grpc-exporter-base';
import { ProtobufTraceSerializer, type IExporterMetricsHelper, type IExportTraceServiceResponse, type ISerializer } from '@opentelemetry/otlp-transformer';

/** An `ExportTraceServiceRequest` already encoded (otlp-span-encoder.ts), and how many spans it carries. */
export interface EncodedTraceRequest {
  readonly bytes: Uint8Array;
  readonly spans: number;
}

/** The protocols whose wire form is the protobuf request itself. */
export type EncodedOtlpProtocol = 'http/protobuf' | 'grpc';

// The request is sent as it is; responses (partial success) are read by the standard deserializer.
const PASS_THROUGH: ISerializer<EncodedTraceRequest, IExportTraceServiceResponse> = {
  serializeRequest: (request) => request.bytes,
  deserializeResponse: (data) => ProtobufTraceSerializer.deserializeResponse(data),
};

// The exporter's self-observability counts spans, not bytes.
const SPAN_COUNT: IExporterMetricsHelper<EncodedTraceRequest> = { name: 'span', countItems: (request) => request.spans };

/**
 * The standard OTLP trace exporter's transport (endpoint, headers, timeout, compression, retries
 * and concurrency limit, all from the `OTEL_EXPORTER_OTLP_*` variables as under the NodeSDK),
 * sending requests that were encoded beforehand instead of encoding SDK spans itself.
 */
export function createEncodedOtlpExporter(protocol: EncodedOtlpProtocol): OTLPExporterBase<EncodedTraceRequest> {
  if (protocol === 'grpc') {
    return new OTLPExporterBase(
      createOtlpGrpcExportDelegate(convertLegacyOtlpGrpcOptions({}, 'TRACES'), PASS_THROUGH, 'otlp_grpc_span_exporter', SPAN_COUNT, undefined, 'TraceExportService', '/opentelemetry.proto.collector.trace.v1.TraceService/Export'),
    );
  }
  return new OTLPExporterBase(
    createOtlpHttpExportDelegate(convertLegacyHttpOptions({}, 'TRACES', 'v1/traces', { 'Content-Type': 'application/x-protobuf' }), PASS_THROUGH, 'otlp_http_span_exporter', SPAN_COUNT, undefined),
  );
}
