import { ROOT_CONTEXT, SpanKind, type Tracer } from '@opentelemetry/api';
import type { CheckpointRecord } from '../audit/checkpoint.js';

/**
 * Emits one `dutygate.audit.checkpoint` span (a root span: a checkpoint belongs to no request)
 * carrying the signed checkpoint, so a trace backend alone holds the heads the gate attested
 * and an auditor can verify an exported log against them without the decision log's copy.
 */
export function emitCheckpointSpan(tracer: Tracer | undefined, checkpoint: CheckpointRecord, atMs: number): void {
  if (!tracer) return;
  const span = tracer.startSpan('dutygate.audit.checkpoint', { kind: SpanKind.INTERNAL, startTime: atMs, root: true }, ROOT_CONTEXT);
  span.setAttributes({
    'dutygate.audit.seq': checkpoint.seq,
    'dutygate.audit.hash': checkpoint.hash,
    'dutygate.audit.checkpoint.time': checkpoint.time,
    'dutygate.audit.checkpoint.reason': checkpoint.reason,
    'dutygate.audit.checkpoint.jws': checkpoint.jws,
    ...(checkpoint.policy_version === null ? {} : { 'dutygate.policy_version': checkpoint.policy_version }),
    ...(checkpoint.kid === null ? {} : { 'dutygate.audit.checkpoint.kid': checkpoint.kid }),
  });
  span.end(atMs);
}
