/**
 * Fault drill: the Redis state store, on a PRIVATE redis-server this drill starts, stopped
 * (SIGKILL), frozen (SIGSTOP), slowed (`DEBUG SLEEP`) and restarted under a gate that uses it.
 * Oracle: during a fault every answer is a fast deny (the jti cannot be claimed: fail closed),
 * never an allow and never a hang; after the fault a fresh call is allowed again without
 * restarting the gate.
 */
import { Redis } from 'ioredis';
import type { Category, Exchange } from '../category.js';
import { MCP } from '../agents.js';
import { startOwnedRedis } from '../../test/helpers/redis-server.js';

const PING = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
const FAULT_CODES = ['STATE_UNAVAILABLE', 'INTERNAL'];

export const category: Category = {
  name: 'faults-redis',
  cases: { short: 12, long: 60 },
  sequential: true,
  async start(env) {
    const redis = await startOwnedRedis(['--enable-debug-command', 'yes']);
    const gate = await env.startGate({ configExtra: `state: { driver: redis, url: "${redis.url}", prefix: "campaign:", timeout: 50ms }` });
    const admin = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => 200 });
    const ping = async () => env.check({ ...MCP, body: PING, token: await gate.mint('reader-1') }, gate);
    /** Checks until one is allowed (recovery), at most `ms`; every answer is judged. */
    const recover = async (ms: number): Promise<Exchange[]> => {
      const exchanges: Exchange[] = [];
      const deadline = Date.now() + ms;
      for (;;) {
        const answer = await ping();
        if (answer.summary?.grpcCode === 0 || Date.now() > deadline) {
          exchanges.push({ expect: { allow: 'must' }, answer });
          return exchanges;
        }
        exchanges.push({ expect: { allow: 'may', codes: FAULT_CODES }, answer });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    return {
      async runCase(_rng, index) {
        const phase = index % 4;
        const exchanges: Exchange[] = [{ expect: { allow: 'must' }, answer: await ping() }];
        let label: string;
        if (phase === 0) {
          label = 'stopped, then restarted';
          await redis.kill();
          for (let i = 0; i < 3; i++) exchanges.push({ expect: { allow: 'never', codes: FAULT_CODES }, answer: await ping() });
          await redis.start();
        } else if (phase === 1) {
          label = 'frozen, then thawed';
          redis.freeze();
          for (let i = 0; i < 3; i++) exchanges.push({ expect: { allow: 'never', codes: FAULT_CODES }, answer: await ping() });
          redis.thaw();
        } else if (phase === 2) {
          label = 'DEBUG SLEEP 1';
          if (admin.status === 'wait') await admin.connect();
          const sleeping = admin.call('DEBUG', 'SLEEP', '1').catch(() => undefined);
          await new Promise((resolve) => setTimeout(resolve, 50));
          for (let i = 0; i < 3; i++) exchanges.push({ expect: { allow: 'never', codes: FAULT_CODES }, answer: await ping() });
          await sleeping;
        } else {
          label = 'many checks while stopped';
          await redis.kill();
          const answers = await Promise.all(Array.from({ length: 40 }, () => ping()));
          for (const answer of answers) exchanges.push({ expect: { allow: 'never', codes: FAULT_CODES }, answer });
          await redis.start();
        }
        exchanges.push(...(await recover(10_000)));
        return { label, exchanges };
      },
      async stop() {
        admin.disconnect();
        await gate.close();
        await redis.kill();
      },
    };
  },
};
