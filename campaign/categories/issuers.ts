/**
 * Issuers are namespaces (issue 12 item 4): a gate trusting a first-party issuer (`corp`, home)
 * and a partner issuer with its own keys. The partner mints agent ids of the first party
 * (`finance-x` delegated by `planner`), borrows the first party's delegation link to an agent of
 * the same id, spells a principal into an `agent_id`, or signs under the first party's `iss`.
 * Oracle: the campaign policy grants payments to `finance-*` principals only, and a partner
 * agent is `partner|finance-x`, so none of those is ever allowed, each with its code; the first
 * party's clean delegated call must be.
 */
import { mintAgentToken, mintChildToken, mintDelegatedAgent } from '../../src/identity/mint-token.js';
import type { Category, Expectation } from '../category.js';
import type { CampaignRequest } from '../environment.js';
import { PAYMENTS } from '../agents.js';
import { AUDIENCE, ISSUER } from '../../test/helpers/gate-fixture.js';

const PARTNER = 'https://tokens.partner.campaign.invalid';

export const category: Category = {
  name: 'issuers',
  cases: { short: 400, long: 4_000 },
  async start(env) {
    const gate = await env.startGate({ issuerExtra: 'name: corp', identityExtra: 'home_issuer: corp', moreIssuers: [{ name: 'partner', issuer: PARTNER }] });
    const partnerKey = gate.issuerKeys.get('partner')?.privateJwk;
    if (partnerKey === undefined) throw new Error('the partner issuer has no key');
    const partner = { iss: PARTNER, aud: AUDIENCE };
    return {
      async runCase(rng, index) {
        const leaf = `finance-is${index % 5}`;
        const body = JSON.stringify({ payment_id: `p-is${index}`, amount: 100, destination: 'acct_ABCDEFGH12' });
        let request: CampaignRequest;
        let expect: Expectation = { allow: 'never', codes: ['NO_RULE'] };
        let label: string;
        switch (rng.int(6)) {
          case 0: {
            label = "the first party's clean delegated call";
            const { token, chain } = await gate.mintDelegated(leaf, ['planner'], { initiator: 'sso:carol' });
            request = { ...PAYMENTS, body, token, chain };
            expect = { allow: 'must' };
            break;
          }
          case 1: {
            label = "the partner's agent of a first-party id, delegated by the partner's planner";
            const { token, chain } = await mintDelegatedAgent(partnerKey, { ...partner, agentId: leaf, ancestors: ['planner'], initiator: 'sso:carol' });
            request = { ...PAYMENTS, body, token, chain };
            break;
          }
          case 2: {
            label = "the partner's agent borrowing the first party's link to an agent of its id";
            const link = await gate.mintLink('planner', leaf, { initiator: 'sso:carol' });
            const token = await mintChildToken(partnerKey, link, { ...partner, agentId: leaf, initiator: 'sso:carol' });
            request = { ...PAYMENTS, body, token, chain: [link] };
            expect = { allow: 'never', codes: ['CHAIN_INVALID'] };
            break;
          }
          case 3: {
            label = 'a principal spelt into an agent_id (either issuer)';
            const agentId = rng.pick([`partner|${leaf}`, `corp|${leaf}`, `${leaf}|x`]);
            const token = rng.chance(0.5) ? await gate.mint(agentId, { initiator: 'sso:carol' }) : await mintAgentToken(partnerKey, { ...partner, agentId, initiator: 'sso:carol' });
            request = { ...PAYMENTS, body, token };
            expect = { allow: 'never', codes: ['TOKEN_CLAIMS'] };
            break;
          }
          case 4: {
            label = "the partner's key under the first party's iss";
            const { token, chain } = await mintDelegatedAgent(partnerKey, { iss: ISSUER, aud: AUDIENCE, agentId: leaf, ancestors: ['planner'], initiator: 'sso:carol' });
            request = { ...PAYMENTS, body, token, chain };
            expect = { allow: 'never', codes: ['TOKEN_KID', 'TOKEN_SIGNATURE'] };
            break;
          }
          default: {
            label = "the first party's agent under a partner link";
            const { chain } = await mintDelegatedAgent(partnerKey, { ...partner, agentId: leaf, ancestors: ['planner'], initiator: 'sso:carol' });
            const token = await gate.mintChild(chain[0] ?? '', leaf, { initiator: 'sso:carol' });
            request = { ...PAYMENTS, body, token, chain };
            expect = { allow: 'never', codes: ['CHAIN_INVALID'] };
          }
        }
        return { label, exchanges: [{ expect, answer: await env.check(request, gate) }] };
      },
      stop: () => gate.close(),
    };
  },
};
