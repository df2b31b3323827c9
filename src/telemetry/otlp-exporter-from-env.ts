import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { OtlpProtocol } from './otlp-protocol.js';


/**
 * The standard OTLP trace exporter for `protocol`. Each reads its endpoint, headers, timeout and
 * compression from the `OTEL_EXPORTER_OTLP_*` variables itself, as under the NodeSDK.
 */
export function createOtlpExporter(protocol: OtlpProtocol): SpanExporter {
  switch (protocol) {
    case 'http/protobuf':
      return new ProtobufExporter();
    case 'http/json':
      return new JsonExporter();
    case 'grpc':
      return new GrpcExporter();
  }
}
