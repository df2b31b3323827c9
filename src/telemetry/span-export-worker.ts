/**
 * The span-export worker (a `worker_threads` Worker started by WorkerSpanProcessor): rebuilds
 * the spans the Check thread posts and exports them with the standard OTLP exporter, so OTLP
 * encoding, compression and HTTP run on this thread instead of the event loop that answers
 * Envoy. Batches like the SDK's BatchSpanProcessor (`maxExportBatchSize` spans, or
 * `scheduleDelayMs` after the oldest span arrived), one export at a time, and reports every
 * export's outcome back so that lost spans are counted and named on the Check thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ExportResultCode, type InstrumentationScope } from '@opentelemetry/core';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { fromCompactSpan, type CompactSpan } from './compact-span.js';
import type { ExportWorkerData, FromExportWorker, ToExportWorker } from './export-messages.js';
import { createOtlpExporter } from './otlp-exporter-from-env.js';

const port = parentPort;
if (!port) throw new Error('span-export-worker runs as a worker thread');
const settings = workerData as ExportWorkerData;
const exporter = createOtlpExporter(settings.protocol);

let resource: Resource = resourceFromAttributes({});
const scopes: InstrumentationScope[] = [];
let buffered: CompactSpan[] = [];
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
      if (buffered.length >= settings.maxExportBatchSize) void pump();
      else schedule();
      return;
    case 'flush':
    case 'shutdown':
      flushes.push({ id: message.id, shutdown: message.type === 'shutdown' });
      void pump();
      return;
  }
});

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

async function exportBatch(batch: readonly CompactSpan[]): Promise<void> {
  let spans: ReadableSpan[];
  try {
    spans = batch.map((span) => fromCompactSpan(span, resource, scopes));
  } catch (error) {
    report(batch, false, error);
    return;
  }
  const result = await new Promise<{ code: ExportResultCode; error?: Error }>((resolve) => exporter.export(spans, resolve));
  report(batch, result.code === ExportResultCode.SUCCESS, result.error);
}

function report(batch: readonly CompactSpan[], ok: boolean, error: unknown): void {
  if (ok) send({ type: 'exported', count: batch.length, ok: true });
  else send({ type: 'exported', count: batch.length, ok: false, error: error instanceof Error ? error.message : error === undefined ? 'export failed' : JSON.stringify(error) });
}

async function answerFlushes(): Promise<void> {
  for (const flush of flushes.splice(0)) {
    if (flush.shutdown) await exporter.shutdown().catch(() => undefined);
    send({ type: 'flushed', id: flush.id });
  }
}
