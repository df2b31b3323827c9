/**
 * Wires the approvals module from the gate's config: override tokens (`overrides`), the
 * approver verifier (`approvers.issuers`), the notifier (Slack when `slack` is set, none
 * otherwise), the HTTP API and `/slack/events`. The gate mounts `routes` and hands `gate` to
 * the Check pipeline.
 */
import type { GateConfig } from '../config/types.js';
import type { AgentClaims } from '../identity/types.js';
import { createTokenVerifier } from '../identity/verify-token.js';
import type { Logger } from '../log/logger.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import type { HttpRoutes } from '../lib/http-routes.js';
import type { StateStore } from '../state/state-store.js';
import { createLogApprovalEvents, type ApprovalEvents } from './approval-events.js';
import { createApprovalGate, type ApprovalGate } from './approval-gate.js';
import { createApprovalService, type ApprovalService } from './approval-service.js';
import { createFollowUpSweeper, type FollowUpSweeper } from './follow-ups.js';
import { createApprovalsApi } from './http/approvals-api.js';
import { NO_NOTIFIER, type ApprovalNotifier } from './notifier.js';
import { loadOverrideTokens } from './override-token.js';
import type { RetryPolicy } from './slack/retry.js';
import { createSlackApi } from './slack/slack-api.js';
import { createSlackEvents } from './slack/slack-events.js';
import { createSlackNotifier } from './slack/slack-notifier.js';

/** Deadline of state calls made for humans (API, Slack): generous, unlike the Check's. */
const HUMAN_STATE_TIMEOUT_MS = 2_000;

/** Dependencies of {@link createApprovals} beyond the config. */
export interface ApprovalsDependencies {
  readonly state: StateStore;
  readonly policy: () => CompiledPolicy | undefined;
  /** The gate's agent-token verification (no replay claim). */
  readonly verifyAgent: (authorization: string | undefined, now: Date) => Promise<AgentClaims>;
  readonly log: Logger;
  readonly now: () => number;
  /** Deadline of each state call on the Check path; undefined for the in-process memory driver. */
  readonly stateTimeoutMs: number | undefined;
  /** Base of `status_url` (read per call). */
  readonly publicUrl: () => string;
  /** Telemetry hook (default: log lines). */
  readonly events?: ApprovalEvents;
  /** Slack retry bounds (tests shorten them). */
  readonly slackRetry?: RetryPolicy;
  /** Expiry sweep interval of the Slack notifier (default 15s). */
  readonly sweepIntervalMs?: number;
  /** Reminder and escalation sweep interval (default 15s; 0: on demand only). */
  readonly followUpIntervalMs?: number;
}

/** The approvals module of a running gate. */
export interface Approvals {
  /** The Check port; undefined without `overrides` (approval_needed then denies APPROVAL_UNAVAILABLE). */
  readonly gate?: ApprovalGate;
  readonly service: ApprovalService;
  readonly notifier: ApprovalNotifier;
  /** Reminders and escalations (issue 17 item 2). */
  readonly followUps: FollowUpSweeper;
  /** `/v1/approvals…`, `/v1/break-glass` and, with Slack, `/slack/events`. */
  readonly routes: HttpRoutes;
  /** Stops the notifier's timers and waits up to `graceMs` for its posts and updates under way. */
  close(graceMs: number): Promise<void>;
}

/** Builds the approvals module. */
export async function createApprovals(config: GateConfig, deps: ApprovalsDependencies): Promise<Approvals> {
  const { state, log, now } = deps;
  const events = deps.events ?? createLogApprovalEvents(log);
  const overrides = config.overrides ? await loadOverrideTokens(config.overrides.signingKeyFile, config.overrides.ttlMs, config.overrides.deployment) : undefined;
  const approverVerifier =
    config.approvers.issuers.length > 0
      ? await createTokenVerifier({
          issuers: config.approvers.issuers,
          clockSkewMs: config.identity.clockSkewMs,
          maxTokenLifetimeMs: config.approvers.maxTokenLifetimeMs,
          maxTokenBytes: config.limits.maxTokenBytes,
          requireAgentClaims: false,
          maxIdentifierLength: config.limits.maxIdentifierLength,
        })
      : undefined;

  const slack = config.slack;
  const slackNotifier = slack
    ? createSlackNotifier({
        api: createSlackApi({
          botToken: slack.botToken,
          apiUrl: slack.apiUrl,
          log,
          onCall: (method, ok) => events.slackCall?.(method, ok),
          ...(deps.slackRetry ? { retry: deps.slackRetry } : {}),
        }),
        channel: slack.channel,
        postRate: slack.postRate,
        onPostDropped: (record) => events.slackPostDropped?.(record),
        aliases: config.principals.aliases,
        state,
        log,
        now,
        ...(deps.sweepIntervalMs === undefined ? {} : { sweepIntervalMs: deps.sweepIntervalMs }),
      })
    : undefined;
  const notifier: ApprovalNotifier = slackNotifier ?? NO_NOTIFIER;

  const service = createApprovalService({
    state,
    ...(overrides ? { overrides } : {}),
    notifier,
    events,
    aliases: config.principals.aliases,
    policy: deps.policy,
    stateTimeoutMs: HUMAN_STATE_TIMEOUT_MS,
  });
  const routes: Record<string, HttpRoutes[string]> = {
    ...createApprovalsApi({
      service,
      verifyAgent: deps.verifyAgent,
      ...(approverVerifier ? { verifyApprover: approverVerifier.verify } : {}),
      now,
      maxIdentifierLength: config.limits.maxIdentifierLength,
    }),
  };
  if (slack && slackNotifier) {
    routes['POST /slack/events'] = createSlackEvents({ signingSecret: slack.signingSecret, botToken: slack.botToken, apiUrl: slack.apiUrl, service, notifier: slackNotifier, log, now });
  }
  const gate = overrides
    ? createApprovalGate({ state, overrides, notifier, events, aliases: config.principals.aliases, stateTimeoutMs: deps.stateTimeoutMs, publicUrl: deps.publicUrl, log })
    : undefined;
  if (!gate) log.warn('overrides.signing_key_file is not set: approval_needed outcomes deny with APPROVAL_UNAVAILABLE');

  const followUps = createFollowUpSweeper({
    state,
    notifier,
    events,
    log,
    now,
    enabled: () => deps.policy()?.rules.some((rule) => rule.approval?.remindAfterMs !== undefined || rule.approval?.escalate !== undefined) === true,
    ...(deps.followUpIntervalMs === undefined ? {} : { intervalMs: deps.followUpIntervalMs }),
  });

  return {
    ...(gate ? { gate } : {}),
    service,
    notifier,
    followUps,
    routes,
    close: (graceMs) => {
      followUps.close();
      return notifier.close(graceMs);
    },
  };
}
