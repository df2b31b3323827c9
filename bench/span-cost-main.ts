/**
 * `node dist-bench/bench/span-cost-main.js [spans]` (after `npm run build` and the bench build):
 * what one `dutygate.check` span costs the thread that answers Envoy, export included, with the
 * SDK's BatchSpanProcessor + OTLP/HTTP protobuf exporter on that thread (as before issue 14)
 * against the WorkerSpanProcessor (export on a worker thread), each with and without the 1 KB
 * canonical record on the span. Spans carry a check span's attributes and go to the bench's OTLP
 * sink (a child process). Bytes per span are those of a 512-span OTLP protobuf export request
 * (what the exporter sends, before any compression), with and without the record.
 *
 * Main-thread CPU (from /proc: the thread that would answer Envoy) and process CPU (every thread:
 * the worker, V8's helpers) over ending the spans and flushing them, per span. CPU time rather
 * than wall time, since other processes' load inflates the latter; variants are interleaved
 * round by round, each with one processor (and worker) kept across rounds, as a gate keeps one.
 * Informative (no exit code for numbers).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createDropEpisodes } from '../src/telemetry/drop-episodes.js';
import { WorkerSpanProcessor } from '../src/telemetry/worker-span-processor.js';
import { ownCpuSeconds, readMainThreadCpuSeconds } from './measure/proc-stats.js';
import { spread } from './measure/stats.js';
import { BENCH_DIST_DIR, REPO_ROOT } from './repo-paths.js';

const spansPerRound = Number(process.argv[2] ?? 20_000);
const ROUNDS = 5;

const sink = spawn(process.execPath, [join(BENCH_DIST_DIR, 'servers', 'otlp-sink.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
const lines = createInterface({ input: sink.stdout })[Symbol.asyncIterator]();
const port = (JSON.parse(String((await lines.next()).value)) as { port: number }).port;
process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = `http://127.0.0.1:${port}/v1/traces`;

// A canonical decision record of the bench's size (about 1 KB), and a check span's attributes.
const record = JSON.stringify({ v: 1, decision_id: '0'.repeat(36), at: new Date(0).toISOString(), agent: { id: 'finance-a', chain: ['planner'], initiator: 'sso:carol' }, tool: { name: 'payments.create', params_sha256: 'f'.repeat(64) }, decision: 'allow', code: 'OK', rule: 'finance-payments', policy_version: 'sha256:'.padEnd(71, 'a'), duties: { enforced: ['initiate'], conflicts: [] }, request: { method: 'POST', host: 'payments.internal', path: '/payments' }, pad: 'x'.repeat(420) });
const attributesOf = (i: number, withRecord: boolean) => ({
  'rpc.system': 'grpc', 'rpc.service': 'envoy.service.auth.v3.Authorization', 'rpc.method': 'Check',
  'dutygate.decision_id': `d-${i}`, 'dutygate.decision': 'allow', 'dutygate.code': 'OK', 'dutygate.rule_id': 'finance-payments', 'dutygate.shadow': false,
  'dutygate.policy_version': 'sha256:abc', 'agent.id': 'finance-a', 'agent.chain': ['planner'], 'gen_ai.agent.id': 'finance-a', 'gen_ai.tool.name': 'payments.create',
  'http.request.method': 'POST', 'server.address': 'payments.internal', 'url.path': '/payments', 'dutygate.params_sha256': 'f'.repeat(64),
  'dutygate.audit.seq': i, 'dutygate.audit.hash': 'a'.repeat(64), 'dutygate.audit.prev_hash': 'b'.repeat(64),
  ...(withRecord ? { 'dutygate.audit.record': record } : {}),
});

interface Variant { readonly label: string; readonly record: boolean; readonly make: () => SpanProcessor; mainUs: number[]; cpuUs: number[]; started?: { processor: SpanProcessor; provider: BasicTracerProvider } }
const workerUrl = pathToFileURL(join(REPO_ROOT, 'dist', 'telemetry', 'span-export-worker.js'));
const worker = () => new WorkerSpanProcessor({ workerUrl, worker: { protocol: 'http/protobuf', maxExportBatchSize: 512, scheduleDelayMs: 5000 }, maxQueueSize: spansPerRound * 2, drops: createDropEpisodes({ logger: console, onDropped: () => undefined }), shutdownMs: 10_000 });
const batch = () => new BatchSpanProcessor(new OTLPTraceExporter(), { maxQueueSize: spansPerRound * 2 });
const variants: Variant[] = [
  { label: 'BatchSpanProcessor + OTLP exporter on the Check thread, with the record', record: true, make: batch, mainUs: [], cpuUs: [] },
  { label: 'worker export, with the record', record: true, make: worker, mainUs: [], cpuUs: [] },
  { label: 'BatchSpanProcessor + OTLP exporter on the Check thread, record off', record: false, make: batch, mainUs: [], cpuUs: [] },
  { label: 'worker export, record off (hash only)', record: false, make: worker, mainUs: [], cpuUs: [] },
];

async function round(variant: Variant, count: number, offset: number): Promise<{ mainUs: number; cpuUs: number }> {
  if (!variant.started) {
    const processor = variant.make();
    variant.started = { processor, provider: new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'dutygate-bench' }), spanProcessors: [processor] }) };
  }
  const { processor, provider } = variant.started;
  const tracer = provider.getTracer('dutygate');
  const main = readMainThreadCpuSeconds(process.pid) ?? Number.NaN;
  const cpu = ownCpuSeconds();
  for (let i = 0; i < count; i++) {
    tracer.startSpan('dutygate.check', { kind: SpanKind.SERVER, attributes: attributesOf(offset + i, variant.record) }).end();
    // Yield now and then, as a gate between Checks does, so that timers and hand-offs run.
    if (i % 64 === 63) await new Promise((resolve) => setImmediate(resolve));
  }
  await processor.forceFlush();
  const mainUsed = (readMainThreadCpuSeconds(process.pid) ?? Number.NaN) - main;
  const cpuUsed = ownCpuSeconds() - cpu;
  return { mainUs: (mainUsed * 1e6) / count, cpuUs: (cpuUsed * 1e6) / count };
}

/** Protobuf bytes per span of a full export batch. */
function bytesPerSpan(withRecord: boolean): number {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'dutygate-bench' }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('dutygate');
  for (let i = 0; i < 512; i++) tracer.startSpan('dutygate.check', { kind: SpanKind.SERVER, attributes: attributesOf(i, withRecord) }).end();
  return (ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans())?.length ?? Number.NaN) / 512;
}

