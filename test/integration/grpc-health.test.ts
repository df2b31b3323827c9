import { status as GrpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckOutcome } from '../../src/check/outcome.js';
import { isServiceError } from '../helpers/envoy-client.js';
import { startHarness, stopHarness, TEST_LIMITS as LIMITS, until } from '../helpers/envoy-grpc-harness.js';
import type { Harness } from '../helpers/envoy-grpc-harness.js';

const allowOutcome: CheckOutcome = {
  decision: 'allow',
  code: 'OK',
  decisionId: '0b8e4c7a-2f1d-4e3b-a5c6-9d8e7f6a5b4c',
  phase: 'policy',
  agentId: 'finance-exec',
  shadow: false,
  wouldBlock: false,
};

describe('grpc.health.v1.Health', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(allowOutcome);
  });
  afterAll(() => stopHarness(h));

  it('starts NOT_SERVING, then Check and Watch see the flip to SERVING and back', async () => {
    expect(await h.healthClient.check('')).toBe('NOT_SERVING');
    const watch = h.healthClient.watch('envoy.service.auth.v3.Authorization');
    expect(await watch.next()).toBe('NOT_SERVING');
    h.health.set('SERVING');
    expect(await watch.next()).toBe('SERVING');
    expect(await h.healthClient.check('')).toBe('SERVING');
    expect(await h.healthClient.check('envoy.service.auth.v3.Authorization')).toBe('SERVING');
    h.health.set('SERVING'); // no change, no message
    h.health.set('NOT_SERVING');
    expect(await watch.next()).toBe('NOT_SERVING');
    expect(watch.statuses).toEqual(['NOT_SERVING', 'SERVING', 'NOT_SERVING']);
    watch.cancel();
    expect(await watch.ended).toBe(GrpcStatus.CANCELLED);
  });

  it('unknown service: Check → NOT_FOUND, Watch → SERVICE_UNKNOWN and stays open', async () => {
    const error = await h.healthClient.check('no.such.Service').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isServiceError(error, GrpcStatus.NOT_FOUND)).toBe(true);
    const watch = h.healthClient.watch('no.such.Service');
    expect(await watch.next()).toBe('SERVICE_UNKNOWN');
    watch.cancel();
  });
});

describe('drain', () => {
  it('lets an in-flight check answer, ends Watch streams, reports NOT_SERVING, refuses new calls', async () => {
    const h = await startHarness(allowOutcome, { ...LIMITS, checkTimeoutMs: 10_000 });
    h.health.set('SERVING');
    const watch = h.healthClient.watch('');
    expect(await watch.next()).toBe('SERVING');

    let release!: (outcome: CheckOutcome) => void;
    h.setCheck(() => new Promise<CheckOutcome>((resolve) => (release = resolve)));
    const inFlight = h.client.check({ path: '/slow' });
    await until(() => h.seen.length === 1);

    let drained = false;
    const draining = h.server.drain(5_000).then(() => (drained = true));
    expect(await watch.next()).toBe('NOT_SERVING');
    expect(await watch.ended).toBe(GrpcStatus.OK);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(drained).toBe(false);

    release(allowOutcome);
    expect((await inFlight).status.code).toBe(0);
    await draining;
    expect(h.health.get()).toBe('NOT_SERVING');

    const late = await h.client.check({ path: '/late' }, { deadlineMs: 1_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isServiceError(late)).toBe(true);
    expect(h.seen).toHaveLength(1);
    h.client.close();
    h.healthClient.close();
  });

  it('force-closes after its timeout when a check never finishes', async () => {
    const h = await startHarness(allowOutcome, { ...LIMITS, checkTimeoutMs: 60_000 });
    h.setCheck(() => new Promise<CheckOutcome>(() => {}));
    const inFlight = h.client.check({ path: '/stuck' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await until(() => h.seen.length === 1);
    const started = Date.now();
    await h.server.drain(150);
    expect(Date.now() - started).toBeLessThan(1_000);
    // Cut by the server (not by the client's own 5 s deadline).
    const error = await inFlight;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(isServiceError(error)).toBe(true);
    expect(isServiceError(error, GrpcStatus.DEADLINE_EXCEEDED)).toBe(false);
    h.client.close();
    h.healthClient.close();
  });
});
