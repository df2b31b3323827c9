import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { AuditRecorder } from '../audit/audit-recorder.js';
import { buildDecisionRecord } from '../audit/build-decision-record.js';
import { canonicalRecord } from '../audit/canonical-record.js';
import type { CheckOutcome } from '../check/outcome.js';
import type { Logger } from '../log/logger.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import type { HttpRequest } from '../request/http-request.js';
import type { CheckFunction, FallbackDenyListener } from '../check/check-function.js';
import { markOutcome, setCheckAttributes } from './check-attributes.js';
import type { Telemetry } from './telemetry.js';
import { recordedWithin } from './stamp-wait.js';
import { createAfterAnswerQueue } from '../lib/after-answer-queue.js';
import { headersOf, parentOf } from './trace-context.js';

/** Options of {@link createCheckAudit}. */
export interface CheckAuditOptions {
  readonly telemetry: Telemetry;
  readonly recorder: Pick<AuditRecorder, 'record'>;
  /** The policy in force (for `record_params`). */
  readonly policy: () => CompiledPolicy | undefined;
  readonly aliases: Readonly<Record<string, string>>;
  readonly logger: Logger;
  /** Milliseconds since the epoch: the gate's clock, so records agree with token checks. */
  readonly now?: () => number;
  /**
   * Put the canonical record on the span (`audit.span_record`; default false: the span carries
   * its chain link, seq and hash, and the decision log the record, docs/design.md §7).
   */
  readonly spanRecord?: boolean;
}

/** The audit of every Check: span, metrics, decision record and chain link. */
export interface CheckAudit {
  /** The interceptor: `(next) => async (request, context) => …`. */
  readonly wrap: (next: CheckFunction) => CheckFunction;
  /** Audits the denies the gRPC transport made itself (unparsable request, missed deadline). */
  readonly onFallbackDeny: FallbackDenyListener;
  /** The `dutygate.check` span of the Check in flight with this decision id, if any. */
  readonly checkSpan: (decisionId: string | undefined) => Span | undefined;
  /** Resolves once every answered Check has its record written and its span ended. */
  readonly drain: () => Promise<void>;
}

/** The adapter attribute of a Check that came through the AuthZEN PDP. */
const VIA_AUTHZEN = Object.freeze({ 'dutygate.via': 'authzen' });

/** Used when the transport could not even parse the request. */
const UNPARSED: HttpRequest = { method: '', host: '', path: '', query: '', headers: new Map(), body: undefined, bodyTruncated: false, contextExtensions: {} };

/**
 * Creates the Check audit. On the answer path it only starts the span (child of the agent's
 * trace) and reads the clock; building the record, hashing params, the chain append, the
 * metrics and the span end run once the answer is on the wire, trailers included (two turns of
 * the event loop later: after-answer-queue.ts). The span's end time is the answer time, not the append time.
 *
 * Why append after answering: the chain append is a state-store round trip (Redis) that would
 * add its latency to every agent tool call. The record is not lost by answering first: the
 * store that just claimed the token's jti is the one appended to, an append the store did not
 * take waits in order and is retried until it lands (docs/design.md §7; past
 * `audit.chain_buffer` the line is written unchained, counted and alarmed), and shutdown drains
 * pending appends before closing the store. The window left is a crash between answer and append, which loses that record's
 * span and line alike; `audit verify` sees only a clean end of log there.
 */
