import type { Counter, Meter } from '@opentelemetry/api';
import type { CheckOutcome } from '../check/outcome.js';
import { CODES, type Code } from '../errors.js';

/** Check latency buckets (seconds): Envoy's ext_authz default timeout is 200 ms. */
const CHECK_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.5, 1];
/** Approval latency buckets (seconds): humans answer in minutes. */
const APPROVAL_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 86400];

/** The gate's metrics (README "Metrics"); every label value is a code, a rule id or an enum. */
export interface GateMetrics {
  /** One finished Check; `seconds` undefined when unknown (a transport fallback deny). */
  recordCheck(outcome: CheckOutcome, seconds: number | undefined): void;
  /** An approval reached approved / denied / expired after `seconds`. */
  recordApprovalDecided(status: string, seconds: number): void;
  /** An audit record written without its chain stamp. */
  recordUnchained(reason: 'store_error' | 'backlog'): void;
  /** A decision log write failed. */
  recordLogError(): void;
  /** One Slack Web API call (`chat.postMessage`, `chat.update`, `chat.postEphemeral`, `views.open`) after its retries. */
  recordSlackCall(method: string, ok: boolean): void;
  /** An approval message not posted: its channel was over `slack.post_rate` with a full queue. */
  recordSlackPostDropped(): void;
}

const SOD_CODES = new Set(['SOD_SAME_AGENT', 'SOD_DUTY_CONFLICT']);
const STATE_CODES = new Set(['STATE_UNAVAILABLE', 'REPLAY_CAPACITY']);
/** The codes of a gate that failed and denied for it (HTTP 503): fail-closed denies. */
const FAIL_CLOSED_CODES: ReadonlySet<string> = new Set((Object.keys(CODES) as Code[]).filter((code) => CODES[code].http === 503));

/**
 * Creates the instruments on `meter`. The Prometheus exporter turns dots into underscores and
 * adds `_total` to counters (`dutygate.decisions` → `dutygate_decisions_total`); histograms
 * carry their unit in the name (`dutygate_check_duration_seconds`), as Prometheus expects. The
 * reason code is the `code` label, as on the span.
 */
export function createGateMetrics(meter: Meter): GateMetrics {
  const decisions = meter.createCounter('dutygate.decisions', { description: 'Checks answered, by enforced decision, reason code, rule and shadow mode' });
  const sod = meter.createCounter('dutygate.sod_violations_prevented', { description: 'Segregation-of-duties violations denied (SOD_SAME_AGENT, SOD_DUTY_CONFLICT)' });
  const wouldBlock = meter.createCounter('dutygate.would_block', { description: 'Shadow-mode checks whose real decision would have blocked, by that code and rule' });
  const replays = meter.createCounter('dutygate.replay_rejections', { description: 'Checks denied because the token jti was already spent' });
  const stateErrors = meter.createCounter('dutygate.state_errors', { description: 'State store failures, by code and where (check path, audit chain)' });
  const unchained = meter.createCounter('dutygate.audit.unchained', { description: 'Audit records written without a chain stamp (store error, or appends backlog)' });
  const shed = meter.createCounter('dutygate.checks_shed', { description: 'Checks answered OVERLOADED: shed before any state was touched (gate over capacity)' });
  const logErrors = meter.createCounter('dutygate.audit.log_errors', { description: 'Decision log write failures' });
  const failClosed = meter.createCounter('dutygate.fail_closed', { description: 'Checks denied because the gate itself failed (a 503 code: state store, keys, policy, internal)' });
  const slackCalls = meter.createCounter('dutygate.slack.calls', { description: 'Slack Web API calls after retries, by method and result (ok, error)' });
  const slackDropped = meter.createCounter('dutygate.slack.posts_dropped', { description: 'Approval messages not posted: the channel was over slack.post_rate and its queue was full' });
  // The failure series exist at 0 from the start: Prometheus' increase() and rate() cannot see
  // the first event of a series that appears with it, so an alert would miss a first failure,
  // and a dashboard panel of a healthy gate would show "no data" instead of 0.
  for (const code of FAIL_CLOSED_CODES) failClosed.add(0, { code });
  for (const code of STATE_CODES) stateErrors.add(0, { code, source: 'check' });
  stateErrors.add(0, { code: 'STATE_UNAVAILABLE', source: 'audit' });
  for (const reason of ['store_error', 'backlog']) unchained.add(0, { reason });
  logErrors.add(0);
  replays.add(0);
  slackDropped.add(0);
  for (const method of ['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'views.open']) for (const result of ['ok', 'error']) slackCalls.add(0, { method, result });
  const checkDuration = meter.createHistogram('dutygate.check.duration_seconds', {
    description: 'Check latency inside the gate, by enforced decision',
    unit: 's',
    advice: { explicitBucketBoundaries: CHECK_BUCKETS },
  });
  const approvalLatency = meter.createHistogram('dutygate.approval.latency_seconds', {
    description: 'Time from approval request to approved / denied / expired',
    unit: 's',
    advice: { explicitBucketBoundaries: APPROVAL_BUCKETS },
  });

  return {
    recordCheck(outcome, seconds) {
      const rule = outcome.ruleId ?? '';
      decisions.add(1, { decision: outcome.decision, code: outcome.code, rule, shadow: outcome.shadow });
      if (seconds !== undefined) checkDuration.record(seconds, { decision: outcome.decision });
      if (outcome.decision === 'deny' && SOD_CODES.has(outcome.code)) sod.add(1, { code: outcome.code, rule });
      if (outcome.wouldBlock) wouldBlock.add(1, { code: outcome.wouldBlockCode ?? 'OK', rule });
      if (outcome.code === 'REPLAY') replays.add(1);
      if (outcome.code === 'OVERLOADED') shed.add(1);
      if (STATE_CODES.has(outcome.code)) stateErrors.add(1, { code: outcome.code, source: 'check' });
      if (FAIL_CLOSED_CODES.has(outcome.code)) failClosed.add(1, { code: outcome.code });
    },
    recordApprovalDecided(status, seconds) {
      approvalLatency.record(Math.max(0, seconds), { outcome: status });
    },
    recordUnchained(reason) {
      unchained.add(1, { reason });
      if (reason === 'store_error') stateErrors.add(1, { code: 'STATE_UNAVAILABLE', source: 'audit' });
    },
    recordLogError() {
      logErrors.add(1);
    },
    recordSlackCall(method, ok) {
      slackCalls.add(1, { method, result: ok ? 'ok' : 'error' });
    },
    recordSlackPostDropped() {
      slackDropped.add(1);
    },
  };
}

/**
 * `dutygate_audit_spans_dropped_total{reason}`: audit spans lost before reaching the collector
 * (`queue_full`: the span queue was full; `export_failed`: the exporter gave up; `shutdown`:
 * still queued when the shutdown flush ran out of time). Every series starts at 0 so that the
 * first loss is an increase an alert sees.
 */
export function createSpansDroppedCounter(meter: Meter): Counter {
  const dropped = meter.createCounter('dutygate.audit.spans_dropped', { description: 'Audit spans lost before the collector, by reason (queue_full, export_failed, shutdown); the decision log still has their records' });
  for (const reason of ['queue_full', 'export_failed', 'shutdown']) dropped.add(0, { reason });
  return dropped;
}
