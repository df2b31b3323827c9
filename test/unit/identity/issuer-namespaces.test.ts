/**
 * Issuers are namespaces (docs/design.md §2, issue 12 item 4): an agent's principal is its
 * `agent_id` in the namespace of the issuer that verified it, links included.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mintAgentToken, mintChildToken, mintDelegation } from '../../../src/identity/mint-token.js';
import { createAgentVerifier, type AgentVerifier } from '../../../src/identity/verify-agent.js';
import { AUD, LIMITS, NOW, identityConfig, makeIssuer, rejection, type TestIssuer } from './fixtures.js';

const CORP = 'https://tokens.corp.example';
const PARTNER = 'https://tokens.partner.example';

let corp: TestIssuer;
let partner: TestIssuer;
let verifier: AgentVerifier;

beforeAll(async () => {
  corp = await makeIssuer({ name: 'corp', issuer: CORP });
  partner = await makeIssuer({ name: 'partner', issuer: PARTNER });
  verifier = await createAgentVerifier(identityConfig([corp.config, partner.config], { homeIssuer: 'corp' }), LIMITS);
});

const bearer = (token: string) => `Bearer ${token}`;
const mint = (from: TestIssuer, agentId: string, extra: Record<string, unknown> = {}) =>
  mintAgentToken(from.key.privateJwk, { iss: from.config.issuer, aud: AUD, agentId, now: NOW, extra });

describe('issuers are namespaces: principals', () => {
  it("spells the home issuer's agents bare and every other issuer's agents <name>|<agent_id>", async () => {
    await expect(verifier.verifyToken(bearer(await mint(corp, 'finance-a')), NOW)).resolves.toMatchObject({
      agentId: 'finance-a',
      localAgentId: 'finance-a',
      namespace: { name: 'corp', home: true },
    });
    await expect(verifier.verifyToken(bearer(await mint(partner, 'finance-a')), NOW)).resolves.toMatchObject({
      agentId: 'partner|finance-a',
      localAgentId: 'finance-a',
      namespace: { name: 'partner', home: false },
    });
  });

  it('prefixes every issuer when no home issuer is named', async () => {
    const noHome = await createAgentVerifier(identityConfig([corp.config, partner.config]), LIMITS);
    await expect(noHome.verifyToken(bearer(await mint(corp, 'finance-a')), NOW)).resolves.toMatchObject({ agentId: 'corp|finance-a' });
  });

  it.each([
    ['agent_id', (from: TestIssuer) => mint(from, 'partner|finance-a')],
    ['parent_agent_id', (from: TestIssuer) => mint(from, 'finance-a', { parent_agent_id: 'partner|planner', parent_jti: 'j' })],
  ])("refuses '|' in %s with several issuers: a home agent 'partner|finance-a' would be the partner's finance-a", async (claim, token) => {
    const error = await rejection(verifier.verifyToken(bearer(await token(corp)), NOW));
    expect({ code: error.code, reason: error.reason }).toEqual({ code: 'TOKEN_CLAIMS', reason: `the token claim ${claim} may not contain '|': it separates issuer and agent in a principal` });
  });

  it("keeps '|' in agent ids with a sole issuer (no principal can collide)", async () => {
    const sole = await createAgentVerifier(identityConfig([corp.config]), LIMITS);
    await expect(sole.verifyToken(bearer(await mint(corp, 'team|finance-a')), NOW)).resolves.toMatchObject({ agentId: 'team|finance-a' });
  });
});

describe('issuers are namespaces: delegation chains', () => {
  const link = (from: TestIssuer, agentId: string, delegateeAgentId: string, delegateeIss?: string) =>
    mintDelegation(from.key.privateJwk, { iss: from.config.issuer, agentId, delegateeAgentId, now: NOW, ...(delegateeIss === undefined ? {} : { delegateeIss }) });
  const child = (from: TestIssuer, parentLink: string, agentId: string) => mintChildToken(from.key.privateJwk, parentLink, { iss: from.config.issuer, aud: AUD, agentId, now: NOW });

  it("refuses a partner agent borrowing the home planner's link to the home agent of the same id", async () => {
    const planner = await link(corp, 'planner', 'finance-a');
    const error = await rejection(verifier.verifyAgent(bearer(await child(partner, planner, 'finance-a')), planner, NOW));
    expect(error.code).toBe('CHAIN_INVALID');
    expect(error.reason).toBe(
      `link 0 (agent "planner") delegates to an agent of issuer "${CORP}", not to the agent token (agent "partner|finance-a") of issuer "${PARTNER}"`,
    );
  });

  it('accepts a cross-issuer delegation the parent attests (delegatee_iss); each agent in its own namespace', async () => {
    const planner = await link(corp, 'planner', 'finance-a', PARTNER);
    const verified = await verifier.verifyAgent(bearer(await child(partner, planner, 'finance-a')), planner, NOW);
    expect(verified.token.agentId).toBe('partner|finance-a');
    expect(verified.ancestors.map((ancestor) => ancestor.agentId)).toEqual(['planner']);
    // The same link does not serve the home agent of that id.
    const error = await rejection(verifier.verifyAgent(bearer(await child(corp, planner, 'finance-a')), planner, NOW));
    expect(error.code).toBe('CHAIN_INVALID');
  });

  it("namespaces a partner link's agent by the partner", async () => {
    const planner = await link(partner, 'planner', 'finance-a');
    const verified = await verifier.verifyAgent(bearer(await child(partner, planner, 'finance-a')), planner, NOW);
    expect(verified.ancestors.map((ancestor) => ancestor.agentId)).toEqual(['partner|planner']);
  });

  it("namespaces an act issuer's earlier actors by that issuer", async () => {
    const act = await makeIssuer({ name: 'exchange', issuer: 'https://sts.example', delegation: 'act' });
    const actVerifier = await createAgentVerifier(identityConfig([act.config, { ...corp.config, delegation: 'act' }], { homeIssuer: 'corp' }), LIMITS);
    const token = await mintAgentToken(act.key.privateJwk, { iss: 'https://sts.example', aud: AUD, agentId: 'finance-a', now: NOW, extra: { act: { sub: 'finance-a', act: { sub: 'planner' } } } });
    const verified = await actVerifier.verifyAgent(bearer(token), undefined, NOW);
    expect(verified.token.agentId).toBe('exchange|finance-a');
    expect(verified.ancestors.map((ancestor) => ancestor.agentId)).toEqual(['exchange|planner']);
  });
});
