import { metrics, trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { RpcConventions } from './semconv.js';
import { SynchronousContextManager } from './synchronous-context-manager.js';
import { createPrometheusReader, createTelemetry, SCOPE, type Telemetry } from './telemetry.js';

/** The `OTEL_*` settings the gate itself looks at (the SDK reads the rest from the environment). */
export interface TelemetrySettings {
  /** `OTEL_SDK_DISABLED=true`: no spans, no metrics (`/metrics` answers 404). */
  readonly disabled: boolean;
  /** `OTEL_TRACES_EXPORTER` as set (`otlp` when unset); a list containing `none` turns spans off. */
  readonly tracesExporter?: string;
  /** `OTEL_SERVICE_NAME` (or `service.name` of `OTEL_RESOURCE_ATTRIBUTES`); default `dutygate`. */
  readonly serviceName?: string;
  /** From `OTEL_SEMCONV_STABILITY_OPT_IN`: which RPC conventions spans carry (default `old`). */
  readonly rpcConventions?: RpcConventions;
}

/**
 * Starts telemetry for `dutygate serve` with `@opentelemetry/sdk-node`. The NodeSDK reads the
 * standard variables itself (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_PROTOCOL`,
 * `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_TRACES_SAMPLER`, `OTEL_BSP_*`, `OTEL_RESOURCE_ATTRIBUTES`,
 * …) and registers the global tracer provider and the W3C propagator. The context manager is
 * a synchronous one instead of the SDK's async-hooks default (see SynchronousContextManager).
 * Metrics go through the SDK's MeterProvider but only to the gate's own `/metrics` route
 * (`OTEL_METRICS_EXPORTER` is not read), and no log exporter is set up.
 */
export function startTelemetry(settings: TelemetrySettings): Telemetry {
  const serviceName = settings.serviceName ?? 'dutygate';
  if (settings.disabled) return createTelemetry({ metrics: false });
  const exporters = (settings.tracesExporter ?? 'otlp').split(',').map((name) => name.trim());
  const rpcConventions = settings.rpcConventions ?? 'old';
  if (exporters.includes('none')) return createTelemetry({ serviceName, rpcConventions });
  // The SDK's MeterProvider, read by /metrics alone: with OTEL_NODE_EXPERIMENTAL_SDK_METRICS=true
  // its span processor reports what it dropped (otel_sdk_processor_span_processed_total with
  // error_type), which the spans-dropped alert reads. Like the tracer provider, it is the
  // process-global one: one `dutygate serve` per process (in-process gates use createTelemetry).
  const reader = createPrometheusReader();
  const sdk = new NodeSDK({ serviceName, metricReaders: [reader], logRecordProcessors: [], contextManager: new SynchronousContextManager() });
  sdk.start();
  return createTelemetry({
    tracerProvider: trace.getTracerProvider(),
    prometheus: { reader, meter: metrics.getMeterProvider().getMeter(SCOPE) },
    serviceName,
    rpcConventions,
    onShutdown: () => sdk.shutdown(),
  });
}
