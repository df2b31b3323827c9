/**
 * The span-export worker (a `worker_threads` Worker started by WorkerSpanProcessor): exports the
 * spans the Check thread posts with the standard OTLP exporter's transport, so compression, HTTP
 * and retries run on this thread instead of the event loop that answers Envoy. For the protobuf
 * protocols the spans arrive encoded (the Check thread encodes each as it ends, once) and this
 * thread only frames them into a request; for `http/json` they arrive as plain data and the
 * standard JSON exporter encodes them here. Batches like the SDK's BatchSpanProcessor (`maxExportBatchSize` spans, or
 * `scheduleDelayMs` after the oldest span arrived), one export at a time, and reports every
 * export's outcome back so that lost spans are counted and named on the Check thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ExportResultCode, type InstrumentationScope } from '@opentelemetry/core';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { fromCompactSpan, type CompactSpan } from './compact-span.js';
import { createEncodedOtlpExporter } from './encoded-otlp-exporter.js';
import type { ExportWorkerData, FromExportWorker, ToExportWorker } from './export-messages.js';
import { createOtlpExporter } from './otlp-exporter-from-env.js';
import { ProtoWriter } from '../lib/proto-writer.js';
import { encodeTraceRequest, type ScopeSpanBytes } from './otlp-span-encoder.js';

const port = parentPort;
if (!port) throw new Error('span-export-worker runs as a worker thread');
const settings = workerData as ExportWorkerData;
// One of the two, by protocol: the JSON exporter encodes plain spans, the other sends encoded requests.
const plainExporter = settings.protocol === 'http/json' ? createOtlpExporter(settings.protocol) : undefined;
const encodedExporter = settings.protocol === 'http/json' ? undefined : createEncodedOtlpExporter(settings.protocol);
const requestWriter = new ProtoWriter(1 << 20);

/** A span as it waits here: its scope and its encoded `ScopeSpans.spans` field. */
interface EncodedSpan {
  readonly scope: number;
  readonly bytes: Uint8Array;
}

let resource: Resource = resourceFromAttributes({});
const scopes: InstrumentationScope[] = [];
let buffered: (CompactSpan | EncodedSpan)[] = [];
let exporting = false;
let timer: NodeJS.Timeout | undefined;
/** Flush requests waiting for the buffer (as it was when they arrived) to be exported. */
const flushes: { readonly id: number; readonly shutdown: boolean }[] = [];

const send = (message: FromExportWorker): void => port.postMessage(message);

port.on('message', (message: ToExportWorker) => {
  switch (message.type) {
    case 'resource':
      resource = resourceFromAttributes(message.resource.attributes, message.resource.schemaUrl ? { schemaUrl: message.resource.schemaUrl } : {});
      return;
    case 'scope':
      scopes[message.index] = message.scope;
      return;
    case 'spans':
      for (const span of message.spans) buffered.push(span);
      arrived();
      return;
    case 'encoded': {
      let start = 0;
      for (let i = 0; i < message.ends.length; i++) {
        const end = message.ends[i] as number;
        buffered.push({ scope: message.scopes[i] as number, bytes: message.bytes.subarray(start, end) });
        start = end;
      }
      arrived();
      return;
    }
    case 'flush':
    case 'shutdown':
      flushes.push({ id: message.id, shutdown: message.type === 'shutdown' });
      void pump();
      return;
  }
});

function arrived(): void {
  if (buffered.length >= settings.maxExportBatchSize) void pump();
  else schedule();
}

/** Exports full batches (or everything, when a flush or the schedule delay asks) one at a time. */
async function pump(): Promise<void> {
  if (exporting) return;
  exporting = true;
  clearTimeout(timer);
  timer = undefined;
  try {
    // The first pass exports whatever is buffered (the delay elapsed, or a flush came); later
    // passes only full batches that arrived during an export, unless a flush is waiting.
    let drainAll = true;
    while (buffered.length > 0 && (drainAll || flushes.length > 0 || buffered.length >= settings.maxExportBatchSize)) {
      const batch = buffered.slice(0, settings.maxExportBatchSize);
      buffered = buffered.slice(batch.length);
      await exportBatch(batch);
      drainAll = false;
    }
  } finally {
    exporting = false;
  }
  if (buffered.length > 0) schedule();
  else await answerFlushes();
}

/** Exports the buffer `scheduleDelayMs` from now, unless a pump is due already. */
function schedule(): void {
  timer ??= setTimeout(() => {
    // Cleared first: a pump that finds an export running returns, and the running one re-schedules.
    timer = undefined;
    void pump();
  }, settings.scheduleDelayMs);
}

async function exportBatch(batch: readonly (CompactSpan | EncodedSpan)[]): Promise<void> {
  let result: { code: ExportResultCode; error?: Error };
  try {
    if (encodedExporter) {
      const bytes = encodeTraceRequest(resourceForEncoding(), byScope(batch as readonly EncodedSpan[]), requestWriter);
      result = await new Promise((resolve) => encodedExporter.export({ bytes, spans: batch.length }, resolve));
    } else {
      const spans: ReadableSpan[] = (batch as readonly CompactSpan[]).map((span) => fromCompactSpan(span, resource, scopes));
      result = await new Promise((resolve) => plainExporter?.export(spans, resolve));
    }
  } catch (error) {
    report(batch, false, error);
    return;
  }
  report(batch, result.code === ExportResultCode.SUCCESS, result.error);
}

function resourceForEncoding() {
  return { attributes: resource.attributes, ...(resource.schemaUrl ? { schemaUrl: resource.schemaUrl } : {}) };
}

/** The batch's spans grouped by scope, each group in arrival order (as the standard serializer groups them). */
function byScope(batch: readonly EncodedSpan[]): ScopeSpanBytes[] {
  const groups = new Map<number, Uint8Array[]>();
  for (const span of batch) {
    const group = groups.get(span.scope);
    if (group) group.push(span.bytes);
    else groups.set(span.scope, [span.bytes]);
  }
  return [...groups].map(([index, spans]) => {
    const scope = scopes[index];
    if (!scope) throw new Error(`a span names unknown instrumentation scope ${index}`);
    return { scope, spans };
  });
}

function report(batch: readonly unknown[], ok: boolean, error: unknown): void {
  if (ok) send({ type: 'exported', count: batch.length, ok: true });
  else send({ type: 'exported', count: batch.length, ok: false, error: error instanceof Error ? error.message : error === undefined ? 'export failed' : JSON.stringify(error) });
}

async function answerFlushes(): Promise<void> {
  for (const flush of flushes.splice(0)) {
    if (flush.shutdown) await (encodedExporter ?? plainExporter)?.shutdown().catch(() => undefined);
    send({ type: 'flushed', id: flush.id });
  }
}
