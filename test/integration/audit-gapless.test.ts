/**
 * The audit chain has no gaps (issue 18 item 3, docs/design.md §7). Decision logs of real gates
 * are handed to `audit verify`: after a burst on two gates sharing a live Redis Cluster, and
 * after the gate's own Redis was killed mid-traffic and restarted — the records of the Checks
 * answered (denied) while it was down waited in order and were chained once it was back.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/audit/verify-log.js';
import { burst, send, type BurstCall } from '../helpers/burst.js';
import { startGateFixture, type GateFixture, type LogLine } from '../helpers/gate-fixture.js';
import { startOwnedRedis, type OwnedRedis } from '../helpers/redis-server.js';
import { deleteTestKeys, freshPrefix, REDIS_BACKENDS } from '../helpers/redis-test.js';

const POLICY = await readFile(new URL('../../examples/dev/policy.yaml', import.meta.url), 'utf8');
const CLUSTER = REDIS_BACKENDS.find((backend) => backend.name === 'Redis Cluster')!;
const fileAudit = (file: string) => `audit: { decision_log: "${file}" }`;
/** Decision lines of a log in file order (checkpoints left out). */
const decisions = (text: string) =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { type: string; decision_id: string; audit?: { seq: number } })
    .filter((record) => record.type === 'decision');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dutygate-gapless-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterAll(async () => {
  await deleteTestKeys();
});

describe('two gates on the Redis Cluster', () => {
  it('leave logs that verify clean, as one chain, after a burst', async () => {
    const prefix = freshPrefix('gapless');
    const config = [CLUSTER.stateYaml(prefix, 'timeout: 50ms'), 'limits: { check_timeout: 5s }'].join('\n');
    const a = await startGateFixture(POLICY, { configExtra: config, audit: fileAudit(join(dir, 'a.jsonl')) });
    const b = await startGateFixture(POLICY, { configExtra: config, audit: fileAudit(join(dir, 'b.jsonl')), agentKeys: a.agentKeys });
    let answered = 0;
    try {
      const [onA, onB] = await Promise.all([burst(a, 100, 'ga'), burst(b, 100, 'gb')]);
      answered = onA.results.length + onB.results.length;
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    const logs = await Promise.all(['a.jsonl', 'b.jsonl'].map(async (file) => ({ file, text: await readFile(join(dir, file), 'utf8') })));
    expect(verifyAuditLog(logs)).toMatchObject({ ok: true, records: answered, firstSeq: 1, lastSeq: answered });
  }, 30_000);
});

describe('a gate whose Redis is killed and restarted', () => {
  let redis: OwnedRedis;
  let f: GateFixture;
  const lines: LogLine[] = [];
  const file = () => join(dir, 'decisions.jsonl');

  beforeEach(async () => {
    lines.length = 0;
    // AOF, fsync always: the chain head must survive the restart (README "Operations").
    redis = await startOwnedRedis(['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir]);
    f = await startGateFixture(POLICY, {
      configExtra: [`state: { driver: redis, url: "${redis.url}", prefix: "${freshPrefix('gapless-restart')}", timeout: 100ms }`, 'limits: { check_timeout: 1s }'].join('\n'),
      audit: fileAudit(file()),
      logLines: (line) => lines.push(line),
    });
  });
  afterEach(async () => {
    await f?.close();
    await redis?.kill();
  });

  it('denies fast while it is down, and chains every record in order once it is back', async () => {
    const answers: { id: unknown; code: unknown; ms: number }[] = [];
    const one = async (call: BurstCall) => {
      const started = performance.now();
      const r = await send(f, call);
      answers.push({ id: r.metadata.decision_id, code: r.body?.code ?? 'OK', ms: performance.now() - started });
    };
    // Tokens minted up front: while Redis is down, every Check sent is one that could pass.
    const calls = (n: number, label: string): Promise<BurstCall[]> =>
      Promise.all(
        Array.from({ length: n }, async (_, i) => ({
          ...(await f.mintDelegated(`finance-${label}-${i}`, ['planner'], { initiator: `sso:${label}-${i}` })),
          body: JSON.stringify({ payment_id: `pay_${label}_${i}`, amount: 100, destination: 'acct_9f8e7d6c5b' }),
        })),
      );

    for (const call of await calls(3, 'before')) await one(call);
    const outage = await calls(8, 'down');
    const after = await calls(3, 'after');
    await redis.kill();
    for (const call of outage) await one(call);
    // Their records wait, in order, for the store (the gauge operators watch fill up).
    const metrics = await (await fetch(`${f.httpUrl}/metrics`)).text();
    expect(Number(/^dutygate_audit_chain_waiting (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(8);
    await redis.start();
    for (const call of after) {
      // The first Checks after the restart may still meet the reconnect: denied, never allowed wrongly.
      await one(call);
    }
    await f.gate.audit.settled();
    await f.close();

    const down = answers.slice(3, 11);
    expect(down.map((answer) => answer.code)).toEqual(Array.from({ length: 8 }, () => 'STATE_UNAVAILABLE'));
    for (const { ms } of down) expect(ms).toBeLessThan(1_000);
    expect(answers.slice(0, 3).map((answer) => answer.code)).toEqual(['OK', 'OK', 'OK']);

    const text = await readFile(file(), 'utf8');
    expect(verifyAuditLog([{ file: file(), text }])).toMatchObject({ ok: true, records: answers.length });
    // In the order the Checks were answered, seq 1, 2, 3 …
    const lines = decisions(text);
    expect(lines.map((line) => line.decision_id)).toEqual(answers.map((answer) => answer.id));
    expect(lines.map((line) => line.audit?.seq)).toEqual(answers.map((_, i) => i + 1));
  }, 30_000);

  it('shuts down within its grace period while Redis is still away: the waiting records are written unchained, with the alarm', async () => {
    const call = { ...(await f.mintDelegated('finance-late', ['planner'], { initiator: 'sso:late' })), body: JSON.stringify({ payment_id: 'pay_late', amount: 1, destination: 'acct_9f8e7d6c5b' }) };
    expect((await send(f, call)).grpcCode).toBe(0);
    await f.gate.audit.settled();
    await redis.kill();
    const denied = await Promise.all([1, 2, 3].map(async (i) => send(f, { ...(await f.mintDelegated(`finance-late-${i}`, ['planner'], { initiator: `sso:late-${i}` })), body: JSON.stringify({ payment_id: `pay_late_${i}`, amount: 1, destination: 'acct_9f8e7d6c5b' }) })));
    expect(denied.map((r) => r.body?.code)).toEqual(['STATE_UNAVAILABLE', 'STATE_UNAVAILABLE', 'STATE_UNAVAILABLE']);
    const started = performance.now();
    await f.close();
    const closeMs = performance.now() - started;
    // The 5 s grace for records waiting on the store, plus the rest of the drain.
    expect(closeMs).toBeLessThan(12_000);
    const records = decisions(await readFile(file(), 'utf8'));
    expect(records.map((record) => record.audit === undefined)).toEqual([false, true, true, true]);
    const alarm = lines.find((line) => line.msg === 'audit records not chained (gap in the audit chain)');
    expect(alarm).toMatchObject({ count: 3, first_decision_id: records[1]?.decision_id, last_decision_id: records[3]?.decision_id });
  }, 30_000);
});
