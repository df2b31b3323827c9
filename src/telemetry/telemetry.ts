import type { Attributes, Meter, Tracer, TracerProvider } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { DirectSpans } from './direct-span.js';
import { observeGate, type GateGaugeSources } from './gate-gauges.js';
import { createGateMetrics, type GateMetrics } from './gate-metrics.js';
import { rpcAttributes, type RpcConventions } from './semconv.js';

/** Instrumentation scope of every dutygate span and metric. */
export const SCOPE = 'dutygate';

/** What the gate emits telemetry through. Each part may be off. */
export interface Telemetry {
  /** Undefined when tracing is off (`OTEL_TRACES_EXPORTER=none`, `OTEL_SDK_DISABLED=true`). */
  readonly tracer?: Tracer;
  /**
   * Check spans built without the SDK where it would have built the same ones (direct-span.ts);
   * only `dutygate serve`'s telemetry has them. `start` answering undefined means: use `tracer`.
   */
  readonly directSpans?: DirectSpans;
  /** Undefined when metrics are off (`OTEL_SDK_DISABLED=true`). */
  readonly metrics?: GateMetrics;
  /** The constant RPC attributes of every `dutygate.check` span (per `OTEL_SEMCONV_STABILITY_OPT_IN`). */
  readonly rpcAttributes: Readonly<Attributes>;
  /** The current metrics in Prometheus text format; undefined when metrics are off. */
  readonly scrape?: () => Promise<string>;
  /** Registers the gauges read at scrape time (state store, policy, pending approvals); once per gate. */
  readonly observe?: (sources: GateGaugeSources) => void;
  /** Flushes spans and releases the providers. */
  shutdown(): Promise<void>;
}

/** Options of {@link createTelemetry}. */
export interface TelemetryOptions {
  /** Spans go to this provider's processors; no provider, no spans. */
  readonly tracerProvider?: TracerProvider;
  /** Default true: an OpenTelemetry MeterProvider read by Prometheus scrapes. */
  readonly metrics?: boolean;
  /** `service.name` of the metrics resource (Prometheus `target_info`); default `dutygate`. */
  readonly serviceName?: string;
  /** Which RPC conventions spans carry (`OTEL_SEMCONV_STABILITY_OPT_IN`, read by the CLI); default `old`. */
  readonly rpcConventions?: RpcConventions;
  /**
   * A Prometheus reader already attached to a MeterProvider the caller owns (the NodeSDK's, so
   * that the SDK's own span-processor metrics reach `/metrics` too), and a meter of that
   * provider. Default: a private MeterProvider with a reader of its own.
   */
  readonly prometheus?: { readonly reader: PrometheusExporter; readonly meter: Meter };
  /** Called by shutdown() after the meter provider (e.g. the NodeSDK's shutdown). */
  readonly onShutdown?: () => Promise<void>;
  /** See {@link Telemetry.directSpans}. */
  readonly directSpans?: DirectSpans;
}

/** The pull-mode Prometheus reader `/metrics` collects from (no listener of its own). */
export function createPrometheusReader(): PrometheusExporter {
  return new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
}

/**
 * Builds the gate's telemetry from explicit parts. Metrics use a private MeterProvider whose
 * only reader is a pull-mode Prometheus exporter served on the gate's own HTTP port (no second
 * listener); nothing is registered globally, so several gates can share a process (tests).
 */
export function createTelemetry(options: TelemetryOptions = {}): Telemetry {
  const tracer = options.tracerProvider?.getTracer(SCOPE);
  const traced = tracer ? { tracer, ...(options.directSpans ? { directSpans: options.directSpans } : {}) } : {};
  const rpc = rpcAttributes(options.rpcConventions ?? 'old');
  if (options.metrics === false) {
    return { ...traced, rpcAttributes: rpc, shutdown: () => options.onShutdown?.() ?? Promise.resolve() };
  }
  const reader = options.prometheus?.reader ?? createPrometheusReader();
  const meterProvider = options.prometheus
    ? undefined
    : new MeterProvider({ resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'dutygate' }), readers: [reader] });
  // No `otel_scope_name` label: every series is dutygate's own. (The SDK's own `otel_sdk_*` span
  // metrics are not wired: the check span is not an SDK span, so they would not count it.)
  const serializer = new PrometheusSerializer(undefined, false, undefined, false, true);
  const meter = options.prometheus?.meter ?? (meterProvider as MeterProvider).getMeter(SCOPE);
  return {
    ...traced,
    rpcAttributes: rpc,
    metrics: createGateMetrics(meter),
    observe: (sources) => observeGate(meter, sources),
    async scrape() {
      const { resourceMetrics } = await reader.collect();
      return serializer.serialize(resourceMetrics);
    },
    async shutdown() {
      await meterProvider?.shutdown();
      await options.onShutdown?.();
    },
  };
}
