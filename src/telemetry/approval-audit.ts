import { ROOT_CONTEXT, SpanKind, trace, type Attributes, type Link, type Span, type SpanContext } from '@opentelemetry/api';
import type { ApprovalEvent } from '../audit/approval-event.js';
import { buildApprovalEventRecord } from '../audit/approval-event.js';
import type { AuditRecorder, RecordedAudit } from '../audit/audit-recorder.js';
import { canonicalRecord } from '../audit/canonical-record.js';
import type { ApprovalEventKind } from '../audit/decision-record.js';
import type { Logger } from '../log/logger.js';
import { validSpanContext } from './check-audit.js';
import { addToolAttributes, attributeCollector } from './semconv.js';
import { recordedWithin } from './stamp-wait.js';
import type { Telemetry } from './telemetry.js';
import { contextOf, spanContextOf } from './trace-context.js';

/** Span name of each approval event. */
export const APPROVAL_SPAN_NAMES: Readonly<Record<ApprovalEventKind, string>> = {
  created: 'dutygate.approval.created',
  vote: 'dutygate.approval.vote',
  outcome: 'dutygate.approval.outcome',
  override_redeemed: 'dutygate.override.redeemed',
  break_glass_used: 'dutygate.break_glass.used',
  reminded: 'dutygate.approval.reminded',
  escalated: 'dutygate.approval.escalated',
};

/** Options of {@link createApprovalAudit}. */
export interface ApprovalAuditOptions {
  readonly telemetry: Telemetry;
  readonly recorder: Pick<AuditRecorder, 'record'>;
  readonly logger: Logger;
  /** The span of the Check in flight with this decision id (events raised inside a Check). */
  readonly checkSpan: (decisionId: string | undefined) => Span | undefined;
  readonly now?: () => number;
  /** How many approvals' originating check spans to remember for links (default 10000). */
  readonly rememberedLinks?: number;
  /** Put the canonical record on the span (`audit.span_record`, default false, as for checks). */
  readonly spanRecord?: boolean;
}

/** Records approval events: a span linked to the check that raised it, a chained audit record, metrics. */
export type RecordApprovalEvent = (event: ApprovalEvent) => Promise<RecordedAudit>;

/**
 * Creates `recordApprovalEvent`. Each event becomes:
 * - a span (`dutygate.approval.created`, `.vote`, `.outcome`, `dutygate.override.redeemed`,
 *   `dutygate.break_glass.used`) whose parent is `event.parent`, else the Check in flight with
 *   `event.decisionId` (created, redeemed, used happen inside a Check), else a new trace; with a
 *   link to the check span that raised the approval (`event.link`, else the one remembered
 *   when this process saw `created`);
 * - an `approval` record in the decision log and the audit chain;
 * - for `outcome`, a sample of the approval latency histogram.
 * The returned promise never rejects; callers on the request path must not await it.
 */
export function createApprovalAudit(options: ApprovalAuditOptions): RecordApprovalEvent {
  const { telemetry, recorder, logger } = options;
  const now = options.now ?? Date.now;
  const remembered = new Map<string, SpanContext>();
  const limit = options.rememberedLinks ?? 10_000;

  const linkOf = (event: ApprovalEvent, check: SpanContext | undefined): SpanContext | undefined => {
    const given = spanContextOf(event.link);
    if (given) return given;
    if (event.kind === 'created' && check) return check;
    return remembered.get(event.approvalId);
  };

  return async (event) => {
    try {
      const atMs = event.at ?? now();
      const check = validSpanContext(options.checkSpan(event.decisionId));
      const link = linkOf(event, check);
      if (event.kind === 'created' && link) {
        if (remembered.size >= limit) remembered.delete(remembered.keys().next().value as string);
        remembered.set(event.approvalId, link);
      }
      if (event.kind === 'outcome' && event.createdAt !== undefined) {
        telemetry.metrics?.recordApprovalDecided(event.status ?? 'unknown', (atMs - event.createdAt) / 1000);
      }
      const parent = event.parent ? contextOf(event.parent) : check ? trace.setSpanContext(ROOT_CONTEXT, check) : ROOT_CONTEXT;
      const links: Link[] = link ? [{ context: link, attributes: { 'dutygate.link': 'raised_by_check' } }] : [];
      const span = telemetry.tracer?.startSpan(APPROVAL_SPAN_NAMES[event.kind], { kind: SpanKind.INTERNAL, startTime: atMs, links }, parent);
      const own = span?.spanContext();
      const record = buildApprovalEventRecord(event, atMs, {
        ...(own ? { traceId: own.traceId, spanId: own.spanId } : {}),
        ...(link ? { linkTraceId: link.traceId, linkSpanId: link.spanId } : {}),
      });
      const recording = recorder.record(record);
      if (span) {
        // As for Checks (stamp-wait.ts): the span does not wait for a store that is away.
        const recorded = await recordedWithin(recording);
        span.setAttributes(approvalAttributes(record));
        if (recorded?.stamp) {
          span.setAttributes({ 'dutygate.audit.seq': recorded.stamp.seq, 'dutygate.audit.hash': recorded.stamp.hash, 'dutygate.audit.prev_hash': recorded.stamp.prev_hash });
        }
        if (!recorded) span.setAttribute('dutygate.audit.chain_pending', true);
        if (options.spanRecord ?? false) span.setAttribute('dutygate.audit.record', recorded?.canonical ?? canonicalRecord(record));
        span.end(atMs);
      }
      return await recording;
    } catch (error) {
      logger.error({ approval_id: event.approvalId, kind: event.kind, err: error instanceof Error ? error.message : String(error) }, 'approval audit failed');
      return { canonical: '' };
    }
  };
}

/** dutygate's names, and the GenAI agent / tool (and MCP method) conventions like the check span's. */
function approvalAttributes(record: ReturnType<typeof buildApprovalEventRecord>): Attributes {
  const attributes: Attributes = { 'dutygate.approval_id': record.approval_id, 'dutygate.approval.event': record.event };
  const optional: Record<string, string | null> = {
    'dutygate.approval.kind': record.approval_kind,
    'dutygate.decision_id': record.decision_id,
    'agent.id': record.agent_id,
    'agent.initiator': record.initiator,
    'dutygate.tool': record.tool,
    'dutygate.params_hash': record.params_hash,
    'dutygate.rule_id': record.rule_id,
    'dutygate.clause': record.clause,
    'dutygate.policy_version': record.policy_version,
    'dutygate.approver': record.principal,
    'dutygate.vote': record.vote,
    'dutygate.vote.via': record.via,
    'dutygate.approval.status': record.status,
    'dutygate.approval.reason': record.reason,
  };
  for (const [key, value] of Object.entries(optional)) if (value !== null) attributes[key] = value;
  addToolAttributes(attributeCollector(attributes), record.agent_id, record.tool, undefined);
  return attributes;
}
