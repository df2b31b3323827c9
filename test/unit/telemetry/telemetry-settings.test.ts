import { describe, expect, it } from 'vitest';
import { spanLimitsFromEnv, telemetrySettingsFrom } from '../../../src/cli/telemetry-env.js';
import { startTelemetry } from '../../../src/telemetry/start-telemetry.js';
import { createGateAudit } from '../../../src/telemetry/gate-audit.js';
import { createLogger } from '../../../src/log/logger.js';
import { createMemoryStore } from '../../../src/state/memory/memory-store.js';

describe('telemetry settings from OTEL_* variables', () => {
  it.each([
    ['nothing set', {}, { disabled: false }],
    ['disabled', { OTEL_SDK_DISABLED: 'TRUE' }, { disabled: true }],
    ['not disabled by other values', { OTEL_SDK_DISABLED: '1' }, { disabled: false }],
    ['traces exporter', { OTEL_TRACES_EXPORTER: ' none ' }, { disabled: false, tracesExporter: 'none' }],
    ['service name', { OTEL_SERVICE_NAME: 'gate-a', OTEL_RESOURCE_ATTRIBUTES: 'service.name=other' }, { disabled: false, serviceName: 'gate-a' }],
    ['service name from resource attributes', { OTEL_RESOURCE_ATTRIBUTES: 'k8s.pod.name=p,service.name=gate%20b' }, { disabled: false, serviceName: 'gate b' }],
    ['OTLP protocol', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, { disabled: false, otlpProtocol: 'http/json' }],
    ['OTLP traces protocol over the general one', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' }, { disabled: false, otlpProtocol: 'grpc' }],
    ['span queue, the rest at the defaults', { OTEL_BSP_MAX_QUEUE_SIZE: '8192' }, { disabled: false, batch: { maxQueueSize: 8192, maxExportBatchSize: 512, scheduleDelayMs: 5000 } }],
    ['a sampler of the operator\'s choosing', { OTEL_TRACES_SAMPLER: 'parentbased_always_on' }, { disabled: false, samplerFromEnv: true }],
    ['a span limit (check spans are then left to the SDK)', { OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '64' }, { disabled: false, spanLimitsFromEnv: true }],
    ['a general attribute limit', { OTEL_ATTRIBUTE_COUNT_LIMIT: '16' }, { disabled: false, spanLimitsFromEnv: true }],
    ['a limit set empty is not set', { OTEL_SPAN_EVENT_COUNT_LIMIT: ' ', OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT: '3' }, { disabled: false }],
    ['batch size and delay', { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '64', OTEL_BSP_SCHEDULE_DELAY: '200' }, { disabled: false, batch: { maxQueueSize: 2048, maxExportBatchSize: 64, scheduleDelayMs: 200 } }],
  ])('%s', (_name, env, expected) => {
    expect(telemetrySettingsFrom(env)).toEqual(expected);
  });

  // Check spans are left to the SDK whenever a limit it applies is set (direct-span.ts).
  it.each([
    [{}, false],
    [{ OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '10' }, true],
    [{ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '100' }, true],
    [{ OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT: '4' }, true],
    [{ OTEL_SPAN_LINK_COUNT_LIMIT: '' }, false],
    [{ OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT: '4' }, false],
  ])('span limits from %j: %s', (env, expected) => {
    expect(spanLimitsFromEnv(env)).toBe(expected);
  });

  // The gate does not start with an audit export its operator did not ask for.
  it.each([
    ['an unknown protocol', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/xml' }, /unsupported OTLP traces protocol "http\/xml"/],
    ['a queue of zero', { OTEL_BSP_MAX_QUEUE_SIZE: '0' }, /OTEL_BSP_MAX_QUEUE_SIZE must be a whole number ≥ 1/],
    ['a fractional delay', { OTEL_BSP_SCHEDULE_DELAY: '1.5' }, /OTEL_BSP_SCHEDULE_DELAY must be a whole number ≥ 1/],
  ])('refuses %s', (_name, env, message) => {
    expect(() => telemetrySettingsFrom(env)).toThrow(message);
  });

  it('refuses a traces exporter other than otlp or none at start-up', () => {
    expect(() => startTelemetry({ disabled: false, tracesExporter: 'zipkin' }, createLogger('silent'))).toThrow(/only otlp \(or none\) is supported, not zipkin/);
  });
});

describe('telemetry off cleanly', () => {
  const gateAudit = (settings: Parameters<typeof startTelemetry>[0]) =>
    createGateAudit({
      config: { decisionLog: { sink: 'off' }, chain: true, spanRecord: true, chainBuffer: 10_000 },
      state: createMemoryStore({ maxJtiEntries: 10, ledgerTtlMs: 1000, sweepIntervalMs: 0 }),
      logger: createLogger('silent'),
      policy: () => undefined,
      aliases: {},
      telemetry: startTelemetry(settings, createLogger('silent')),
    });

  it('OTEL_SDK_DISABLED=true: no spans, no metrics, /metrics answers 404', async () => {
    const telemetry = startTelemetry({ disabled: true }, createLogger('silent'));
    expect(telemetry.tracer).toBeUndefined();
    expect(telemetry.metrics).toBeUndefined();
    const audit = gateAudit({ disabled: true });
    const route = audit.routes['GET /metrics']!;
    const result = await route({} as never, new URL('http://x/metrics'), {} as never);
    expect(result).toMatchObject({ status: 404, body: { code: 'METRICS_DISABLED' } });
    await audit.close();
  });

  it('OTEL_TRACES_EXPORTER=none: no spans, metrics still served', async () => {
    const telemetry = startTelemetry({ disabled: false, tracesExporter: 'none' }, createLogger('silent'));
    expect(telemetry.tracer).toBeUndefined();
    expect(telemetry.scrape).toBeDefined();
    const audit = gateAudit({ disabled: false, tracesExporter: 'console,none' });
    const result = await audit.routes['GET /metrics']!({} as never, new URL('http://x/metrics'), {} as never);
    expect(result).toMatchObject({ status: 200, headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } });
    await audit.close();
  });
});
