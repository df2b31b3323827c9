/**
 * The worker span processor with the real SDK and the real OTLP exporter: spans ended on this
 * thread are exported by the worker (OTLP/HTTP protobuf, as `dutygate serve` defaults to) to a
 * receiver on loopback that decodes them; with a dead collector and a tiny queue, losses are
 * counted on the Prometheus metric and logged with their first and last decision id; shutdown
 * exports what is queued before it resolves. The worker is the built one (dist/): npm test
 * builds first.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { context, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { createDropEpisodes } from '../../src/telemetry/drop-episodes.js';
import { createSpansDroppedCounter } from '../../src/telemetry/gate-metrics.js';
import { spanExportWorkerUrl } from '../../src/telemetry/span-export-worker-url.js';
import { createPrometheusReader } from '../../src/telemetry/telemetry.js';
import { WorkerSpanProcessor } from '../../src/telemetry/worker-span-processor.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';

interface Harness {
  readonly tracer: Tracer;
  readonly processor: WorkerSpanProcessor;
  readonly logLines: Record<string, unknown>[];
  readonly scrape: () => Promise<string>;
  readonly close: () => Promise<void>;
}

/** A tracer provider whose only processor is a WorkerSpanProcessor exporting to `endpoint`. */
function startHarness(endpoint: string, options: { maxQueueSize: number; maxExportBatchSize: number; scheduleDelayMs: number; shutdownMs: number; exportTimeoutMs?: number; workerUrl?: URL }): Harness {
  // The worker's exporter reads the OTEL_* variables of the environment it is started with.
  process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = `${endpoint}/v1/traces`;
  process.env.OTEL_EXPORTER_OTLP_TIMEOUT = String(options.exportTimeoutMs ?? 10_000);
  const logLines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const reader = createPrometheusReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const counter = createSpansDroppedCounter(meterProvider.getMeter('test'));
  const processor = new WorkerSpanProcessor({
    workerUrl: options.workerUrl ?? spanExportWorkerUrl(),
    worker: { protocol: 'http/protobuf', maxExportBatchSize: options.maxExportBatchSize, scheduleDelayMs: options.scheduleDelayMs },
    maxQueueSize: options.maxQueueSize,
    drops: createDropEpisodes({ logger: createLogger('info', destination), onDropped: (reason, count) => counter.add(count, { reason }) }),
    shutdownMs: options.shutdownMs,
  });
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'worker-export-test' }), spanProcessors: [processor] });
  const serializer = new PrometheusSerializer(undefined, false, undefined, false, true);
  return {
    tracer: provider.getTracer('dutygate', '1.2.3'),
    processor,
    logLines,
    scrape: async () => serializer.serialize((await reader.collect()).resourceMetrics),
    close: async () => {
      await provider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

let metricsText = '';

async function eventually(check: () => boolean, timeoutMs = 10_000, refresh?: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await refresh?.();
  }
}

describe('span export from a worker thread', () => {
  let receiver: OtlpReceiver | undefined;
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    await receiver?.close();
    harness = undefined;
    receiver = undefined;
  });

  it('exports every span, with its attributes, events, links, parent, status, scope and resource', async () => {
    receiver = await startOtlpReceiver();
    harness = startHarness(receiver.url, { maxQueueSize: 2048, maxExportBatchSize: 100, scheduleDelayMs: 50, shutdownMs: 5000 });
    const { tracer } = harness;
    const linked = tracer.startSpan('linked');
    linked.end();
    const count = 700;
    for (let i = 0; i < count; i++) {
      const span = tracer.startSpan('dutygate.check', {
        kind: SpanKind.SERVER,
        attributes: { 'dutygate.decision_id': `d-${i}`, 'dutygate.audit.seq': i, 'dutygate.shadow': i % 2 === 0, 'agent.chain': ['planner', `p-${i}`] },
        links: [{ context: linked.spanContext(), attributes: { 'dutygate.link': 'approval' } }],
      });
      span.addEvent('dutygate.phase', { phase: 'policy' });
      if (i % 7 === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: `failed ${i}` });
      span.end();
    }
    await eventually(() => receiver!.spans.length === count + 1);
    const checks = receiver.spans.filter((span) => span.name === 'dutygate.check');
    expect(new Set(checks.map((span) => span.attributes['dutygate.decision_id'])).size).toBe(count);
    const span = checks.find((candidate) => candidate.attributes['dutygate.decision_id'] === 'd-14')!;
    expect(span).toMatchObject({
      kind: 2, // SPAN_KIND_SERVER: the API's enum + 1
      attributes: { 'dutygate.decision_id': 'd-14', 'dutygate.audit.seq': 14, 'dutygate.shadow': true, 'agent.chain': ['planner', 'p-14'] },
      events: [{ name: 'dutygate.phase', attributes: { phase: 'policy' } }],
      links: [{ traceId: linked.spanContext().traceId, spanId: linked.spanContext().spanId, attributes: { 'dutygate.link': 'approval' } }],
      status: { code: 2, message: 'failed 14' },
      scope: 'dutygate',
      resource: { 'service.name': 'worker-export-test' },
    });
    expect(BigInt(span.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(span.startTimeUnixNano));
    expect(receiver.requests.every((request) => request.contentType === 'application/x-protobuf')).toBe(true);
    expect(await harness.scrape()).toMatch(/dutygate_audit_spans_dropped_total\{reason="queue_full"\} 0/);
  });

  it('keeps a child span in its parent trace', async () => {
    receiver = await startOtlpReceiver();
    harness = startHarness(receiver.url, { maxQueueSize: 2048, maxExportBatchSize: 512, scheduleDelayMs: 20, shutdownMs: 5000 });
    const parent = harness.tracer.startSpan('parent');
    const parentContext = trace.setSpan(context.active(), parent);
    const child = harness.tracer.startSpan('child', {}, parentContext);
    child.end();
    parent.end();
    await eventually(() => receiver!.spans.length === 2);
    const received = receiver.spans.find((span) => span.name === 'child')!;
    expect(received).toMatchObject({ traceId: parent.spanContext().traceId, parentSpanId: parent.spanContext().spanId });
  });

  it('with a dead collector and a tiny queue, counts every lost span and logs the first and last decision id', async () => {
    // A port that was just listening and is closed: connections are refused.
    const dead = await startOtlpReceiver();
    await dead.close();
    harness = startHarness(dead.url, { maxQueueSize: 4, maxExportBatchSize: 4, scheduleDelayMs: 10, shutdownMs: 3000, exportTimeoutMs: 300 });
    for (let i = 0; i < 20; i++) harness.tracer.startSpan('dutygate.check', { attributes: { 'dutygate.decision_id': `d-${i}` } }).end();
    // The four queued spans are exported (and fail) in the worker; the sixteen after them found the queue full.
    await harness.processor.shutdown();
    const metrics = await harness.scrape();
    expect(metrics).toMatch(/dutygate_audit_spans_dropped_total\{reason="queue_full"\} 16/);
    const lost = (reason: string) => Number(new RegExp(`dutygate_audit_spans_dropped_total\\{reason="${reason}"\\} (\\d+)`).exec(metrics)?.[1]);
    // Every span is accounted for: none exported, all counted under one reason or another.
    expect(lost('queue_full') + lost('export_failed') + lost('shutdown')).toBe(20);
    const lines = harness.logLines.filter((line) => line.level === 50);
    expect(lines).toContainEqual(expect.objectContaining({ reason: 'queue_full', dropped: 16, first_decision_id: 'd-4', last_decision_id: 'd-19' }));
    const other = lines.find((line) => line.reason !== 'queue_full');
    expect(other).toMatchObject({ dropped: 4, first_decision_id: 'd-0', last_decision_id: 'd-3' });
    expect(lines).toHaveLength(2);
  });

  it('a worker that dies fails visibly: held and later spans are counted and logged as export_failed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dutygate-worker-'));
    const crashing = join(dir, 'crashing-worker.mjs');
    // Dies after a moment, as a worker hitting a fatal error would: spans are held by then.
    await writeFile(crashing, "setTimeout(() => { throw new Error('worker crashed'); }, 200);\n");
    harness = startHarness('http://127.0.0.1:9', { maxQueueSize: 2048, maxExportBatchSize: 512, scheduleDelayMs: 5000, shutdownMs: 1000, workerUrl: pathToFileURL(crashing) });
    for (let i = 0; i < 3; i++) harness.tracer.startSpan('dutygate.check', { attributes: { 'dutygate.decision_id': `w-${i}` } }).end();
    await eventually(() => /dutygate_audit_spans_dropped_total\{reason="export_failed"\} 3/.test(metricsText), 5000, async () => (metricsText = await harness!.scrape()));
    harness.tracer.startSpan('dutygate.check', { attributes: { 'dutygate.decision_id': 'w-3' } }).end();
    await harness.processor.shutdown();
    expect(await harness.scrape()).toMatch(/dutygate_audit_spans_dropped_total\{reason="export_failed"\} 4/);
    expect(harness.logLines).toContainEqual(expect.objectContaining({ reason: 'export_failed', dropped: 4, first_decision_id: 'w-0', last_decision_id: 'w-3', err: 'worker crashed' }));
    await rm(dir, { recursive: true, force: true });
  });

  it('shutdown exports what is queued before it resolves', async () => {
    receiver = await startOtlpReceiver();
    // A schedule delay far past the test: only the shutdown flush can send these spans.
    harness = startHarness(receiver.url, { maxQueueSize: 2048, maxExportBatchSize: 512, scheduleDelayMs: 600_000, shutdownMs: 5000 });
    for (let i = 0; i < 50; i++) harness.tracer.startSpan('dutygate.check', { attributes: { 'dutygate.decision_id': `s-${i}` } }).end();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.spans).toHaveLength(0);
    await harness.processor.shutdown();
    expect(receiver.spans.map((span) => span.attributes['dutygate.decision_id'])).toEqual(Array.from({ length: 50 }, (_, i) => `s-${i}`));
    expect(await harness.scrape()).toMatch(/dutygate_audit_spans_dropped_total\{reason="shutdown"\} 0/);
    // A span ending after shutdown is not exported; it is counted.
    harness.tracer.startSpan('dutygate.check', { attributes: { 'dutygate.decision_id': 'late' } }).end();
    expect(await harness.scrape()).toMatch(/dutygate_audit_spans_dropped_total\{reason="shutdown"\} 1/);
  });
});
