/**
 * `node dist-bench/bench/ledger-commit-main.js [members…]` (after `npm run bench` built
 * dist-bench/): what one duty-ledger commit costs inside Redis as the resource's ledger key grows.
 * For each size it fills a scratch key with that many members of other actors (the `3:` form,
 * with initiators and two ancestors), then runs the driver's commit script 2,000 times for a
 * fresh `approve` by one of 50 reviewers (removing each entry again, so the key keeps its size)
 * and reads Redis's own time per call from `INFO commandstats` (`usec_per_call` of EVALSHA):
 * the time Redis serves no other client. Needs Redis on 127.0.0.1:6379 (resets its command
 * statistics). Informative only.
 */
import { Redis } from 'ioredis';
import { COMMIT_DUTY_LUA } from '../src/state/redis/lua-ledger.js';

const sizes = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [10, 80, 800];
const CALLS = 2000;
const prefix = `ledger-commit-bench:${process.pid}:{ledger}:`;
const ledgerKey = `${prefix}7:payment:p1`;
const shareKeys = [`${prefix}q:agent:a`, `${prefix}q:initiator:i`];
const STEPS = ['draft', 'approve', 'release'];

const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
try {
  const sha = (await redis.script('LOAD', COMMIT_DUTY_LUA)) as string;
  for (const size of sizes) {
    await redis.del(ledgerKey, ...shareKeys);
    const now = Date.now();
    const fill: (string | number)[] = [];
    for (let j = 0; j < size; j++) fill.push(now - 1000 + j, `3:${STEPS[j % 3]!}:agent-${j}:=sso%3Auser${j % 7}:planner-${j % 11}:mid-${j}`);
    if (fill.length > 0) await redis.zadd(ledgerKey, ...fill);
    await redis.config('RESETSTAT');
    for (let call = 0; call < CALLS; call++) {
      const agent = `reviewer-${call % 50}`;
      const member = `3:approve:${agent}:=sso%3Afrank`;
      const reply = await redis.evalsha(sha, 3, ledgerKey, ...shareKeys, now, now - 900_000, 900_000, agent, '1', 'sso%3Afrank', '0', '1', '1', 'approve', '1', 'lineage', member, '3', ...STEPS, '100000', '2', 'agent', 'initiator');
      if (reply !== 0) throw new Error(`commit ${call} on ${size} members: expected no conflict, got ${JSON.stringify(reply)}`);
      await redis.zrem(ledgerKey, member);
    }
    const stats = /cmdstat_evalsha:calls=(\d+),usec=\d+,usec_per_call=([\d.]+)/.exec(await redis.info('commandstats'));
    process.stdout.write(`${String(size).padStart(6)} members: ${stats?.[2] ?? '?'} µs of Redis per commit (${stats?.[1] ?? '?'} calls)\n`);
  }
} finally {
  await redis.del(ledgerKey, ...shareKeys);
  redis.disconnect();
}
