import { loadCheckpointSigner } from '../audit/checkpoint.js';
import { createApprovals, type Approvals, type ApprovalsDependencies } from '../approvals/create-approvals.js';
import type { GateConfig } from '../config/types.js';
import { createAdmission, type Admission } from '../check/admission.js';
import { admitChecks } from './admitted-check.js';
import { createCheckPipeline } from '../check/check-pipeline.js';
import { createAgentVerifier } from '../identity/verify-agent.js';
import { createGateAudit, type GateAudit } from '../telemetry/gate-audit.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { Logger } from '../log/logger.js';
import { createMemoryStore } from '../state/memory/memory-store.js';
import { createRedisStore } from '../state/redis/redis-store.js';
import type { StateStore } from '../state/state-store.js';
import { startGrpcServer } from './grpc-server.js';
import { createHealthState, type HealthState } from './health-state.js';
import { startHttpServer } from './http-server.js';
import { loadAdminAuth } from '../lib/admin-token.js';
import { createAuthzenRoutes } from '../authzen/authzen-routes.js';
import { createAuditRoutes } from './audit-routes.js';
import { createPolicyAdminRoutes } from './policy-admin-routes.js';
import { createPolicySource, type PolicySource } from './policy-source.js';
import { createReadiness } from './readiness.js';
import { createShedLog } from './shed-log.js';

/** A running gate: gRPC ext_authz + health, and the HTTP side. */
export interface Gate {
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly health: HealthState;
  readonly policy: PolicySource;
  readonly state: StateStore;
  /** Spans, metrics, decision log and audit chain; `recordApprovalEvent` for approval events. */
  readonly audit: GateAudit;
  /** The approvals module (HTTP API, Slack, override tokens). */
  readonly approvals: Approvals;
  /** Checks running the pipeline and waiting for a slot now: what a stop has to answer. */
  checksUnderWay(): { readonly inFlight: number; readonly queued: number };
  /**
   * Stops both listeners, answers the Checks and HTTP requests under way (up to
   * {@link DRAIN_MS}), then writes out the decision log and audit chain, flushes spans and
   * closes the state store.
   */
  close(): Promise<void>;
}

/** Test and embedding hooks. */
export interface GateOptions {
  /** Milliseconds since the epoch (default Date.now). */
  readonly now?: () => number;
  /** Spans and metrics (default: metrics only); `dutygate serve` passes the NodeSDK's. */
  readonly telemetry?: Telemetry;
  /** Approvals hooks: telemetry events, Slack retry bounds and expiry sweep interval (tests). */
  readonly approvals?: Pick<ApprovalsDependencies, 'events' | 'slackRetry' | 'sweepIntervalMs' | 'followUpIntervalMs'>;
}

/**
 * Starts dutygate from a loaded config: keys and policy first (a gate that cannot verify or
 * decide must not report SERVING), then the state store, then both listeners. Resolves once
 * both listen.
 */
