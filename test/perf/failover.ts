/**
 * Failover figures for README "Operations" and docs/design.md §9. Run:
 * `npx vite-node test/perf/failover.ts` (needs redis-server and redis-cli; starts its own
 * 3-master cluster with one replica each on loopback, ~2 min).
 *
 * 1. Cost of `state.durability: wait`: a whole gate over loopback gRPC, sequential Checks
 *    (payment drafts: jti claim, ledger read and commit, audit append after the answer), p50 /
 *    p90 / p99 client latency, and a burst of 100 concurrent Checks; none vs wait, interleaved
 *    in rounds so that machine load hits both alike.
 * 2. Election and the replay window: writers claim fresh jtis through the Redis driver as fast
 *    as they can while a master is SIGKILLed; once its replica serves the slots, every claim
 *    that was acknowledged is looked up. An acknowledged claim that is missing is a jti an agent
 *    could spend again. Repeated for none and wait.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Cluster } from 'ioredis';
import type { RedisStateConfig } from '../../src/config/types.js';
import { parseHostPort } from '../../src/state/redis/redis-client.js';
import { createRedisKeys } from '../../src/state/redis/redis-keys.js';
import { createRedisStore } from '../../src/state/redis/redis-store.js';
import { burst, send } from '../helpers/burst.js';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';
import { startRedisCluster, type OwnedCluster } from '../helpers/redis-cluster.js';

type Durability = 'none' | 'wait';
const MODES: readonly Durability[] = ['none', 'wait'];
const ROUNDS = 3;
const SEQUENTIAL = 150;
const FAILOVERS = 3;
const RUN = `perf-failover-${Date.now().toString(36)}`;

const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const ms = (value: number) => `${value.toFixed(2)} ms`;

async function policy(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(new URL('../../examples/dev/policy.yaml', import.meta.url), 'utf8');
}

async function gateOn(cluster: OwnedCluster, mode: Durability): Promise<GateFixture> {
  const nodes = cluster.addresses.map((address) => `"${address}"`).join(', ');
  return startGateFixture(await policy(), {
    configExtra: [`state: { driver: redis, cluster: [${nodes}], prefix: "${RUN}:${mode}:", timeout: 100ms, durability: ${mode} }`, 'limits: { check_timeout: 5s }'].join('\n'),
  });
}

async function measureCost(cluster: OwnedCluster): Promise<void> {
  const gates = { none: await gateOn(cluster, 'none'), wait: await gateOn(cluster, 'wait') };
  const samples: Record<Durability, number[]> = { none: [], wait: [] };
  const bursts: Record<Durability, { elapsed: number[]; ok: number; total: number }> = { none: { elapsed: [], ok: 0, total: 0 }, wait: { elapsed: [], ok: 0, total: 0 } };
  try {
    for (const mode of MODES) await burst(gates[mode], 10, `warm-${mode}`);
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of MODES) {
        const f = gates[mode];
        const minted = await Promise.all(
          Array.from({ length: SEQUENTIAL }, async (_, i) => ({
            ...(await f.mintDelegated(`finance-${mode}-${round}-${i}`, ['planner'], { initiator: `sso:${mode}-${round}-${i}` })),
            body: JSON.stringify({ payment_id: `pay_${mode}_${round}_${i}`, amount: 100, destination: 'acct_9f8e7d6c5b' }),
          })),
        );
        for (const call of minted) {
          const started = performance.now();
          const r = await send(f, call);
          if (r.grpcCode === 0) samples[mode].push(performance.now() - started);
        }
        const b = await burst(f, 100, `b-${mode}-${round}`);
        bursts[mode].elapsed.push(b.elapsedMs);
        bursts[mode].ok += b.counts.OK ?? 0;
        bursts[mode].total += 100;
      }
    }
  } finally {
    await Promise.all([gates.none.close(), gates.wait.close()]);
  }
  console.log(`\n1. Cost of state.durability (load average ${loadavg()[0]?.toFixed(1)}): ${ROUNDS} rounds × ${SEQUENTIAL} sequential allowed Checks, and a 100-Check burst per round`);
  for (const mode of MODES) {
    const sorted = [...samples[mode]].sort((a, b) => a - b);
    const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
    const burstSorted = [...bursts[mode].elapsed].sort((a, b) => a - b);
    console.log(
      `   ${mode.padEnd(4)}: n=${sorted.length} p50 ${ms(quantile(sorted, 0.5))}, p90 ${ms(quantile(sorted, 0.9))}, p99 ${ms(quantile(sorted, 0.99))}, mean ${ms(mean)}; burst of 100: median ${ms(quantile(burstSorted, 0.5))} to answer all, ${bursts[mode].ok}/${bursts[mode].total} allowed`,
    );
  }
}

async function measureFailovers(cluster: OwnedCluster, mode: Durability): Promise<void> {
  const config: RedisStateConfig = { driver: 'redis', cluster: [...cluster.addresses], prefix: `${RUN}:fo-${mode}:`, timeoutMs: 100, ledgerTtlMs: 60_000, durability: mode };
  const keys = createRedisKeys(config.prefix);
  const checker = new Cluster(cluster.addresses.map(parseHostPort), { scaleReads: 'master' });
  const store = await createRedisStore(config);
  const space = { purpose: 'agent', issuer: 'perf' } as const;
  let totalAcked = 0;
  let totalLost = 0;
  const elections: number[] = [];
  try {
    for (let n = 0; n < FAILOVERS; n++) {
      const acked: { jti: string; at: number }[] = [];
      let failed = 0;
      let running = true;
      let serial = 0;
      const writers = Array.from({ length: 8 }, async () => {
        while (running) {
          const jti = `${mode}-${n}-${serial++}`;
          const now = Date.now();
          try {
            if (await store.claimJti(space, jti, now + 600_000, now)) acked.push({ jti, at: performance.now() });
          } catch {
            failed += 1;
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const victim = (await cluster.masters())[n % 3] as NonNullable<Awaited<ReturnType<OwnedCluster['masters']>>[number]>;
      const killedAt = performance.now();
      await victim.kill();
      await cluster.waitPromoted(victim, 30_000);
      elections.push(performance.now() - killedAt);
      await new Promise((resolve) => setTimeout(resolve, 300));
      running = false;
      await Promise.all(writers);
      const exists = await Promise.all(acked.map(({ jti }) => checker.exists(keys.jti(space, jti))));
      const lost = acked.filter((_, i) => exists[i] === 0);
      totalAcked += acked.length;
      totalLost += lost.length;
      const beforeKill = lost.map(({ at }) => (killedAt - at).toFixed(1));
      console.log(`   ${mode.padEnd(4)} failover ${n + 1}: election ${ms(elections.at(-1) as number)}; ${acked.length} claims acknowledged, ${failed} refused (STATE_UNAVAILABLE); acknowledged but lost on the promoted replica: ${lost.length}${lost.length ? ` (acknowledged ${beforeKill.join(', ')} ms before the kill)` : ''}`);
      await victim.start();
      await cluster.waitHealthy(30_000);
      await cluster.waitReplicated(1, 30_000);
    }
  } finally {
    await store.close();
    checker.disconnect();
  }
  console.log(`   ${mode.padEnd(4)} total: ${totalLost} of ${totalAcked} acknowledged claims lost over ${FAILOVERS} failovers`);
}

const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
try {
  await cluster.waitReplicated(1, 30_000);
  await measureCost(cluster);
  console.log('\n2. Election and replay window: 8 writers claiming fresh jtis through the Redis driver, a master SIGKILLed (cluster-node-timeout 1 s)');
  for (const mode of MODES) await measureFailovers(cluster, mode);
} finally {
  await cluster.stop();
}
