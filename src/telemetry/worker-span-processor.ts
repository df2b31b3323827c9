import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Context } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { DECISION_ID, toCompactSpan, type CompactSpan } from './compact-span.js';
import type { DropEpisodes } from './drop-episodes.js';
import type { ExportWorkerData, FromExportWorker, ToExportWorker } from './export-messages.js';
import { ProtoWriter } from '../lib/proto-writer.js';
import type { DirectSpan, DirectSpanSink } from './direct-span.js';
import { encodeSpanField, encodeSpanFieldOfList } from './otlp-span-encoder.js';

/** Options of {@link WorkerSpanProcessor}. */
export interface WorkerSpanProcessorOptions {
  /** The worker's script (the compiled span-export-worker.js) and its batching settings. */
  readonly workerUrl: URL;
  readonly worker: ExportWorkerData;
  /**
   * Most spans held at once: ended and not yet reported exported by the worker (`OTEL_BSP_MAX_QUEUE_SIZE`).
   * Past it a span is dropped, counted and logged, never waited for: the Check path does not block on telemetry.
   */
  readonly maxQueueSize: number;
  /** Counting and logging of lost spans. */
  readonly drops: DropEpisodes;
  /** Longest shutdown() waits for the worker to export what is held; what is left is counted lost. */
  readonly shutdownMs: number;
}

/**
 * Spans are handed off every this many spans, or this long after the first one waiting.
 *
 * Plain copies (`http/json`) go in small posts, because `postMessage` clones them on the calling
 * thread and one big clone is a stall again. Encoded spans cross as one transferred buffer,
 * whatever its size, so for them the count hardly matters and the time sets the pace: each hand-off
 * wakes the worker, which on a shared core preempts the thread answering Envoy. At 465 Checks/s
 * (stop 29, alternating 4 s rounds, together with the decision log's 64 KiB writes) 50 ms instead
 * of 20 cut the main thread's preemptions from 221–284 to 87–139 a second and its wait for the
 * CPU in 7 of 9 rounds. Spans reach the worker up to 50 ms later; it exports every
 * `OTEL_BSP_SCHEDULE_DELAY` (5 s) anyway.
 */
const HANDOFF_COPIED_SPANS = 64;
const HANDOFF_ENCODED_SPANS = 512;
const HANDOFF_MS = 50;

/**
 * A span processor that exports off the event loop that answers Envoy. On span end it encodes
 * the span once, straight to its OTLP protobuf bytes (otlp-span-encoder.ts), into a buffer that
 * is transferred (not copied) to a `worker_threads` Worker every few dozen spans; the worker
 * frames them into export requests and sends them with the standard OTLP transport
 * (span-export-worker.ts). The Check thread pays for building and encoding the span, not for
 * cloning object graphs, batching or HTTP. (`http/json` is the exception: spans cross as plain
 * data, CompactSpan, and the standard JSON exporter encodes them in the worker.)
 *
 * The queue is bounded: a span that finds `maxQueueSize` spans held (the collector is down or
 * slow) is dropped, counted (`dutygate_audit_spans_dropped_total`) and named in the drop log,
 * as are spans the exporter gave up on. The decision log, not the span, is the record of truth.
 */
export class WorkerSpanProcessor implements SpanProcessor, DirectSpanSink {
  private readonly worker: Worker;
  private readonly scopes = new Map<string, number>();
  private lastScope: InstrumentationScope | undefined;
  private lastScopeIndex = 0;
  private resource: Resource | undefined;
  private resourceSent: Promise<void> | undefined;
  /** Spans waiting for the next hand-off: plain copies (`http/json`) … */
  private waiting: CompactSpan[] = [];
  /** … or encoded into `encoder`, span i ending at `encodedEnds[i]`, of scope `encodedScopes[i]`. */
  private readonly encoder: ProtoWriter | undefined;
  private encodedEnds: number[] = [];
  private encodedScopes: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  /**
   * Audit ids of the spans held (queued here or in the worker, not yet reported exported or
   * lost), oldest first from `head`: the worker exports in arrival order, so a report of `count`
   * spans done moves `head` by `count`, and a loss can name its first and last decision id.
   */
  private heldIds: string[] = [];
  private head = 0;
  private nextFlushId = 1;
  private readonly flushes = new Map<number, () => void>();
  private failed: Error | undefined;
  private closed = false;