export async function startGate(config: GateConfig, log: Logger, options: GateOptions = {}): Promise<Gate> {
  const verifier = await createAgentVerifier(config.identity, config.limits);
  // Before the policy source: a bad admin token must not leave a file watcher behind.
  const admin = config.admin ? await loadAdminAuth(config.admin) : undefined;
  const pepAuth = config.authzen ? await loadAdminAuth(config.authzen, 'authzen (PEP)') : undefined;
  const checkpointSigner = config.audit.checkpoints ? await loadCheckpointSigner(config.audit.checkpoints.signingKeyFile) : undefined;
  const policy = await createPolicySource(config.policy.file, { watch: config.policy.watch, keepVersions: config.policy.keepVersions, issuers: config.identity.issuers.flatMap((issuer) => (issuer.name === undefined ? [] : [issuer.name])) }, log);
  const state = await createState(config, log);
  const health = createHealthState('NOT_SERVING');
  let audit: GateAudit;
  try {
    audit = createGateAudit({
      config: config.audit,
      state,
      logger: log,
      policy: () => policy.current(),
      aliases: config.principals.aliases,
      ...(checkpointSigner ? { checkpointSigner } : {}),
      ...(options.telemetry ? { telemetry: options.telemetry } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  } catch (error) {
    policy.close();
    await state.close();
    throw error;
  }
  // The memory driver answers in process: no per-call timer (the check deadline still bounds it).
  const stateTimeoutMs = config.state.driver === 'redis' ? config.state.timeoutMs : undefined;
  // Known once HTTP listens (port 0 picks one) unless http.public_url says where agents reach us.
  let publicUrl = config.http.publicUrl ?? '';
  const approvals = await createApprovals(config, {
    state,
    policy: () => policy.current(),
    verifyAgent: (authorization, now) => verifier.verifyToken(authorization, now),
    log,
    now: options.now ?? Date.now,
    stateTimeoutMs,
    publicUrl: () => publicUrl,
    events: audit.approvalEvents,
    ...options.approvals,
  }).catch(async (error: unknown) => {
    await audit.close();
    policy.close();
    await state.close();
    throw error;
  });

  let admission: Admission | undefined = undefined;
  const onShed = createShedLog(log, () => ({ inFlight: admission?.inFlight ?? 0, queued: admission?.queued ?? 0 }));
  admission = createAdmission({ maxInFlight: config.limits.maxInFlight, maxQueued: config.limits.maxQueued, reserveMs: config.limits.admissionReserveMs,
    maxReserveMs: Math.max(config.limits.admissionReserveMs, config.limits.checkTimeoutMs / 2),
    onShed,
  });
  // Admission sits inside the audit: a shed Check is recorded like any other (with its request).
  const check = audit.wrap(admitChecks(createCheckPipeline({
    authenticator: verifier,
    policy: () => policy.current(),
    state,
    limits: config.limits,
    // The Redis driver bounds each of its calls by state.timeout itself (redis-store.ts).
    stateTimeoutMs: undefined,
    clockSkewMs: config.identity.clockSkewMs,
    aliases: config.principals.aliases,
    ...(approvals.gate ? { approvals: approvals.gate } : {}),
    ...(options.now ? { now: options.now } : {}),
  }), admission, config.limits.checkTimeoutMs, onShed));

  const checksUnderWay = () => ({ inFlight: admission.inFlight, queued: admission.queued });
  const grpc = await startGrpcServer({ ...config.grpc, limits: config.limits, check, health, onFallbackDeny: audit.onFallbackDeny });
  const readiness = createReadiness({ health, policy, state, log, admin });
  const now = options.now ?? Date.now;
  audit.observe({
    stateUp: () => readiness.stateOk(),
    policy: () => {
      const stats = policy.stats();
      const reloadFailing = policy.lastError() !== undefined;
      return { policyVersion: policy.current().policyVersion, loads: stats.loads, reloadsRefused: stats.reloadsRefused, rollbacks: stats.rollbacks, reloadFailing, pinned: policy.pin() !== undefined };
    },
    pendingApprovals: (limit) => state.listApprovals('pending', now(), limit),
    admission: checksUnderWay,
    now,
  });
  // The AuthZEN PDP calls the same audited `check` as the gRPC server: one decision core, two adapters.
  const authzen = config.authzen && pepAuth
    ? createAuthzenRoutes({
        check,
        auth: pepAuth,
        limits: config.limits,
        maxEvaluations: config.authzen.maxEvaluations,
        pdpUrl: () => config.authzen?.pdpUrl ?? publicUrl,
        now,
      })
    : {};
  const auditRoutes = createAuditRoutes({ admin, log, head: () => state.auditHead(), signedHead: audit.signedHead, checkpointsOn: checkpointSigner !== undefined && config.audit.chain });
  let http;
  try {
    http = await startHttpServer({ ...config.http, log, routes: { ...readiness.routes, ...audit.routes, ...createPolicyAdminRoutes({ policy, admin, log }), ...auditRoutes, ...approvals.routes, ...authzen } });
  } catch (error) {
    grpc.forceShutdown();
    throw error;
  }
  if (!config.http.publicUrl) publicUrl = `http://${publicHost(config.http.host)}:${http.port}`;
  await readiness.refresh();
  readiness.start();

  return {
    grpcPort: grpc.port,
    httpPort: http.port,
    health,
    policy,
    state,
    audit,
    approvals,
    checksUnderWay,
    async close() {
      readiness.stop();
      // Both listeners stop taking work at once: an AuthZEN Check or an approval vote arriving
      // on HTTP while gRPC drains would be new work for a store about to close. Work under way
      // on either is answered (up to DRAIN_MS), then cut.
      await Promise.all([grpc.drain(DRAIN_MS), http.close(DRAIN_MS)]);
      // Slack posts of approvals just recorded link their message to the record in the store;
      // their approval events, like every pending record and span, go out before the store closes.
      await approvals.close(NOTIFIER_GRACE_MS);
      await audit.close();
      policy.close();
      await state.close();
    },
  };
}

/**
 * How long a stop waits for Checks and HTTP requests under way (README "Operations › Shutdown
 * guarantees"). Every Check is answered by its deadline (`limits.check_timeout`, 150 ms by
 * default), so the drain only reaches this with a check_timeout above it.
 */
export const DRAIN_MS = 5_000;

/**
 * How long a stop waits for Slack posts and updates under way (Slack answers in well under a
 * second; a Slack that is down is retried for longer than a stop can wait).
 */
export const NOTIFIER_GRACE_MS = 3_000;

/** A wildcard listener is reached on loopback by a sidecar's agent; IPv6 literals need brackets. */
function publicHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Memory (embedded) or Redis (shared; waits briefly for the first connection, never fails on it). */
async function createState(config: GateConfig, log: Logger): Promise<StateStore> {
  if (config.state.driver === 'memory') {
    return createMemoryStore({
      maxJtiEntries: config.state.maxJtiEntries,
      ledgerTtlMs: config.state.ledgerTtlMs,
      maxPendingApprovals: config.limits.maxPendingApprovals,
      maxLedgerEntriesPerActor: config.limits.maxLedgerEntriesPerActor,
    });
  }
  return createRedisStore(config.state, { log, maxPendingApprovals: config.limits.maxPendingApprovals, maxLedgerEntriesPerActor: config.limits.maxLedgerEntriesPerActor });
}
