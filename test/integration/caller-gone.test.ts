/**
 * A Check whose caller already gave up is shed, not run. Envoy resets the ext_authz stream at its
 * timeout, but the gate's own deadline starts when it reads the request: after a stall (or a long
 * wait in line) a Check can look fresh to the gate while Envoy has already failed the call, and
 * running it would spend the token and record a duty step for a call that never reached the
 * upstream, for an answer no one reads. Through the real gRPC server with Envoy's protos; the
 * call is cancelled the way Envoy cancels it (RST_STREAM).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createAdmission } from '../../src/check/admission.js';
import type { ShedReason } from '../../src/check/admission.js';
import type { CheckOutcome } from '../../src/check/outcome.js';
import { admitChecks } from '../../src/server/admitted-check.js';
import type { CheckFunction } from '../../src/server/grpc-server.js';
import { startHarness, stopHarness, until, type Harness } from '../helpers/envoy-grpc-harness.js';

const allow: CheckOutcome = {
  decision: 'allow',
  code: 'OK',
  decisionId: '0b8e4c7a-2f1d-4e3b-a5c6-9d8e7f6a5b4c',
  phase: 'policy',
  policyVersion: '2026-12-07.1+0123456789ab',
  agentId: 'finance-exec',
  shadow: false,
  wouldBlock: false,
};

describe('a Check whose caller is gone', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    if (h) await stopHarness(h);
    h = undefined;
  });

  it('is shed OVERLOADED once its turn comes, and the pipeline never runs for it', async () => {
    h = await startHarness(allow);
    const ran: string[] = [];
    let releaseFirst = (): void => undefined;
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    const pipeline: CheckFunction = async (request) => {
      ran.push(request.path);
      if (request.path === '/first') await firstHeld;
      return allow;
    };
    const sheds: ShedReason[] = [];
    const outcomes: CheckOutcome[] = [];
    // One Check at a time, nothing shed for time: only the caller's leaving can shed the second.
    const admitted = admitChecks(pipeline, createAdmission({ maxInFlight: 1, maxQueued: 10, reserveMs: 0, maxReserveMs: 0 }), 5_000, (reason) => sheds.push(reason));
    h.setCheck(async (request, context) => {
      const outcome = await admitted(request, context);
      outcomes.push(outcome);
      return outcome;
    });

    const first = h.client.check({ path: '/first' });
    await until(() => ran.length === 1);
    const leaving = new AbortController();
    const second = h.client.check({ path: '/second' }, { signal: leaving.signal });
    const secondRejected = expect(second).rejects.toMatchObject({ code: 1 }); // CANCELLED, on the client
    await until(() => h!.seen.length === 2); // the gate took it in; it waits for the slot
    leaving.abort();
    await until(() => h!.seen[1]!.context.call?.cancelled === true);

    releaseFirst();
    expect((await first).status.code).toBe(0);
    await secondRejected;
    await until(() => outcomes.length === 2);
    expect(ran).toEqual(['/first']);
    expect(outcomes[1]).toMatchObject({ decision: 'deny', code: 'OVERLOADED', phase: 'admission', reason: expect.stringContaining('the caller gave up') as unknown });
    expect(sheds).toEqual(['caller_gone']);
  });

  it('a caller that stays is served as before', async () => {
    h = await startHarness(allow);
    const ran: string[] = [];
    const admitted = admitChecks(async (request) => {
      ran.push(request.path);
      return Promise.resolve(allow);
    }, createAdmission({ maxInFlight: 1, maxQueued: 10, reserveMs: 0, maxReserveMs: 0 }), 5_000);
    h.setCheck(admitted);
    const answers = await Promise.all(['/a', '/b', '/c'].map((path) => h!.client.check({ path })));
    expect(answers.map((answer) => answer.status.code)).toEqual([0, 0, 0]);
    expect(ran.sort()).toEqual(['/a', '/b', '/c']);
  });
});
