/**
 * Failover (issue 18 item 4, docs/design.md §9 "Failover"): a live Redis Cluster of three
 * masters with one replica each, owned by this file. A master is killed (SIGKILL, as a crashed
 * host) under load: Checks deny fast (503 STATE_UNAVAILABLE, never a hang past the check
 * deadline, never an allow on a state error) during the election and pass again once the
 * replica is promoted, on the same gate. Asynchronous replication leaves a replay window — a
 * jti claimed on the master but not yet on its replica is claimable again after promotion
 * (shown here with a lagging replica) — and `state.durability: wait` closes it: a claim is
 * acknowledged only once the replica holds it. Figures are printed, not asserted (shared machine).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/audit/verify-log.js';
import { createRedisKeys } from '../../src/state/redis/redis-keys.js';
import { send, type BurstCall } from '../helpers/burst.js';
import type { CheckSummary } from '../helpers/envoy-client.js';
import { eventually } from '../helpers/eventually.js';
import { ISSUER, startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';
import { startRedisCluster, type ClusterNode, type OwnedCluster } from '../helpers/redis-cluster.js';
import { freshPrefix } from '../helpers/redis-test.js';

const POLICY = await readFile(new URL('../../examples/dev/policy.yaml', import.meta.url), 'utf8');
const CHECK_TIMEOUT_MS = 1_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let cluster: OwnedCluster;
beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
  await cluster.waitReplicated(1);
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

/** A gate on the cluster; `durability` is the `state.durability` value. */
async function gateOnCluster(prefix: string, durability: 'none' | 'wait', decisionLog?: string): Promise<GateFixture> {
  const nodes = cluster.addresses.map((address) => `"${address}"`).join(', ');
  return startGateFixture(POLICY, {
    ...(decisionLog === undefined ? {} : { audit: `audit: { decision_log: "${decisionLog}" }` }),
    configExtra: [`state: { driver: redis, cluster: [${nodes}], prefix: "${prefix}", timeout: 100ms, durability: ${durability} }`, `limits: { check_timeout: ${CHECK_TIMEOUT_MS}ms }`].join('\n'),
  });
}

let serial = 0;
/** One fresh, valid payment draft: its own agent, initiator and payment. */
async function freshCall(f: GateFixture): Promise<BurstCall & { jti: string }> {
  serial += 1;
  const minted = await f.mintDelegated(`finance-fo-${serial}`, ['planner'], { initiator: `sso:fo-${serial}` });
  const payload = JSON.parse(Buffer.from(minted.token.split('.')[1] as string, 'base64url').toString('utf8')) as { jti: string };
  return { ...minted, jti: payload.jti, body: JSON.stringify({ payment_id: `pay_fo_${serial}`, amount: 100, destination: 'acct_9f8e7d6c5b' }) };
}

const codeOf = (r: CheckSummary) => (r.grpcCode === 0 ? 'OK' : String(r.body?.code));

/** Waits until the gate allows three fresh Checks in a row (it found the promoted master). */
async function untilServing(f: GateFixture): Promise<number> {
  const started = performance.now();
  let streak = 0;
  await eventually(
    async () => {
      streak = codeOf(await send(f, await freshCall(f))) === 'OK' ? streak + 1 : 0;
      return streak >= 3;
    },
    (done) => done,
    20_000,
    50,
  );
  return performance.now() - started;
}

/** Brings a killed node back (it rejoins as a replica) and waits for a healthy, replicated cluster. */
async function heal(node: ClusterNode): Promise<void> {
  await node.start();
  await cluster.waitHealthy(20_000);
  await cluster.waitReplicated(1);
}

/** The replica of `master` (from its INFO replication). */
async function replicaOf(master: ClusterNode): Promise<ClusterNode> {
  const info = String(await master.command('info', 'replication'));
  const port = Number(/^slave0:.*port=(\d+)/m.exec(info)?.[1]);
  const replica = cluster.nodes.find((node) => node.port === port);
  if (!replica) throw new Error(`no replica of ${master.address}`);
  return replica;
}

/**
 * Cuts `master`'s replication link and keeps its replica from reconnecting (a wrong
 * `masterauth` fails the handshake), as a network blip between them would: the replica lags.
 * The returned function lets it reconnect.
 */
async function cutReplication(master: ClusterNode): Promise<{ replica: ClusterNode; restore: () => Promise<void> }> {
  const replica = await replicaOf(master);
  await replica.command('config', 'set', 'masterauth', 'not-the-password');
  await master.command('client', 'kill', 'type', 'replica');
  return { replica, restore: async () => void (await replica.command('config', 'set', 'masterauth', '')) };
}

