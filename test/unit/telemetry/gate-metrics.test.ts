/**
 * The metrics the alert rules and the dashboard need (deploy/prometheus, deploy/grafana) are
 * exported under the names they query: the counters recorded on the Check and Slack paths, and
 * the gauges read at scrape time.
 */
import { describe, expect, it } from 'vitest';
import type { CheckOutcome } from '../../../src/check/outcome.js';
import { createAdmission } from '../../../src/check/admission.js';
import { CODES, type Code } from '../../../src/errors.js';
import { createTelemetry } from '../../../src/telemetry/telemetry.js';
import type { GateGaugeSources } from '../../../src/telemetry/gate-gauges.js';

const outcome = (code: Code): CheckOutcome => ({ decision: code === 'OK' ? 'allow' : 'deny', code, decisionId: 'd', phase: 'policy', shadow: false, wouldBlock: false });

/** The value of one series in Prometheus text, NaN when absent. */
function value(text: string, series: string): number {
  const escaped = series.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return Number(new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}

const T0 = Date.UTC(2026, 11, 1);

function sources(fields: Partial<GateGaugeSources> = {}): GateGaugeSources {
  return {
    stateUp: () => true,
    policy: () => ({ policyVersion: 'p-1+abc', loads: 2, reloadsRefused: 1, rollbacks: 0, reloadFailing: true, pinned: false }),
    pendingApprovals: () => Promise.resolve([]),
    admission: () => ({ inFlight: 0, queued: 0 }),
    now: () => T0,
    ...fields,
  };
}

describe('gate metrics for the alerts and the dashboard', () => {
  it('counts fail-closed denies (every 503 code, and nothing else)', async () => {
    const telemetry = createTelemetry();
    for (const code of Object.keys(CODES) as Code[]) telemetry.metrics?.recordCheck(outcome(code), 0.001);
    const text = (await telemetry.scrape?.()) ?? '';
    const failClosed = (Object.keys(CODES) as Code[]).filter((code) => CODES[code].http === 503);
    expect(failClosed).toEqual(expect.arrayContaining(['STATE_UNAVAILABLE', 'INTERNAL', 'POLICY_UNAVAILABLE', 'KEYS_UNAVAILABLE', 'REPLAY_CAPACITY']));
    for (const code of failClosed) expect(value(text, `dutygate_fail_closed_total{code="${code}"}`)).toBe(1);
    expect(text.match(/^dutygate_fail_closed_total\{/gm)).toHaveLength(failClosed.length);
    await telemetry.shutdown();
  });

  it('counts Slack calls by method and result', async () => {
    const telemetry = createTelemetry();
    telemetry.metrics?.recordSlackCall('chat.postMessage', true);
    telemetry.metrics?.recordSlackCall('chat.update', false);
    telemetry.metrics?.recordSlackCall('chat.update', false);
    const text = (await telemetry.scrape?.()) ?? '';
    expect(value(text, 'dutygate_slack_calls_total{method="chat.postMessage",result="ok"}')).toBe(1);
    expect(value(text, 'dutygate_slack_calls_total{method="chat.update",result="error"}')).toBe(2);
    await telemetry.shutdown();
  });

  it('counts Slack posts dropped over the channel post rate, from 0', async () => {
    const telemetry = createTelemetry();
    expect(value((await telemetry.scrape?.()) ?? '', 'dutygate_slack_posts_dropped_total')).toBe(0);
    telemetry.metrics?.recordSlackPostDropped();
    telemetry.metrics?.recordSlackPostDropped();
    expect(value((await telemetry.scrape?.()) ?? '', 'dutygate_slack_posts_dropped_total')).toBe(2);
    await telemetry.shutdown();
  });

  it('exports no gauge before the gate registers its sources', async () => {
    const telemetry = createTelemetry();
    expect(await telemetry.scrape?.()).not.toMatch(/dutygate_state_store_up|dutygate_policy_info/);
    await telemetry.shutdown();
  });

  it('reads the state store, policy and pending approvals at scrape time', async () => {
    const telemetry = createTelemetry();
    let up = true;
    let pinned = false;
    let version = 'p-1+abc';
    const ttl = 600_000;
    telemetry.observe?.(
      sources({
        stateUp: () => up,
        policy: () => ({ policyVersion: version, loads: 2, reloadsRefused: 1, rollbacks: 1, reloadFailing: true, pinned }),
        // One fresh, one at 40 % of its TTL, two past half of it.
        pendingApprovals: () => Promise.resolve([0, 0.4, 0.6, 0.95].map((share) => ({ createdAt: T0 - share * ttl, expiresAt: T0 - share * ttl + ttl }))),
      }),
    );
    let text = (await telemetry.scrape?.()) ?? '';
    expect(value(text, 'dutygate_state_store_up')).toBe(1);
    expect(value(text, 'dutygate_policy_loads_total')).toBe(2);
    expect(value(text, 'dutygate_policy_reloads_refused_total')).toBe(1);
    expect(value(text, 'dutygate_policy_rollbacks_total')).toBe(1);
    expect(value(text, 'dutygate_policy_reload_failing')).toBe(1);
    expect(value(text, 'dutygate_policy_pinned')).toBe(0);
    expect(value(text, 'dutygate_policy_info{policy_version="p-1+abc"}')).toBe(1);
    expect(value(text, 'dutygate_approvals_pending')).toBe(4);
    expect(value(text, 'dutygate_approvals_pending_past_half_ttl')).toBe(2);

    up = false;
    pinned = true;
    version = 'p-2+def';
    text = (await telemetry.scrape?.()) ?? '';
    expect(value(text, 'dutygate_state_store_up')).toBe(0);
    expect(value(text, 'dutygate_policy_pinned')).toBe(1);
    // The version that served before is no longer reported as in force.
    expect(value(text, 'dutygate_policy_info{policy_version="p-2+def"}')).toBe(1);
    expect(value(text, 'dutygate_policy_info{policy_version="p-1+abc"}')).toBe(0);
    text = (await telemetry.scrape?.()) ?? '';
    expect(value(text, 'dutygate_policy_info{policy_version="p-1+abc"}')).toBe(0);
    await telemetry.shutdown();
  });

  it('reads Checks in flight and queued from admission control at scrape time', async () => {
    const telemetry = createTelemetry();
    const admission = createAdmission({ maxInFlight: 2, maxQueued: 10, reserveMs: 0, maxReserveMs: 0 });
    telemetry.observe?.(sources({ admission: () => ({ inFlight: admission.inFlight, queued: admission.queued }) }));
    let text = (await telemetry.scrape?.()) ?? '';
    expect(value(text, 'dutygate_checks_in_flight')).toBe(0);
    expect(value(text, 'dutygate_checks_queued')).toBe(0);

    // Two run, three wait in line (no deadline: none is shed).
    const slots = Array.from({ length: 5 }, () => admission.admit(undefined));
    const running = await Promise.all(slots.slice(0, 2));
    text = (await telemetry.scrape?.()) ?? '';
    expect(value(text, 'dutygate_checks_in_flight')).toBe(2);
    expect(value(text, 'dutygate_checks_queued')).toBe(3);

    // A finished Check hands its slot to the oldest waiter: still two running, two waiting.
    for (const slot of running) if (slot.admitted) slot.release();
    text = (await telemetry.scrape?.()) ?? '';
    expect(value(text, 'dutygate_checks_in_flight')).toBe(2);
    expect(value(text, 'dutygate_checks_queued')).toBe(1);
    // The last waiter starts only once one of the two running now is done.
    for (const slot of await Promise.all(slots.slice(2, 4))) if (slot.admitted) slot.release();
    const last = await slots[4]!;
    if (last.admitted) last.release();
    text = (await telemetry.scrape?.()) ?? '';
    expect(value(text, 'dutygate_checks_in_flight')).toBe(0);
    expect(value(text, 'dutygate_checks_queued')).toBe(0);
    await telemetry.shutdown();
  });

  it('reports no approval gauges (rather than zero) while the store cannot list them', async () => {
    const telemetry = createTelemetry();
    telemetry.observe?.(sources({ pendingApprovals: () => Promise.reject(new Error('STATE_UNAVAILABLE')) }));
    const text = (await telemetry.scrape?.()) ?? '';
    expect(text).not.toMatch(/^dutygate_approvals_pending/m);
    expect(value(text, 'dutygate_state_store_up')).toBe(1);
    await telemetry.shutdown();
  });
});
