/**
 * Fail closed, fast: a redis-server this test owns is killed (and, separately, frozen) in the
 * middle of traffic. Every check then denies 503 STATE_UNAVAILABLE well within bounds — no
 * hang, no allow — readiness goes NOT_SERVING, and once Redis is back the same gate allows
 * again and reports SERVING, without a restart.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckSummary } from '../helpers/envoy-client.js';
import { createHealthClient, type HealthClient } from '../helpers/envoy-health-client.js';
import { eventually } from '../helpers/eventually.js';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';
import { startOwnedRedis, type OwnedRedis } from '../helpers/redis-server.js';
import { freshPrefix } from '../helpers/redis-test.js';
import { createRedisClient } from '../../src/state/redis/redis-client.js';
import { createRedisStore } from '../../src/state/redis/redis-store.js';

const POLICY = await readFile(new URL('../../examples/dev/policy.yaml', import.meta.url), 'utf8');
const PAYMENTS = { method: 'POST', host: 'payments.internal', path: '/payments', headers: { 'content-type': 'application/json' } };
/** state.timeout of the gate under test (the production default is 50 ms; this machine is shared). */
const STATE_TIMEOUT_MS = 100;
/** What "fast" means here: a deny within the state timeout plus generous scheduling slack. */
const ANSWER_BOUND_MS = 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Redis goes away mid-traffic', () => {
  let redis: OwnedRedis;
  let f: GateFixture;
  let health: HealthClient;
  let counter = 0;

  beforeAll(async () => {
    redis = await startOwnedRedis();
    f = await startGateFixture(POLICY, {
      // A roomy whole-check deadline, so that the state deadline alone decides (and names) each deny.
      configExtra: [
        `state: { driver: redis, url: "${redis.url}", prefix: "${freshPrefix('fault')}", timeout: ${STATE_TIMEOUT_MS}ms }`,
        'limits: { check_timeout: 1s }',
      ].join('\n'),
    });
    health = createHealthClient(`127.0.0.1:${f.gate.grpcPort}`);
  });
  afterAll(async () => {
    health?.close();
    await f?.close();
    await redis?.kill();
  });

  /** One fresh, valid payment check, timed. */
  async function timedCheck(): Promise<{ r: CheckSummary; ms: number }> {
    counter += 1;
    const planner = await f.mintLink('planner', 'finance-a', { initiator: 'sso:carol' });
    const token = await f.mintChild(planner, 'finance-a', { initiator: 'sso:carol' });
    const body = JSON.stringify({ payment_id: `p-fault-${counter}`, amount: 10, destination: 'acct_ABCDEFGH12' });
    const start = performance.now();
    const r = await f.check({ ...PAYMENTS, body, token, chain: [planner] });
    return { r, ms: performance.now() - start };
  }

  /** Keeps `workers` loops of checks running until `stop()`; returns every answer. */
  function traffic(workers = 3) {
    let running = true;
    const answers: { r: CheckSummary; ms: number; startedAt: number }[] = [];
    const loops = Array.from({ length: workers }, async () => {
      while (running) {
        const startedAt = performance.now();
        answers.push({ ...(await timedCheck()), startedAt });
      }
    });
    return {
      answers,
      async stop() {
        running = false;
        await Promise.all(loops);
        return answers;
      },
    };
  }

  async function readyz(): Promise<number> {
    return (await fetch(`http://127.0.0.1:${f.gate.httpPort}/readyz`)).status;
  }

  const until = <T>(probe: () => Promise<T>, want: T): Promise<T> => eventually(probe, (value) => value === want, 8_000, 50);

  it.each([
    { outage: 'killed (connection refused)', down: (r: OwnedRedis) => r.kill(), up: (r: OwnedRedis) => r.start() },
    {
      outage: 'frozen (connection open, no answers)',
      down: (r: OwnedRedis) => Promise.resolve(r.freeze()),
      up: (r: OwnedRedis) => Promise.resolve(r.thaw()),
    },
  ])('Redis $outage: denies fast while down, serves again once back', async ({ down, up }) => {
    expect((await timedCheck()).r.grpcCode).toBe(0);
    expect(await health.check()).toBe('SERVING');

    const load = traffic();
    await sleep(200);
    const downAt = performance.now();
    await down(redis);
    await sleep(400);
    const during = load.answers.length;
    await sleep(400);
    const answers = await load.stop();
    expect(answers.length - during).toBeGreaterThan(3);

    // Everything that started once Redis was down (allowing the in-flight ones their deadline):
    const afterOutage = answers.filter((a) => a.startedAt > downAt + STATE_TIMEOUT_MS + 50);
    expect(afterOutage.length).toBeGreaterThan(3);
    for (const { r, ms } of afterOutage) {
      expect([r.grpcCode, r.httpStatus, r.body?.code]).toEqual([14, 503, 'STATE_UNAVAILABLE']);
      expect(ms).toBeLessThan(ANSWER_BOUND_MS);
    }
    // Checks in flight when it went down: allowed, or denied the same way.
    for (const { r } of answers) {
      if (r.grpcCode !== 0) expect([r.grpcCode, r.httpStatus, r.body?.code], JSON.stringify(r.body)).toEqual([14, 503, 'STATE_UNAVAILABLE']);
    }

    expect(await until(readyz, 503)).toBe(503);
    expect(await until(() => health.check(), 'NOT_SERVING')).toBe('NOT_SERVING');

    await up(redis);
    // Allows resume: three in a row (a lone slow answer on this shared machine may still miss
    // the short state deadline right after the backlog drains; that is a deny, never an allow).
    let streak = 0;
    const resumed = await until(async () => {
      streak = (await timedCheck()).r.grpcCode === 0 ? streak + 1 : 0;
      return streak >= 3;
    }, true);
    expect(resumed).toBe(true);
    expect(await until(readyz, 200)).toBe(200);
    expect(await until(() => health.check(), 'SERVING')).toBe('SERVING');
  });
});

describe('a connection that answers nothing', () => {
  it('is dropped by the first failed ping and redialled, so commands fail at once instead of queueing', async () => {
    const redis = await startOwnedRedis();
    const config = { driver: 'redis', url: redis.url, prefix: freshPrefix('frozen'), timeoutMs: STATE_TIMEOUT_MS, ledgerTtlMs: 60_000 } as const;
    const client = createRedisClient(config);
    const store = await createRedisStore(config, { client });
    try {
      redis.freeze();
      await expect(store.ping()).rejects.toMatchObject({ code: 'STATE_UNAVAILABLE' });
      const start = performance.now();
      await expect(store.claimJti({ purpose: 'agent', issuer: 'i' }, 'j', Date.now() + 60_000, Date.now())).rejects.toMatchObject({ code: 'STATE_UNAVAILABLE' });
      expect(performance.now() - start).toBeLessThan(STATE_TIMEOUT_MS / 2);
      expect(await eventuallyTrue(() => client.status !== 'ready')).toBe(true);
      redis.thaw();
      expect(await eventuallyTrue(async () => (await store.ping().then(() => true, () => false)) && client.status === 'ready')).toBe(true);
      expect(await store.claimJti({ purpose: 'agent', issuer: 'i' }, 'j2', Date.now() + 60_000, Date.now())).toBe(true);
    } finally {
      redis.thaw();
      await store.close();
      await redis.kill();
    }
  });
});

function eventuallyTrue(probe: () => boolean | Promise<boolean>): Promise<boolean> {
  return eventually(probe, (value) => value, 5_000, 50);
}
