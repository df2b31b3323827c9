/**
 * Replay keyspaces (issue 19 item 5), on the shared memory gate and on a Redis-backed one: agent
 * token ids shaped like another keyspace's keys (`override:<J>`, `o:<J>`, `a:<issuer>:<J>`), like
 * a Redis Cluster hash tag (`{…}`), or escaped (`%7B…`, `%3A`). Oracle: every such id is its
 * own: the first token with it is allowed, a second token with the same id is REPLAY, and a
 * token with a sibling spelling is allowed again (no two spellings share a key).
 */
import type { Category, Exchange } from '../category.js';
import type { GateFixture } from '../../test/helpers/gate-fixture.js';
import { ISSUER } from '../../test/helpers/gate-fixture.js';
import { redisGateState } from '../shared-redis.js';
import { MCP } from '../agents.js';

const PING = '{"jsonrpc":"2.0","id":1,"method":"ping"}';

/** Spellings of one base id that a naive key layout would merge or mis-slot. */
const SPELLINGS = [
  (j: string) => j,
  (j: string) => `override:${j}`,
  (j: string) => `o:${j}`,
  (j: string) => `a:${ISSUER}:${j}`,
  (j: string) => `a:${encodeURIComponent(ISSUER)}:${j}`,
  (j: string) => `{${j}}`,
  (j: string) => `x{${j}}y`,
  (j: string) => `%7B${j}%7D`,
  (j: string) => `${j}%3Az`,
  (j: string) => `${j}:z`,
];

export const category: Category = {
  name: 'keyspaces',
  cases: { short: 400, long: 4_000 },
  async start(env) {
    const redis = await redisGateState('campaign-keyspaces');
    const redisGate = redis ? await env.startGate({ configExtra: redis.configExtra, agentKeys: env.gate.agentKeys }) : undefined;
    return {
      async runCase(rng, index) {
        const gate: GateFixture = redisGate && rng.chance(0.5) ? redisGate : env.gate;
        const base = `k${index}-${rng.int(1_000_000_000)}`;
        const [first, second] = [rng.int(SPELLINGS.length), rng.int(SPELLINGS.length - 1)];
        const sibling = second >= first ? second + 1 : second;
        const jti = SPELLINGS[first]!(base);
        const other = SPELLINGS[sibling]!(base);
        const ping = async (id: string) => env.check({ ...MCP, body: PING, token: await gate.mint(`reader-${index % 9}`, { jti: id }) }, gate);
        const exchanges: Exchange[] = [
          { expect: { allow: 'must' }, answer: await ping(jti) },
          { expect: { allow: 'never', codes: ['REPLAY'] }, answer: await ping(jti) },
          { expect: { allow: 'must' }, answer: await ping(other) },
        ];
        return { label: `jti ${JSON.stringify(jti)} then ${JSON.stringify(other)} (${gate === redisGate ? 'redis' : 'memory'})`, exchanges };
      },
      async stop() {
        await redisGate?.close();
        await redis?.cleanup();
      },
    };
  },
};
