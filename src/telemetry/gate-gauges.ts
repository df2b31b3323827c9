import type { Meter } from '@opentelemetry/api';

/** How many pending approvals one scrape looks at (the gauges saturate there). */
export const PENDING_APPROVALS_SCAN_LIMIT = 1_000;
/** Longest a scrape waits for the state store to list pending approvals. */
const PENDING_SCAN_TIMEOUT_MS = 1_000;

/** What the gauges read at scrape time; nothing here runs on the Check path. */
export interface GateGaugeSources {
  /** The readiness probe's last answer: does the state store answer? */
  stateUp(): boolean;
  /** The policy source's counters and state. */
  policy(): {
    readonly policyVersion: string;
    readonly loads: number;
    readonly reloadsRefused: number;
    readonly rollbacks: number;
    /** The last reload was refused and the file has not been fixed since. */
    readonly reloadFailing: boolean;
    /** A rollback holds: the file's content is not applied until the file changes. */
    readonly pinned: boolean;
  };
  /** Pending approvals (at most `limit`), for the pending gauges. */
  pendingApprovals(limit: number): Promise<readonly { readonly createdAt: number; readonly expiresAt: number }[]>;
  /** Checks running the pipeline and Checks waiting for a slot (admission control), now. */
  admission(): { readonly inFlight: number; readonly queued: number };
  /** Milliseconds since the epoch. */
  now(): number;
  /** Audit records waiting for their chain link (the in-order buffer bounded by `audit.chain_buffer`). */
  auditWaiting(): number;
}

/**
 * Registers the gauges read at scrape time (README "Metrics"): Checks in flight and queued,
 * state store up, policy reloads,
 * refusals, rollbacks, reload failing, pinned, the policy version in force, and pending
 * approvals — all of them and those past half their TTL, the alert's "approvers are not
 * answering" signal. On Redis the approval gauges are fleet-wide (every replica reports the
 * same set): aggregate them with `max`, not `sum`.
 */
export function observeGate(meter: Meter, sources: GateGaugeSources): void {
  const stateUp = meter.createObservableGauge('dutygate.state_store.up', { description: '1 while the state store answers the readiness probe, else 0' });
  stateUp.addCallback((result) => result.observe(sources.stateUp() ? 1 : 0));

  // This replica's own load (not fleet-wide): what a drain still has to answer, and how close
  // admission is to shedding (limits.max_in_flight, limits.max_queued).
  const inFlight = meter.createObservableGauge('dutygate.checks_in_flight', { description: 'Checks running the pipeline now (at most limits.max_in_flight)' });
  const queued = meter.createObservableGauge('dutygate.checks_queued', { description: 'Checks waiting for an admission slot now (at most limits.max_queued)' });
  meter.addBatchObservableCallback(
    (result) => {
      const admission = sources.admission();
      result.observe(inFlight, admission.inFlight);
      result.observe(queued, admission.queued);
    },
    [inFlight, queued],
  );

  const loads = meter.createObservableCounter('dutygate.policy.loads', { description: 'Valid policies applied from the file, the first load included' });
  const refused = meter.createObservableCounter('dutygate.policy.reloads_refused', { description: 'Policy reloads refused because the new file was invalid (the last good policy keeps serving)' });
  const rollbacks = meter.createObservableCounter('dutygate.policy.rollbacks', { description: 'Policy rollbacks through the admin API' });
  const failing = meter.createObservableGauge('dutygate.policy.reload_failing', { description: '1 while the policy file holds an invalid policy (last reload refused), else 0' });
  const pinned = meter.createObservableGauge('dutygate.policy.pinned', { description: '1 while a rollback pins the policy (the file is not applied until it changes), else 0' });
  const info = meter.createObservableGauge('dutygate.policy.info', { description: '1 for the policy_version in force; 0 for versions that served before' });
  // The SDK keeps reporting an attribute set it saw once, at its last value: the version that
  // served before a reload or rollback is set to 0 once, or it would look in force forever.
  let previousVersion: string | undefined;
  meter.addBatchObservableCallback(
    (result) => {
      const policy = sources.policy();
      if (previousVersion !== undefined && previousVersion !== policy.policyVersion) result.observe(info, 0, { policy_version: previousVersion });
      previousVersion = policy.policyVersion;
      result.observe(loads, policy.loads);
      result.observe(refused, policy.reloadsRefused);
      result.observe(rollbacks, policy.rollbacks);
      result.observe(failing, policy.reloadFailing ? 1 : 0);
      result.observe(pinned, policy.pinned ? 1 : 0);
      result.observe(info, 1, { policy_version: policy.policyVersion });
    },
    [loads, refused, rollbacks, failing, pinned, info],
  );

  // Grows while the state store is away (records wait to be chained, in order) and drains when it
  // is back; the unchained alert fires only once it is full, this shows it filling.
  const waiting = meter.createObservableGauge('dutygate.audit.chain_waiting', { description: 'Audit records waiting for their chain link (bounded by audit.chain_buffer)' });
  waiting.addCallback((result) => result.observe(sources.auditWaiting()));

  const pending = meter.createObservableGauge('dutygate.approvals.pending', { description: `Approvals awaiting a decision (state store view, at most ${PENDING_APPROVALS_SCAN_LIMIT})` });
  const late = meter.createObservableGauge('dutygate.approvals.pending_past_half_ttl', { description: 'Pending approvals older than half their TTL: approvers are not answering' });
  meter.addBatchObservableCallback(
    async (result) => {
      // A store that does not answer reports nothing rather than a stale or a zero count.
      const records = await within(sources.pendingApprovals(PENDING_APPROVALS_SCAN_LIMIT), PENDING_SCAN_TIMEOUT_MS);
      if (!records) return;
      const now = sources.now();
      result.observe(pending, records.length);
      result.observe(late, records.filter((record) => now - record.createdAt > (record.expiresAt - record.createdAt) / 2).length);
    },
    [pending, late],
  );
}

/** `work`'s value, or undefined when it fails or takes longer than `ms`. */
async function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
  });
  try {
    return await Promise.race([work.catch(() => undefined), gaveUp]);
  } finally {
    clearTimeout(timer);
  }
}
