/** The OTLP transports the gate exports spans over. */
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json', 'grpc'];

/**
 * `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`, else `http/protobuf`
 * — the NodeSDK's choice for `OTEL_TRACES_EXPORTER=otlp`. An unknown protocol throws (at
 * start-up): where the SDK warns and falls back, the gate would send its audit record somewhere
 * its operator did not ask for.
 */
export function otlpProtocolFrom(env: Readonly<Record<string, string | undefined>>): OtlpProtocol {
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?.trim() || env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim() || 'http/protobuf').toLowerCase();
  const known = PROTOCOLS.find((candidate) => candidate === protocol);
  if (!known) throw new Error(`unsupported OTLP traces protocol ${JSON.stringify(protocol)} (${PROTOCOLS.join(', ')})`);
  return known;
}