export function createCheckAudit(options: CheckAuditOptions): CheckAudit {
  const { telemetry, recorder, logger } = options;
  const now = options.now ?? Date.now;
  const tracer = telemetry.tracer;
  const directSpans = telemetry.directSpans;
  const spanRecord = options.spanRecord ?? false;
  // Checks in flight by the decision id assigned up front, so that approval events raised inside
  // a Check (created, override redeemed, break-glass used) find their parent span. A map rather
  // than AsyncLocalStorage, whose promise hooks would slow every promise of the process (Node 20).
  const inFlight = new Map<string, Span>();

  const finish = async (request: HttpRequest, outcome: CheckOutcome, startedAtMs: number, seconds: number | undefined, span: Span | undefined, answeredAt: number) => {
    const spanContext = span?.spanContext();
    const record = buildDecisionRecord({
      outcome,
      request,
      startedAtMs,
      policy: options.policy(),
      aliases: options.aliases,
      ...(spanContext ? { traceId: spanContext.traceId, spanId: spanContext.spanId } : {}),
    });
    telemetry.metrics?.recordCheck(outcome, seconds);
    if (span) {
      setCheckAttributes(span, outcome, record);
      markOutcome(span, outcome, record);
    }
    const recording = recorder.record(record);
    if (span) {
      const recorded = await recordedWithin(recording);
      const stamp = recorded?.stamp;
      if (stamp) span.setAttributes({ 'dutygate.audit.seq': stamp.seq, 'dutygate.audit.hash': stamp.hash, 'dutygate.audit.prev_hash': stamp.prev_hash });
      if (!recorded) span.setAttribute('dutygate.audit.chain_pending', true);
      if (spanRecord) span.setAttribute('dutygate.audit.record', recorded?.canonical ?? canonicalRecord(record));
      span.end(answeredAt);
    }
    // Drained at shutdown with the rest: the line is written once the record is chained.
    await recording;
  };

  // Audits wait until the answers of their turn are on the wire (after-answer-queue.ts), then
  // run in order, one setImmediate per turn rather than one (and a promise) per Check.
  let outstanding = 0;
  const drained: (() => void)[] = [];
  const settled = (): void => {
    if (--outstanding > 0) return;
    for (const resolve of drained.splice(0)) resolve();
  };
  const failed = (error: unknown): void => {
    logger.error({ err: error instanceof Error ? error.message : String(error) }, 'check audit failed');
    settled();
  };
  // A work that threw before its promise existed was never settled: `failed` logs and settles it.
  const afterAnswer = createAfterAnswerQueue<() => Promise<void>>((work) => void work().then(settled, failed), failed);
  const later = (work: () => Promise<void>): void => {
    outstanding++;
    afterAnswer.add(work);
  };

  return {
    wrap(next) {
      return async (request, context) => {
        const startedAtMs = now();
        const t0 = performance.now();
        if (!tracer) {
          const outcome = await next(request, context);
          const seconds = (performance.now() - t0) / 1000;
          later(() => finish(request, outcome, startedAtMs, seconds, undefined, 0));
          return outcome;
        }
        // The RPC attributes at the start (the conventions mark them sampling-relevant); an
        // AuthZEN evaluation is an HTTP call of another API, not the ext_authz RPC.
        const attributes = context.via === 'authzen' ? VIA_AUTHZEN : telemetry.rpcAttributes;
        const parent = parentOf(request.headers, context);
        const span = directSpans?.start('dutygate.check', SpanKind.SERVER, attributes, parent) ?? tracer.startSpan('dutygate.check', { kind: SpanKind.SERVER, attributes }, parent);
        const decisionId = context.decisionId ?? randomUUID();
        // Downstream (approvals) sees the check span as the trace to continue or link to.
        const downstream = { ...context, ...headersOf(span.spanContext()), decisionId };
        inFlight.set(decisionId, span);
        let outcome: CheckOutcome;
        try {
          outcome = await next(request, downstream);
        } catch (error) {
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({ code: SpanStatusCode.ERROR, message: 'check pipeline threw' });
          span.end();
          throw error;
        } finally {
          inFlight.delete(decisionId);
        }
        const answeredAt = performance.timeOrigin + performance.now();
        const seconds = (performance.now() - t0) / 1000;
        later(() => finish(request, outcome, startedAtMs, seconds, span, answeredAt));
        return outcome;
      };
    },
    onFallbackDeny(outcome) {
      const startedAtMs = now();
      const span = tracer?.startSpan('dutygate.check', { kind: SpanKind.SERVER, attributes: telemetry.rpcAttributes });
      later(() => finish(UNPARSED, outcome, startedAtMs, undefined, span, performance.timeOrigin + performance.now()));
    },
    checkSpan: (decisionId) => (decisionId === undefined ? undefined : inFlight.get(decisionId)),
    async drain() {
      while (outstanding > 0) await new Promise<void>((resolve) => drained.push(resolve));
    },
  };
}

/** The span context of `span` when it is a real (valid) one. */
export function validSpanContext(span: Span | undefined) {
  const context = span?.spanContext();
  return context && trace.isSpanContextValid(context) ? context : undefined;
}
