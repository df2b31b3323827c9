/**
 * Bursts on one gate: on memory,
 * one Redis and a live Redis Cluster, 100 concurrent Checks are allowed (no spurious
 * STATE_UNAVAILABLE: the deadline measures Redis, not the busy event loop); beyond what the
 * gate runs at once and holds in line, the excess is shed with 503 OVERLOADED before any state
 * is touched — its tokens are not spent, a later retry passes — with a metric and a log line.
 *
 * The check deadline here is a generous 5 s: this shared 2-core machine answers a 100-Check
 * burst in well over the production 150 ms (memory included); what is tested is that nothing
 * fails that the gate could answer, and that what it cannot is shed cleanly.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { burst, send } from '../helpers/burst.js';
import { startGateFixture, type LogLine } from '../helpers/gate-fixture.js';
import { deleteTestKeys, freshPrefix, REDIS_BACKENDS } from '../helpers/redis-test.js';

const POLICY = await readFile(new URL('../../examples/dev/policy.yaml', import.meta.url), 'utf8');
const DEPLOYMENTS = [{ name: 'memory', stateYaml: (_prefix: string, _extra?: string) => '' }, ...REDIS_BACKENDS] as const;
/**
 * 100 ms, not the production 50 ms: at a load average of 15+ on this shared machine a Redis
 * process itself can wait longer than 50 ms for a CPU — a late answer the gate rightly
 * refuses. Before the fix the 100-Check burst failed with this deadline too (11–12 of 100
 * STATE_UNAVAILABLE: it measured the gate's own busy event loop), so it tells the two apart.
 */
const STATE_TIMEOUT = 'timeout: 100ms';

afterAll(async () => {
  await deleteTestKeys();
});

describe.each(DEPLOYMENTS)('a burst on $name', (deployment) => {
  it('allows 100 concurrent Checks (>= 99 %), none STATE_UNAVAILABLE', async () => {
    const f = await startGateFixture(POLICY, { configExtra: [deployment.stateYaml(freshPrefix('burst'), STATE_TIMEOUT), 'limits: { check_timeout: 5s }'].join('\n') });
    try {
      await burst(f, 5, 'warm-up'); // connections to every node made, scripts loaded
      const { counts } = await burst(f, 100);
      expect(counts.STATE_UNAVAILABLE ?? 0, JSON.stringify(counts)).toBe(0);
      expect(counts.OK ?? 0, JSON.stringify(counts)).toBeGreaterThanOrEqual(99);
    } finally {
      await f.close();
    }
  }, 60_000);
});

describe.each(REDIS_BACKENDS)('beyond capacity on $name', (backend) => {
  it('sheds the excess with OVERLOADED before touching state: tokens unspent, a metric, a log line', async () => {
    const lines: LogLine[] = [];
    const f = await startGateFixture(POLICY, {
      configExtra: [backend.stateYaml(freshPrefix('shed'), STATE_TIMEOUT), 'limits: { check_timeout: 5s, max_in_flight: 2, max_queued: 10 }'].join('\n'),
      logLines: (line) => lines.push(line),
    });
    try {
      await burst(f, 10, 'warm-up');
      const { counts, calls, results } = await burst(f, 60);
      expect(Object.keys(counts).sort(), JSON.stringify(counts)).toEqual(['OK', 'OVERLOADED']);
      const shed = results.flatMap((result, i) => (result.body?.code === 'OVERLOADED' ? [calls[i]!] : []));
      expect(shed.length).toBeGreaterThanOrEqual(40);
      for (const result of results.filter((r) => r.body?.code === 'OVERLOADED')) {
        expect([result.grpcCode, result.httpStatus]).toEqual([14, 503]);
      }
      // Their tokens were not spent: the same calls, retried once the burst is over, pass.
      for (const call of shed) expect((await send(f, call)).body?.code).toBeUndefined();
      const metrics = await (await fetch(`${f.httpUrl}/metrics`)).text();
      expect(Number(/^dutygate_checks_shed_total(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1])).toBe(shed.length);
      expect(lines.some((line) => line.level === 40 && line.msg.startsWith('checks shed (OVERLOADED)'))).toBe(true);
    } finally {
      await f.close();
    }
  }, 60_000);
});
