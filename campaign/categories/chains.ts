/**
 * Delegation chains on payments.create (which requires an attested parent): missing, reordered,
 * foreign, repeated and self links, A→B→A laundering, a child naming a parent it does not carry,
 * and a clean chain. Oracle: only the clean chain (with a granted body) may be allowed; it must be.
 */
import type { Category, Expectation } from '../category.js';
import { PAYMENTS } from '../agents.js';

export const category: Category = {
  name: 'chains',
  cases: { short: 1_500, long: 15_000 },
  start(env) {
    const gate = env.gate;
    return {
      async runCase(rng, index) {
        const body = JSON.stringify({ payment_id: `p-ch${index}`, amount: 100, destination: 'acct_ABCDEFGH12' });
        // Links are delegation attestations, each naming the agent it delegates to.
        const root = await gate.mintLink('planner', 'finance-mid', { initiator: 'sso:carol' });
        const middle = await gate.mintLink('finance-mid', 'finance-leaf', { initiator: 'sso:carol', parent: root });
        const child = await gate.mintChild(middle, 'finance-leaf', { initiator: 'sso:carol' });
        const stranger = await gate.mintLink('finance-stranger', 'finance-leaf');
        let token = child;
        let chain: string[] = [root, middle];
        let expect: Expectation = { allow: 'never' };
        let label: string;
        switch (rng.int(10)) {
          case 0:
            label = 'clean two-link chain';
            expect = { allow: 'must' };
            break;
          case 1:
            label = 'chain missing the root';
            chain = [middle];
            break;
          case 2:
            label = 'chain reordered';
            chain = [middle, root];
            break;
          case 3:
            label = 'a foreign link';
            chain = [root, stranger];
            break;
          case 4:
            label = 'no chain';
            chain = [];
            break;
          case 5:
            label = 'the parent link repeated';
            chain = [root, middle, middle];
            break;
          case 6: {
            label = 'A→B→A laundering';
            const leaf = await gate.mintLink('finance-leaf', 'finance-mid', { initiator: 'sso:carol', parent: middle });
            const back = await gate.mintLink('finance-mid', 'finance-leaf2', { initiator: 'sso:carol', parent: leaf });
            token = await gate.mintChild(back, 'finance-leaf2', { initiator: 'sso:carol' });
            chain = [root, middle, leaf, back];
            break;
          }
          case 7:
            label = 'a chain of garbage';
            chain = [rng.pick(['x', '', 'a.b.c', `${root}x`, root.split('.').slice(0, 2).join('.')]), middle];
            break;
          case 8:
            label = 'a parent named but root-only token with claims forged';
            token = await gate.mint('finance-leaf', { extra: { parent_agent_id: 'finance-mid', parent_jti: 'nope' } });
            break;
          default: {
            label = 'a child of a child whose middle link is swapped for a sibling';
            const sibling = await gate.mintLink('finance-mid', 'finance-leaf', { initiator: 'sso:carol', parent: root });
            chain = [root, sibling];
          }
        }
        const answer = await env.check({ ...PAYMENTS, body, token, chain });
        return { label, exchanges: [{ expect, answer }] };
      },
    };
  },
};
