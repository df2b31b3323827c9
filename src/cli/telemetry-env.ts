import type { RpcConventions } from '../telemetry/semconv.js';
import { otlpProtocolFrom } from '../telemetry/otlp-protocol.js';
import { DEFAULT_SPAN_BATCH, type SpanBatchSettings } from '../telemetry/span-batch-settings.js';
import type { TelemetrySettings } from '../telemetry/start-telemetry.js';

/**
 * The `OTEL_*` variables the gate decides on itself (the NodeSDK reads the exporter ones):
 * `OTEL_SDK_DISABLED`, `OTEL_TRACES_EXPORTER`, and the service name (`OTEL_SERVICE_NAME`, else
 * `service.name` in `OTEL_RESOURCE_ATTRIBUTES`, else `dutygate`), and the RPC conventions of
 * `OTEL_SEMCONV_STABILITY_OPT_IN`, the OTLP protocol, the span queue (`OTEL_BSP_*`), and whether
 * `OTEL_TRACES_SAMPLER` is set (unset, every audit span is sampled) and whether span limits are. A
 * protocol or queue setting that does not parse throws: the gate does not start with an audit
 * export its operator did not ask for.
 */
export function telemetrySettingsFrom(env: Readonly<Record<string, string | undefined>>): TelemetrySettings {
  const fromAttributes = (env.OTEL_RESOURCE_ATTRIBUTES ?? '')
    .split(',')
    .map((pair) => pair.split('='))
    .find(([key]) => key?.trim() === 'service.name')?.[1]
    ?.trim();
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || (fromAttributes ? decodeURIComponent(fromAttributes) : undefined);
  const tracesExporter = env.OTEL_TRACES_EXPORTER?.trim();
  const optIn = env.OTEL_SEMCONV_STABILITY_OPT_IN?.trim();
  return {
    disabled: env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true',
    ...(tracesExporter ? { tracesExporter } : {}),
    ...(serviceName ? { serviceName } : {}),
    ...(optIn ? { rpcConventions: rpcConventionsFrom(optIn) } : {}),
    ...(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?.trim() || env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim() ? { otlpProtocol: otlpProtocolFrom(env) } : {}),
    ...(env.OTEL_BSP_MAX_QUEUE_SIZE || env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE || env.OTEL_BSP_SCHEDULE_DELAY ? { batch: spanBatchFrom(env) } : {}),
    ...(env.OTEL_TRACES_SAMPLER?.trim() ? { samplerFromEnv: true } : {}),
    ...(spanLimitsFromEnv(env) ? { spanLimitsFromEnv: true } : {}),
  };
}

/** `OTEL_BSP_MAX_QUEUE_SIZE`, `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`, `OTEL_BSP_SCHEDULE_DELAY` over the defaults. */
export function spanBatchFrom(env: Readonly<Record<string, string | undefined>>): SpanBatchSettings {
  const positive = (name: string, fallback: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number ≥ 1, not ${JSON.stringify(raw)}`);
    return value;
  };
  return {
    maxQueueSize: positive('OTEL_BSP_MAX_QUEUE_SIZE', DEFAULT_SPAN_BATCH.maxQueueSize),
    maxExportBatchSize: positive('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', DEFAULT_SPAN_BATCH.maxExportBatchSize),
    scheduleDelayMs: positive('OTEL_BSP_SCHEDULE_DELAY', DEFAULT_SPAN_BATCH.scheduleDelayMs),
  };
}

/**
 * `OTEL_SEMCONV_STABILITY_OPT_IN` (comma-separated) → which RPC conventions spans carry, as the
 * RPC conventions' migration plan defines it: `rpc/dup` → old and stable (it wins over `rpc`),
 * `rpc` → stable only, anything else → the experimental v1.37 ones. Other entries (`http`,
 * `gen_ai_latest_experimental`, …) do not concern the RPC attributes and are ignored.
 */
export function rpcConventionsFrom(optIn: string): RpcConventions {
  const entries = new Set(optIn.split(',').map((entry) => entry.trim().toLowerCase()));
  if (entries.has('rpc/dup')) return 'dup';
  if (entries.has('rpc')) return 'stable';
  return 'old';
}

/**
 * Whether the environment sets any span limit the NodeSDK reads (`OTEL_SPAN_*_LIMIT`,
 * `OTEL_ATTRIBUTE_*_LIMIT`): then check spans are left to the SDK, which applies them.
 */
export function spanLimitsFromEnv(env: Readonly<Record<string, string | undefined>>): boolean {
  return Object.keys(env).some((name) => /^OTEL_(SPAN_|ATTRIBUTE_).*LIMIT$/.test(name) && (env[name] ?? '').trim() !== '');
}
