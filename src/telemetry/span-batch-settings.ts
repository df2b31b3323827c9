/** How spans are queued and batched (the `OTEL_BSP_*` variables, with the OpenTelemetry defaults). */
export interface SpanBatchSettings {
  /** `OTEL_BSP_MAX_QUEUE_SIZE` (2048): spans held before new ones are dropped and counted. */
  readonly maxQueueSize: number;
  /** `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` (512): spans per export request. */
  readonly maxExportBatchSize: number;
  /** `OTEL_BSP_SCHEDULE_DELAY` (5000 ms): longest a span waits for its batch to fill. */
  readonly scheduleDelayMs: number;
}

/** The OpenTelemetry defaults of the batch span processor. */
export const DEFAULT_SPAN_BATCH: SpanBatchSettings = Object.freeze({ maxQueueSize: 2048, maxExportBatchSize: 512, scheduleDelayMs: 5000 });
