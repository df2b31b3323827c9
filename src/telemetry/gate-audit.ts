import { approvalEventOf, decidingReason, type ApprovalEvent } from '../audit/approval-event.js';
import { createAuditRecorder, type RecordedAudit } from '../audit/audit-recorder.js';
import type { CheckpointRecord, CheckpointSigner } from '../audit/checkpoint.js';
import { createCheckpointer } from '../audit/checkpointer.js';
import { openDecisionLog } from '../audit/decision-log.js';
import { settleWithin } from '../lib/with-deadline.js';
import type { AuditConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import type { CheckFunction, FallbackDenyListener } from '../check/check-function.js';
import type { HttpRoutes } from '../lib/http-routes.js';
import type { ApprovalRecord, ApprovalVote, FollowUpStep } from '../state/approval-record.js';
import type { StateStore } from '../state/state-store.js';
import { createApprovalAudit } from './approval-audit.js';
import { emitCheckpointSpan } from './checkpoint-span.js';
import { createCheckAudit } from './check-audit.js';
import type { GateGaugeSources } from './gate-gauges.js';
import { createTelemetry, type Telemetry } from './telemetry.js';

/** Options of {@link createGateAudit}. */
export interface GateAuditOptions {
  readonly config: AuditConfig;
  /** Holds the audit chain (`appendAudit`); one chain across replicas sharing Redis. */
  readonly state: Pick<StateStore, 'appendAudit' | 'auditHead'>;
  /** Signs checkpoints of the chain head (`audit.checkpoints`); absent: none are taken. */
  readonly checkpointSigner?: CheckpointSigner;
  readonly logger: Logger;
  readonly policy: () => CompiledPolicy | undefined;
  readonly aliases: Readonly<Record<string, string>>;
  /** Default: metrics only, no spans (what an embedded gate without the NodeSDK gets). */
  readonly telemetry?: Telemetry;
  readonly now?: () => number;
}

/**
 * The approvals module's hooks (`ApprovalEvents` of src/approvals/approval-events.ts),
 * implemented with spans, chained records and the approval latency metric. Never throw,
 * never block: each returns at once and records in the background.
 */
export interface ApprovalAuditEvents {
  created(record: ApprovalRecord): void;
  /** `outcome`: what came of the vote (`recorded`, `duplicate`, `closed`, `refused:<CODE>`); kept as the event's status. */
  vote(approvalId: string, vote: Pick<ApprovalVote, 'principal' | 'decision' | 'via'> & { readonly reason?: string }, outcome: string, record?: ApprovalRecord): void;
  decided(record: ApprovalRecord): void;
  /** A reminder or the escalation this replica claimed: `reminded` / `escalated` events at the claim time. */
  followedUp(step: FollowUpStep, record: ApprovalRecord): void;
  overrideRedeemed(approvalId: string, check: { readonly decisionId: string; readonly agentId: string }, record?: ApprovalRecord): void;
  breakGlassUsed(grant: ApprovalRecord, check: { readonly decisionId: string; readonly agentId: string }): void;
  slackCall(method: string, ok: boolean): void;
  slackPostDropped(record: ApprovalRecord): void;
}

/** Everything the gate audits through: the Check interceptor, approval events, `/metrics`. */
export interface GateAudit {
  /** Wraps the check pipeline: `(next) => async (request, context) => …`. */
  readonly wrap: (next: CheckFunction) => CheckFunction;
  /** For `startGrpcServer({ onFallbackDeny })`: transport-made denies are audited too. */
  readonly onFallbackDeny: FallbackDenyListener;
  /** Records one approval event (span + chained record); never rejects, need not be awaited. */
  readonly recordApprovalEvent: (event: ApprovalEvent) => Promise<RecordedAudit>;
  /** The same, shaped as the approvals module's `events` hook. */
  readonly approvalEvents: ApprovalAuditEvents;
  /** Resolves once every Check answered and approval event fired so far is recorded (its line written) and its span ended. */
  readonly settled: () => Promise<void>;
  /** Registers the gauges read at scrape time (state store, policy, pending approvals); once, at start-up. */
  observe(sources: Omit<GateGaugeSources, 'auditWaiting'>): void;
  /** `GET /metrics` (Prometheus text; 404 when metrics are off). */
  readonly routes: HttpRoutes;
  /**
   * A freshly signed checkpoint of the live head, not written to the log (`GET
   * /v1/audit/head`); undefined when checkpoints are off, the chain is empty or the store failed.
   */
  readonly signedHead: () => Promise<CheckpointRecord | undefined>;
  /** Writes what is pending and the shutdown checkpoint, closes the decision log, flushes and shuts telemetry down. */
  close(): Promise<void>;
}

/** Longest a shutdown waits for records to be chained (the state store may be away). */
const AUDIT_SHUTDOWN_MS = 5_000;
/** Longest a shutdown waits for the telemetry SDK to flush. */
const TELEMETRY_SHUTDOWN_MS = 3_000;

/**
 * Opens the decision log (a file that cannot be opened throws here, at start-up) and builds
 * the audit around it. Call after the state store exists and before the listeners start.
 */
export function createGateAudit(options: GateAuditOptions): GateAudit {
  const { config, logger } = options;
  const telemetry = options.telemetry ?? createTelemetry();
  const log = openDecisionLog(config.decisionLog, (error) => {
    telemetry.metrics?.recordLogError();
    logger.error({ err: error.message }, 'decision log write failed');
  });
  const recorder = createAuditRecorder({
    ...(config.chain ? { store: options.state } : {}),
    log,
    logger,
    maxPending: config.chainBuffer,
    onUnchained: (reason) => telemetry.metrics?.recordUnchained(reason),
  });
  const now = options.now ?? Date.now;
  const spanRecord = options.config.spanRecord;
  const checks = createCheckAudit({ telemetry, recorder, policy: options.policy, aliases: options.aliases, logger, now, spanRecord });
  const recordApprovalEvent = createApprovalAudit({ telemetry, recorder, logger, checkSpan: checks.checkSpan, now, spanRecord });
  const inFlight = new Set<Promise<unknown>>();
  const fire = (event: ApprovalEvent) => {
    const done = recordApprovalEvent(event);
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  };
  const signer = config.chain ? options.checkpointSigner : undefined;
  const checkpointer =
    signer && config.checkpoints
      ? createCheckpointer({
          head: () => options.state.auditHead(),
          signer,
          log,
          logger,
          policyVersion: () => options.policy()?.policyVersion ?? null,
          intervalMs: config.checkpoints.intervalMs,
          now,
          onCheckpoint: (checkpoint) => emitCheckpointSpan(telemetry.tracer, checkpoint, now()),
        })
      : undefined;
  const settled = async () => {
    await checks.drain();
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    // Their lines are gathered before they are written (decision-log.ts): settled means written.
    await log.flush();
  };

  return {
    wrap: checks.wrap,
    onFallbackDeny: checks.onFallbackDeny,
    recordApprovalEvent,
    settled,
    approvalEvents: {
      created: (record) => fire(approvalEventOf('created', record, { at: record.createdAt })),
      vote: (approvalId, vote, outcome, record) =>
        fire({
          ...(record ? approvalEventOf('vote', record) : { kind: 'vote', approvalId }),
          principal: vote.principal,
          vote: vote.decision,
          via: vote.via,
          status: outcome,
          ...(vote.reason === undefined ? {} : { reason: vote.reason }),
        }),
      // A cancel is an outcome too (`status: cancelled`); who withdrew it is the event's principal.
      decided: (record) => {
        const reason = decidingReason(record);
        fire(
          approvalEventOf('outcome', record, {
            ...(record.decidedAt === undefined ? {} : { at: record.decidedAt }),
            ...(record.cancelledBy === undefined ? {} : { principal: record.cancelledBy }),
            ...(reason === undefined ? {} : { reason }),
          }),
        );
      },
      followedUp: (step, record) => {
        const at = step === 'remind' ? record.remindedAt : record.escalatedAt;
        fire(approvalEventOf(step === 'remind' ? 'reminded' : 'escalated', record, at === undefined ? {} : { at }));
      },
      overrideRedeemed: (approvalId, check, record) =>
        fire({ ...(record ? approvalEventOf('override_redeemed', record) : { kind: 'override_redeemed', approvalId }), decisionId: check.decisionId, agentId: check.agentId }),
      breakGlassUsed: (grant, check) => fire(approvalEventOf('break_glass_used', grant, { decisionId: check.decisionId, agentId: check.agentId })),
      slackCall: (method, ok) => telemetry.metrics?.recordSlackCall(method, ok),
      slackPostDropped: () => telemetry.metrics?.recordSlackPostDropped(),
    },
    observe: (sources) => telemetry.observe?.({ ...sources, auditWaiting: () => recorder.waiting() }),
    routes: {
      'GET /metrics': async () => {
        if (!telemetry.scrape) return { status: 404, body: { code: 'METRICS_DISABLED', message: 'metrics are off (OTEL_SDK_DISABLED=true)' } };
        return { status: 200, body: await telemetry.scrape(), headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } };
      },
    },
    signedHead: () => checkpointer?.take('request', { write: false }) ?? Promise.resolve(undefined),
    async close() {
      // Records waiting for a state store that is away would wait for it forever (they are
      // retried until they land, docs/design.md §7): the shutdown gives them a grace period,
      // then the recorder writes them unchained, alarmed, instead of hanging the drain.
      const allChained = await settleWithin(settled(), AUDIT_SHUTDOWN_MS);
      const grace = allChained ? AUDIT_SHUTDOWN_MS : 0;
      // After the last record is chained: the shutdown checkpoint covers every line written.
      await recorder.drain(grace);
      await checkpointer?.close();
      await recorder.close(grace);
      // Flushing spans must not hold a drain hostage: an unreachable or slow collector is no
      // reason to overrun Kubernetes' termination grace period. What is not flushed by then is lost.
      await settleWithin(telemetry.shutdown(), TELEMETRY_SHUTDOWN_MS);
    },
  };
}