let offset = 0;
for (const variant of variants) {
  await round(variant, 2000, offset);
  offset += 2000;
}
for (let r = 0; r < ROUNDS; r++) {
  for (const variant of variants) {
    const { mainUs, cpuUs } = await round(variant, spansPerRound, offset);
    offset += spansPerRound;
    variant.mainUs.push(mainUs);
    variant.cpuUs.push(cpuUs);
  }
}
for (const variant of variants) await variant.started?.provider.shutdown();
sink.kill('SIGTERM');
const tally = JSON.parse(String((await lines.next()).value)) as { requests: number; bytes: number; checkSpans: number };
const out = ['| span processor | main-thread µs per span (min–max) | process CPU µs per span (min–max) |', '|---|---|---|'];
for (const variant of variants) {
  const main = spread(variant.mainUs);
  const cpu = spread(variant.cpuUs);
  out.push(`| ${variant.label} | ${main.median.toFixed(1)} (${main.min.toFixed(1)}–${main.max.toFixed(1)}) | ${cpu.median.toFixed(1)} (${cpu.min.toFixed(1)}–${cpu.max.toFixed(1)}) |`);
}
out.push('', `Bytes per span in a 512-span OTLP protobuf request: ${Math.round(bytesPerSpan(true))} with the record, ${Math.round(bytesPerSpan(false))} without.`);
out.push(`Sink: ${tally.checkSpans} spans of ${offset} ended, ${tally.bytes} bytes in ${tally.requests} requests.`);
process.stdout.write(`${out.join('\n')}\n`);
