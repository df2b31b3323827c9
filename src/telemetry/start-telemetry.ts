import { metrics, trace, type Counter } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { AlwaysOnSampler } from '@opentelemetry/sdk-trace-base';
import type { Logger } from '../log/logger.js';
import { DirectSpans } from './direct-span.js';
import { createDropEpisodes } from './drop-episodes.js';
import { createSpansDroppedCounter } from './gate-metrics.js';
import type { OtlpProtocol } from './otlp-protocol.js';
import type { RpcConventions } from './semconv.js';
import { DEFAULT_SPAN_BATCH, type SpanBatchSettings } from './span-batch-settings.js';
import { spanExportWorkerUrl } from './span-export-worker-url.js';
import { SynchronousContextManager } from './synchronous-context-manager.js';
import { createPrometheusReader, createTelemetry, SCOPE, type Telemetry } from './telemetry.js';
import { WorkerSpanProcessor } from './worker-span-processor.js';

/** The `OTEL_*` settings the gate itself looks at (the OTLP exporter reads the rest from the environment). */
export interface TelemetrySettings {
  /** `OTEL_SDK_DISABLED=true`: no spans, no metrics (`/metrics` answers 404). */
  readonly disabled: boolean;
  /** `OTEL_TRACES_EXPORTER` as set (`otlp` when unset); a list containing `none` turns spans off. */
  readonly tracesExporter?: string;
  /** `OTEL_SERVICE_NAME` (or `service.name` of `OTEL_RESOURCE_ATTRIBUTES`); default `dutygate`. */
  readonly serviceName?: string;
  /** From `OTEL_SEMCONV_STABILITY_OPT_IN`: which RPC conventions spans carry (default `old`). */
  readonly rpcConventions?: RpcConventions;
  /** `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` / `OTEL_EXPORTER_OTLP_PROTOCOL` (default `http/protobuf`). */
  readonly otlpProtocol?: OtlpProtocol;
  /** Queueing and batching (default: the OpenTelemetry defaults). */
  readonly batch?: SpanBatchSettings;
  /**
   * Whether `OTEL_TRACES_SAMPLER` is set. Unset, every span is sampled (AlwaysOn), not the SDK's
   * parent-based default: the parent comes from the checked request's `traceparent`, which the
   * agent writes, and an agent must not switch off its own audit span with a flag in a header.
   * Set, the SDK's sampler applies as documented.
   */
  readonly samplerFromEnv?: boolean;
  /** Whether an `OTEL_SPAN_*_LIMIT` / `OTEL_ATTRIBUTE_*_LIMIT` variable is set (the SDK applies it). */
  readonly spanLimitsFromEnv?: boolean;
}

/** Longest the span processor's shutdown waits for the worker (under gate-audit's 3 s bound for all of telemetry). */
const SPAN_FLUSH_MS = 2_500;

/**
 * Starts telemetry for `dutygate serve` with `@opentelemetry/sdk-node`, which builds the
 * resource (`OTEL_RESOURCE_ATTRIBUTES`, …), reads the sampler (`OTEL_TRACES_SAMPLER`) and
 * registers the global tracer provider and the W3C propagator. Spans go to a WorkerSpanProcessor:
 * OTLP encoding and export run on a worker thread (the standard OTLP exporter there reads
 * `OTEL_EXPORTER_OTLP_ENDPOINT`, `…_HEADERS`, `…_TIMEOUT`, `…_COMPRESSION` itself), not on the
 * event loop that answers Envoy. Only `otlp` is exported this way; another `OTEL_TRACES_EXPORTER`
 * value throws (a gate that silently did not export its audit spans would be worse).
 * The context manager is a synchronous one instead of the SDK's async-hooks default (see
 * SynchronousContextManager). Metrics go through the SDK's MeterProvider but only to the gate's
 * own `/metrics` route (`OTEL_METRICS_EXPORTER` is not read), and no log exporter is set up.
 */
export function startTelemetry(settings: TelemetrySettings, logger: Pick<Logger, 'error'>): Telemetry {
  const serviceName = settings.serviceName ?? 'dutygate';
  if (settings.disabled) return createTelemetry({ metrics: false });
  const exporters = (settings.tracesExporter ?? 'otlp').split(',').map((name) => name.trim()).filter((name) => name !== '');
  const rpcConventions = settings.rpcConventions ?? 'old';
  if (exporters.includes('none')) return createTelemetry({ serviceName, rpcConventions });
  const unsupported = exporters.filter((name) => name !== 'otlp');
  if (unsupported.length > 0) throw new Error(`OTEL_TRACES_EXPORTER: only otlp (or none) is supported, not ${unsupported.join(', ')}`);
  const batch = settings.batch ?? DEFAULT_SPAN_BATCH;
  // Bound late: the counter lives on the SDK's MeterProvider, which exists once the SDK started.
  const dropped: { counter?: Counter } = {};
  const processor = new WorkerSpanProcessor({
    workerUrl: spanExportWorkerUrl(),
    worker: { protocol: settings.otlpProtocol ?? 'http/protobuf', maxExportBatchSize: Math.min(batch.maxExportBatchSize, batch.maxQueueSize), scheduleDelayMs: batch.scheduleDelayMs },
    maxQueueSize: batch.maxQueueSize,
    drops: createDropEpisodes({ logger, onDropped: (reason, count) => dropped.counter?.add(count, { reason }) }),
    shutdownMs: SPAN_FLUSH_MS,
  });
  // The SDK's MeterProvider, read by /metrics alone. Like the tracer provider, it is the
  // process-global one: one `dutygate serve` per process (in-process gates use createTelemetry).
  const reader = createPrometheusReader();
  const sdk = new NodeSDK({
    serviceName,
    spanProcessors: [processor],
    metricReaders: [reader],
    logRecordProcessors: [],
    contextManager: new SynchronousContextManager(),
    ...(settings.samplerFromEnv ? {} : { sampler: new AlwaysOnSampler() }),
  });
  sdk.start();
  const meter = metrics.getMeterProvider().getMeter(SCOPE);
  dropped.counter = createSpansDroppedCounter(meter);
  // Check spans skip the SDK's Tracer and Span where those would build the very same span:
  // AlwaysOn sampling and default limits; the processor takes them only when it encodes
  // protobuf and knows the resource (direct-span.ts, docs/design.md §7).
  const direct = !settings.samplerFromEnv && !settings.spanLimitsFromEnv;
  return createTelemetry({
    tracerProvider: trace.getTracerProvider(),
    ...(direct ? { directSpans: new DirectSpans(processor, { name: SCOPE }) } : {}),
    prometheus: { reader, meter },
    serviceName,
    rpcConventions,
    onShutdown: () => sdk.shutdown(),
  });
}
