import type { InstrumentationScope } from '@opentelemetry/core';
import type { CompactResource, CompactSpan } from './compact-span.js';
import type { OtlpProtocol } from './otlp-protocol.js';

/**
 * What the Check thread posts to the span-export worker. Messages arrive in the order posted
 * (a MessagePort is FIFO), so the resource and each scope reach the worker before any span
 * that refers to them.
 */
export type ToExportWorker =
  | { readonly type: 'resource'; readonly resource: CompactResource }
  | { readonly type: 'scope'; readonly index: number; readonly scope: InstrumentationScope }
  /** Spans as plain data (the `http/json` protocol: the worker's exporter encodes them). */
  | { readonly type: 'spans'; readonly spans: readonly CompactSpan[] }
  /**
   * Spans already encoded as OTLP protobuf `ScopeSpans.spans` fields (otlp-span-encoder.ts), back
   * to back in `bytes` (transferred, not copied): span `i` ends at `ends[i]` and belongs to scope `scopes[i]`.
   */
  | { readonly type: 'encoded'; readonly bytes: Uint8Array; readonly ends: Uint32Array; readonly scopes: Uint16Array }
  /** Export everything received so far, then answer `flushed` with the same id. */
  | { readonly type: 'flush'; readonly id: number }
  /** Flush, shut the exporter down, answer `flushed`. */
  | { readonly type: 'shutdown'; readonly id: number };

/** What the worker answers. */
export type FromExportWorker =
  /**
   * One export finished: `count` spans left the worker's hands. When `ok` is false they are
   * lost (the exporter gave up after its retries). The worker exports in arrival order, so the
   * Check thread knows which spans these were.
   */
  | { readonly type: 'exported'; readonly count: number; readonly ok: boolean; readonly error?: string }
  | { readonly type: 'flushed'; readonly id: number };

/** Batching settings of the worker (the `OTEL_BSP_*` meanings). */
export interface ExportWorkerData {
  /** The OTLP protocol (`http/protobuf`, `http/json`, `grpc`), checked on the Check thread at start-up. */
  readonly protocol: OtlpProtocol;
  /** Spans per export request (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`). */
  readonly maxExportBatchSize: number;
  /** Longest a span waits in the worker for its batch to fill (`OTEL_BSP_SCHEDULE_DELAY`). */
  readonly scheduleDelayMs: number;
}
