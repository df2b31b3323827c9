/**
 * Delegation attestations against credentials (issue 19 item 1): a chain link presented as the
 * bearer credential (alone, with its chain, re-typed `application/…` or in another case), a
 * parent's credential presented as a link, a link that delegates to another agent, and a
 * credential whose audience names the delegation audience. Oracle: none of those is ever
 * allowed, each with its code; a clean delegated call must be.
 */
import { CompactSign, decodeJwt, importJWK } from 'jose';
import { mintChildToken } from '../../src/identity/mint-token.js';
import { DELEGATION_AUDIENCE } from '../../src/identity/delegation.js';
import type { Category, Expectation } from '../category.js';
import type { CampaignRequest } from '../environment.js';
import { MCP, PAYMENTS } from '../agents.js';
import { AUDIENCE, ISSUER } from '../../test/helpers/gate-fixture.js';

const PING = '{"jsonrpc":"2.0","id":1,"method":"ping"}';

export const category: Category = {
  name: 'delegation',
  cases: { short: 600, long: 6_000 },
  start(env) {
    const gate = env.gate;
    const base = { iss: ISSUER, aud: AUDIENCE };
    const retype = async (token: string, typ: string): Promise<string> => {
      const [, payload] = token.split('.');
      const key = await importJWK(gate.agentKey, 'EdDSA');
      return new CompactSign(Buffer.from(payload!, 'base64url')).setProtectedHeader({ alg: 'EdDSA', typ, kid: gate.agentKey.kid! }).sign(key);
    };
    return {
      async runCase(rng, index) {
        const leaf = `finance-dl${index % 7}`;
        const body = JSON.stringify({ payment_id: `p-dl${index}`, amount: 100, destination: 'acct_ABCDEFGH12' });
        const link = await gate.mintLink('planner', leaf, { initiator: 'sso:carol' });
        let request: CampaignRequest = { ...PAYMENTS, body, token: await gate.mintChild(link, leaf, { initiator: 'sso:carol' }), chain: [link] };
        let expect: Expectation = { allow: 'never', codes: ['TOKEN_TYPE'] };
        let label: string;
        switch (rng.int(7)) {
          case 0:
            label = 'clean delegated call';
            expect = { allow: 'must' };
            break;
          case 1:
            label = 'the link as the bearer credential';
            request = rng.chance(0.5) ? { ...request, token: link, chain: [] } : { ...MCP, body: PING, token: link };
            break;
          case 2:
            label = 'the link as the bearer credential, with its own chain';
            request = { ...request, token: link };
            break;
          case 3: {
            label = 'the link re-typed as a credential (media type spellings)';
            request = { ...MCP, body: PING, token: await retype(link, rng.pick(['application/dutygate-delegation+jwt', 'Dutygate-Delegation+JWT', 'APPLICATION/DUTYGATE-DELEGATION+JWT'])) };
            break;
          }
          case 4: {
            label = "the parent's credential as the link";
            const credential = await gate.mint('planner', { initiator: 'sso:carol' });
            const child = await mintChildToken(gate.agentKey, { agentId: 'planner', jti: String(decodeJwt(credential).jti) }, { ...base, agentId: leaf, initiator: 'sso:carol' });
            request = { ...request, token: child, chain: [credential] };
            expect = { allow: 'never', codes: ['CHAIN_INVALID'] };
            break;
          }
          case 5: {
            label = 'a link that delegates to another agent';
            const other = await gate.mintLink('planner', `${leaf}-other`, { initiator: 'sso:carol' });
            const child = await mintChildToken(gate.agentKey, { agentId: 'planner', jti: String(decodeJwt(other).jti) }, { ...base, agentId: leaf, initiator: 'sso:carol' });
            request = { ...request, token: child, chain: [other] };
            expect = { allow: 'never', codes: ['CHAIN_INVALID'] };
            break;
          }
          default:
            label = 'a credential whose audience names the delegation audience';
            request = { ...MCP, body: PING, token: await gate.mint(`reader-${index}`, { aud: rng.chance(0.5) ? [AUDIENCE, DELEGATION_AUDIENCE] : [DELEGATION_AUDIENCE, AUDIENCE] }) };
        }
        return { label, exchanges: [{ expect, answer: await env.check(request) }] };
      },
    };
  },
};