describe('a master killed under load', () => {
  it('denies fast during the election, never allows on a state error, and serves again without a gate restart', async () => {
    const prefix = freshPrefix('failover');
    const f = await gateOnCluster(prefix, 'none');
    try {
      await untilServing(f);
      // The master of the duty ledger: every payment draft commits there, so every Check meets the election.
      const victim = await cluster.masterOf(createRedisKeys(prefix).ledger('x', 'y'));
      const answers: { code: string; ms: number; startedAt: number }[] = [];
      let running = true;
      const loops = Array.from({ length: 3 }, async () => {
        while (running) {
          const call = await freshCall(f);
          const startedAt = performance.now();
          const r = await send(f, call);
          answers.push({ code: codeOf(r), ms: performance.now() - startedAt, startedAt });
        }
      });
      await sleep(300);
      const killedAt = performance.now();
      await victim.kill();
      await cluster.waitPromoted(victim);
      const electedMs = performance.now() - killedAt;
      const resumedMs = electedMs + (await untilServing(f));
      running = false;
      await Promise.all(loops);

      const during = answers.filter((a) => a.startedAt > killedAt);
      const denied = during.filter((a) => a.code !== 'OK');
      expect(denied.length, 'no Check met the election').toBeGreaterThan(3);
      for (const { code } of answers) expect(['OK', 'STATE_UNAVAILABLE']).toContain(code);
      for (const { ms } of during) expect(ms).toBeLessThan(CHECK_TIMEOUT_MS + 500);
      const slowest = Math.max(...during.map((a) => a.ms));
      console.log(`[failover] election (kill → replica serving the slots) ${electedMs.toFixed(0)} ms; gate allowing again after ${resumedMs.toFixed(0)} ms; ${denied.length} of ${during.length} Checks denied STATE_UNAVAILABLE meanwhile, slowest answer ${slowest.toFixed(0)} ms`);
      await heal(victim);
    } finally {
      await f.close();
    }
  }, 30_000);
});

describe('the replay window of asynchronous replication', () => {
  it('without durability: a jti acknowledged while the replica lagged is claimable again after promotion', async () => {
    const prefix = freshPrefix('window');
    const f = await gateOnCluster(prefix, 'none');
    try {
      await untilServing(f);
      const call = await freshCall(f);
      const key = createRedisKeys(prefix).jti({ purpose: 'agent', issuer: ISSUER }, call.jti);
      const master = await cluster.masterOf(key);
      const { replica, restore } = await cutReplication(master);
      expect(codeOf(await send(f, call))).toBe('OK');
      await master.kill();
      await restore();
      await cluster.waitPromoted(master);
      expect((await cluster.masterOf(key)).port).toBe(replica.port);
      expect(await replica.command('exists', key)).toBe(0);
      await untilServing(f);
      // The same token again: the promoted replica never heard of its jti.
      expect(codeOf(await send(f, call))).toBe('OK');
      await heal(master);
    } finally {
      await f.close();
    }
  }, 30_000);

  it('with state.durability: wait: a Check is acknowledged only once the replica holds its claim; the replay is refused after promotion, and the audit chain of the killed master verifies clean', async () => {
    const prefix = freshPrefix('durable');
    const dir = await mkdtemp(join(tmpdir(), 'dutygate-failover-'));
    const log = join(dir, 'decisions.jsonl');
    const f = await gateOnCluster(prefix, 'wait', log);
    try {
      await untilServing(f);
      // A lagging replica: the claim cannot be acknowledged, so the Check is denied (fail closed).
      const lagging = await freshCall(f);
      const laggingKey = createRedisKeys(prefix).jti({ purpose: 'agent', issuer: ISSUER }, lagging.jti);
      const cut = await cutReplication(await cluster.masterOf(laggingKey));
      try {
        expect(codeOf(await send(f, lagging))).toBe('STATE_UNAVAILABLE');
      } finally {
        await cut.restore();
      }
      await cluster.waitReplicated(1);

      // A token whose jti lives on the master of the audit chain head: the kill takes both.
      const keys = createRedisKeys(prefix);
      const master = await cluster.masterOf(keys.auditHead);
      let call = await freshCall(f);
      while ((await cluster.masterOf(keys.jti({ purpose: 'agent', issuer: ISSUER }, call.jti))).port !== master.port) call = await freshCall(f);
      const key = keys.jti({ purpose: 'agent', issuer: ISSUER }, call.jti);
      const replica = await replicaOf(master);
      expect(codeOf(await send(f, call))).toBe('OK');
      await f.gate.audit.settled();
      const headBefore = await master.command('get', keys.auditHead);
      await master.kill();
      await cluster.waitPromoted(master);
      // The chain head the gate was told was written is the promoted replica's too.
      expect(await replica.command('get', keys.auditHead)).toBe(headBefore);
      expect((await cluster.masterOf(key)).port).toBe(replica.port);
      expect(await replica.command('exists', key)).toBe(1);
      // The promoted master has no replica until the old one rejoins: with durability on,
      // writes to its slots are refused meanwhile (fail closed); so it rejoins first.
      await heal(master);
      await untilServing(f);
      // Never allowed again; a retry after a STATE_UNAVAILABLE (a connection still settling) is
      // safe to send, since the claim is already there and can only be refused.
      const replays: string[] = [];
      await eventually(
        async () => {
          replays.push(codeOf(await send(f, call)));
          return replays.at(-1);
        },
        (code) => code !== 'STATE_UNAVAILABLE',
        5_000,
        100,
      );
      expect(replays.at(-1)).toBe('REPLAY');
      expect(replays.filter((code) => code !== 'STATE_UNAVAILABLE' && code !== 'REPLAY')).toEqual([]);
    } finally {
      await f.close();
    }
    try {
      // Every Check of this gate, the failover included, is in one clean chain.
      expect(verifyAuditLog([{ file: log, text: await readFile(log, 'utf8') }])).toMatchObject({ ok: true, firstSeq: 1 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
