/**
 * Inputs built to be expensive: 32 k-character tool names against `mcp:*_*_*_admin` (a
 * backtracking glob blocked the event loop for over 60 s), long agent ids against `finance-*`,
 * 60 KB strings against param regexes, 10 000-deep nesting, thousands of keys, 1 000-digit
 * numbers. Oracle: every answer under a second (and nothing ill-formed allowed).
 */
import type { Category, Expectation } from '../category.js';
import { financeAgent, MCP, PAYMENTS } from '../agents.js';
import type { CampaignRequest } from '../environment.js';

export const category: Category = {
  name: 'attacks',
  cases: { short: 400, long: 4_000 },
  start(env) {
    return {
      async runCase(rng, index) {
        let request: CampaignRequest;
        let expect: Expectation = { allow: 'never' };
        let label: string;
        switch (rng.int(7)) {
          case 0: {
            const name = `${'_'.repeat(100 + rng.int(32_000))}x`;
            label = `tool name of ${name.length} underscores`;
            request = { ...MCP, body: JSON.stringify({ jsonrpc: '2.0', id: index, method: 'tools/call', params: { name } }), token: await env.gate.mint('reader-1') };
            break;
          }
          case 1: {
            const name = `read_${'_'.repeat(100 + rng.int(23))}`;
            label = `read_ + ${name.length - 5} underscores against *_*_*_admin`;
            request = { ...MCP, body: JSON.stringify({ jsonrpc: '2.0', id: index, method: 'tools/call', params: { name } }), token: await env.gate.mint('reader-1') };
            expect = { allow: 'may' };
            break;
          }
          case 2: {
            const agentId = `finance-${'-'.repeat(rng.int(2) === 0 ? 119 : 500)}`;
            label = `agent_id of ${agentId.length} characters`;
            const { token, chain } = await env.gate.mintDelegated(agentId, ['planner']);
            request = { ...PAYMENTS, body: JSON.stringify({ payment_id: `p-a${index}`, amount: 1, destination: 'acct_ABCDEFGH12' }), token, chain };
            expect = agentId.length <= 128 ? { allow: 'may' } : { allow: 'never', codes: ['TOKEN_CLAIMS'] };
            break;
          }
          case 3: {
            const destination = `acct_${'A'.repeat(20_000 + rng.int(40_000))}!`;
            label = `destination of ${destination.length} characters`;
            request = { ...PAYMENTS, body: JSON.stringify({ payment_id: `p-a${index}`, amount: 1, destination }), ...(await financeAgent(env.gate)) };
            break;
          }
          case 4: {
            const depth = 1_000 + rng.int(20_000);
            label = `nesting ${depth} deep`;
            request = { ...PAYMENTS, body: `{"payment_id":"p-a${index}","amount":1,"destination":"acct_ABCDEFGH12","x":${'['.repeat(depth)}${']'.repeat(depth)}}`, ...(await financeAgent(env.gate)) };
            expect = { allow: 'never', codes: ['BODY_TOO_DEEP', 'BODY_TOO_LARGE'] };
            break;
          }
          case 5: {
            const keys = 2_000 + rng.int(3_000);
            const members = Array.from({ length: keys }, (_, i) => `"k${i}":${i}`);
            if (rng.chance(0.5)) members.push(`"K${rng.int(keys)}":1`);
            label = `${members.length} keys`;
            request = { ...PAYMENTS, body: `{"payment_id":"p-a${index}","amount":1,"destination":"acct_ABCDEFGH12",${members.join(',')}}`, ...(await financeAgent(env.gate)) };
            expect = { allow: members.length > keys ? 'never' : 'may' };
            break;
          }
          default: {
            label = 'a 1 000-digit amount';
            request = { ...PAYMENTS, body: `{"payment_id":"p-a${index}","amount":${'9'.repeat(rng.chance(0.5) ? 999 : 1_001)},"destination":"acct_ABCDEFGH12"}`, ...(await financeAgent(env.gate)) };
          }
        }
        const answer = await env.check(request);
        return { label, exchanges: [{ expect, answer }] };
      },
    };
  },
};
