import type { TelemetrySettings } from '../telemetry/start-telemetry.js';

/**
 * The `OTEL_*` variables the gate decides on itself (the NodeSDK reads the exporter ones):
 * `OTEL_SDK_DISABLED`, `OTEL_TRACES_EXPORTER`, and the service name (`OTEL_SERVICE_NAME`, else
 * `service.name` in `OTEL_RESOURCE_ATTRIBUTES`, else `dutygate`).
 */
export function telemetrySettingsFrom(env: Readonly<Record<string, string | undefined>>): TelemetrySettings {
  const fromAttributes = (env.OTEL_RESOURCE_ATTRIBUTES ?? '')
    .split(',')
    .map((pair) => pair.split('='))
    .find(([key]) => key?.trim() === 'service.name')?.[1]
    ?.trim();
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || (fromAttributes ? decodeURIComponent(fromAttributes) : undefined);
  const tracesExporter = env.OTEL_TRACES_EXPORTER?.trim();
  return {
    disabled: env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true',
    ...(tracesExporter ? { tracesExporter } : {}),
    ...(serviceName ? { serviceName } : {}),
  };
}