  constructor(private readonly options: WorkerSpanProcessorOptions) {
    if (!existsSync(options.workerUrl)) throw new Error(`the span-export worker is missing: ${options.workerUrl.pathname} (run npm run build)`);
    this.encoder = options.worker.protocol === 'http/json' ? undefined : new ProtoWriter();
    this.worker = new Worker(options.workerUrl, { workerData: options.worker });
    // The worker must not keep a stopping process alive; shutdown() flushes it explicitly.
    this.worker.unref();
    this.worker.on('message', (message: FromExportWorker) => this.onWorkerMessage(message));
    this.worker.on('error', (error) => this.fail(error));
    // An exit before shutdown() terminated it is a crash too (an 'error' may or may not precede it).
    this.worker.on('exit', (code) => {
      if (!this.closed) this.fail(new Error(`the span-export worker exited (code ${code})`));
    });
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & 1) === 0) return;
    if (!this.admit(auditIdOfSpan(span))) return;
    const scope = this.scopeIndex(span.instrumentationScope);
    this.resource ??= span.resource;
    let waiting: number;
    if (this.encoder) {
      encodeSpanField(this.encoder, span);
      this.encodedEnds.push(this.encoder.pos);
      waiting = this.encodedScopes.push(scope);
    } else {
      waiting = this.waiting.push(toCompactSpan(span, scope));
    }
    this.waitingGrew(waiting);
  }

  /**
   * Whether {@link onEndDirect} can take spans: they are encoded to protobuf (not `http/json`),
   * and the resource is known — learned from the first span the SDK ended, since the resource
   * (detected by the NodeSDK) reaches a processor only on the SDK's spans.
   */
  get takesDirectSpans(): boolean {
    return this.encoder !== undefined && this.resource !== undefined;
  }

  /** Ends a span built without the SDK (direct-span.ts): admitted, encoded and handed off as {@link onEnd} does. */
  onEndDirect(span: DirectSpan): void {
    const encoder = this.encoder;
    if (!encoder) throw new Error('direct spans need the protobuf encoding');
    const at = span.keys.indexOf(DECISION_ID);
    const decisionId = at < 0 ? undefined : span.values[at];
    if (!this.admit(typeof decisionId === 'string' ? decisionId : `span:${span.spanContext().spanId}`)) return;
    const scope = this.scopeIndex(span.instrumentationScope);
    encodeSpanFieldOfList(encoder, span, span.keys, span.values);
    this.encodedEnds.push(encoder.pos);
    this.waitingGrew(this.encodedScopes.push(scope));
  }

  /** Counts `id`'s span in (true) or lost (false: shut down, worker failed, queue full). */
  private admit(id: string): boolean {
    if (this.closed || this.failed) {
      this.options.drops.dropped(this.closed ? 'shutdown' : 'export_failed', 1, id, id);
      return false;
    }
    if (this.heldIds.length - this.head >= this.options.maxQueueSize) {
      this.options.drops.dropped('queue_full', 1, id, id);
      return false;
    }
    this.options.drops.accepted();
    this.heldIds.push(id);
    return true;
  }

  /** Hands off at {@link HANDOFF_ENCODED_SPANS} (or {@link HANDOFF_COPIED_SPANS}) waiting, else within {@link HANDOFF_MS}. */
  private waitingGrew(waiting: number): void {
    if (waiting >= (this.encoder ? HANDOFF_ENCODED_SPANS : HANDOFF_COPIED_SPANS)) void this.handOff();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.handOff(), HANDOFF_MS);
      this.timer.unref();
    }
  }

  /** Hands every waiting span to the worker and resolves once the worker exported them. */
  async forceFlush(): Promise<void> {
    await this.handOff();
    if (this.failed) return;
    const id = this.nextFlushId++;
    const flushed = new Promise<void>((resolve) => this.flushes.set(id, resolve));
    this.post({ type: 'flush', id });
    await flushed;
  }

  /**
   * Exports what is held, within `shutdownMs`; spans still held then are counted lost
   * (`shutdown`) and logged, so a SIGTERM loses nothing silently. Spans ending later are dropped.
   */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handOff();
    if (!this.failed) {
      const id = this.nextFlushId++;
      const flushed = new Promise<void>((resolve) => this.flushes.set(id, resolve));
      this.post({ type: 'shutdown', id });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.shutdownMs)));
      await Promise.race([flushed, timedOut]);
      clearTimeout(timer);
    }
    this.loseHeld('shutdown');
    this.options.drops.close();
    await this.worker.terminate();
  }

  private scopeIndex(scope: InstrumentationScope): number {
    // A tracer keeps one scope object: the common case is the scope of the span before.
    if (scope === this.lastScope) return this.lastScopeIndex;
    const key = `${scope.name}@${scope.version ?? ''}:${scope.schemaUrl ?? ''}`;
    let index = this.scopes.get(key);
    if (index === undefined) {
      index = this.scopes.size;
      this.scopes.set(key, index);
      // Posted at once so that it precedes every span batch naming it (the port is FIFO).
      this.post({ type: 'scope', index, scope: { name: scope.name, ...(scope.version ? { version: scope.version } : {}), ...(scope.schemaUrl ? { schemaUrl: scope.schemaUrl } : {}) } });
    }
    this.lastScope = scope;
    this.lastScopeIndex = index;
    return index;
  }

  private handOff(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const resource = this.resource;
    if ((this.waiting.length === 0 && this.encodedEnds.length === 0) || !resource) return this.resourceSent ?? Promise.resolve();
    // The resource goes first, once, after its asynchronously detected attributes settled.
    this.resourceSent ??= (async () => {
      // A detector that failed leaves its attributes out (the SDK logs it); the spans still go.
      await resource.waitForAsyncAttributes?.().catch(() => undefined);
      this.post({ type: 'resource', resource: { attributes: resource.attributes, ...(resource.schemaUrl ? { schemaUrl: resource.schemaUrl } : {}) } });
    })();
    const message = this.takeWaiting();
    return this.resourceSent.then(() => this.post(message));
  }

  /** The waiting spans as one message (emptying the wait), encoded or plain. */
  private takeWaiting(): ToExportWorker {
    if (!this.encoder) {
      const spans = this.waiting;
      this.waiting = [];
      return { type: 'spans', spans };
    }
    const message = { type: 'encoded', bytes: this.encoder.bytes(), ends: Uint32Array.from(this.encodedEnds), scopes: Uint16Array.from(this.encodedScopes) } as const;
    this.encoder.reset();
    this.encodedEnds = [];
    this.encodedScopes = [];
    return message;
  }

  private post(message: ToExportWorker): void {
    // Encoded spans are transferred: their buffers are this message's alone.
    if (message.type === 'encoded') this.worker.postMessage(message, [message.bytes.buffer as ArrayBuffer, message.ends.buffer as ArrayBuffer, message.scopes.buffer as ArrayBuffer]);
    else this.worker.postMessage(message);
  }

  private onWorkerMessage(message: FromExportWorker): void {
    if (message.type === 'flushed') {
      this.flushes.get(message.id)?.();
      this.flushes.delete(message.id);
      return;
    }
    const done = this.heldIds.slice(this.head, this.head + message.count);
    this.head += done.length;
    // Compacted now and then rather than shifted per report (shift is linear in the array).
    if (this.head >= 1024 && this.head * 2 >= this.heldIds.length) {
      this.heldIds = this.heldIds.slice(this.head);
      this.head = 0;
    }
    if (!message.ok) this.options.drops.dropped('export_failed', message.count, done[0] ?? 'unknown', done[done.length - 1] ?? 'unknown', message.error);
  }

  /** The worker is gone: fail visibly — every span held is lost, and so is every later one (export_failed). */
  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = error;
    this.loseHeld('export_failed', error.message);
    for (const resolve of this.flushes.values()) resolve();
    this.flushes.clear();
  }

  /** Counts every span still held as lost (the worker died, or shutdown ran out of time). */
  private loseHeld(reason: 'export_failed' | 'shutdown', error?: string): void {
    const count = this.heldIds.length - this.head;
    if (count === 0) return;
    this.options.drops.dropped(reason, count, this.heldIds[this.head] ?? 'unknown', this.heldIds[this.heldIds.length - 1] ?? 'unknown', error);
    this.heldIds = [];
    this.head = 0;
    this.waiting = [];
    this.encoder?.reset();
    this.encodedEnds = [];
    this.encodedScopes = [];
  }
}

/** The decision id a span audits, else its span id (checkpoint spans have no decision). */
function auditIdOfSpan(span: ReadableSpan): string {
  const id = span.attributes[DECISION_ID];
  return typeof id === 'string' ? id : `span:${span.spanContext().spanId}`;
}
