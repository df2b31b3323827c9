import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../../src/identity/generate-keys.js';
import { mintAgentToken, mintApproverToken, mintChildToken, mintDelegatedAgent, mintDelegation } from '../../../src/identity/mint-token.js';
import { AUD, ISS, NOW, NOW_S } from './fixtures.js';

describe('generateSigningKey', () => {
  it.each(['EdDSA', 'ES256'])('labels a %s key pair with kid (RFC 7638 thumbprint), alg and use', async (alg) => {
    const { publicJwks, privateJwk } = await generateSigningKey({ alg });
    const [publicJwk] = publicJwks.keys;
    expect(publicJwks.keys).toHaveLength(1);
    expect(publicJwk).toMatchObject({ alg, use: 'sig', kid: await calculateJwkThumbprint(publicJwk!, 'sha256') });
    expect(publicJwk).not.toHaveProperty('d');
    expect(privateJwk).toMatchObject({ alg, use: 'sig', kid: publicJwk!.kid });
    expect(privateJwk).toHaveProperty('d');
  });

  it('uses a given kid', async () => {
    const { privateJwk } = await generateSigningKey({ kid: 'my-key' });
    expect(privateJwk.kid).toBe('my-key');
  });
});

describe('minting', () => {
  it('mints agent tokens with the docs/design.md §2 claims and the kid in the header', async () => {
    const { privateJwk } = await generateSigningKey({ kid: 'k' });
    const token = await mintAgentToken(privateJwk, { iss: ISS, aud: AUD, agentId: 'a', initiator: 'sso:alice', now: NOW });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: 'k' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: ISS, aud: AUD, agent_id: 'a', initiator: 'sso:alice', iat: NOW_S, exp: NOW_S + 60 });
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims).not.toHaveProperty('parent_agent_id');
  });

  it('lets extra claims override or remove standard ones', async () => {
    const { privateJwk } = await generateSigningKey();
    const claims = decodeJwt(await mintAgentToken(privateJwk, { iss: ISS, aud: AUD, agentId: 'a', now: NOW, extra: { agent_id: 7, jti: undefined } }));
    expect(claims['agent_id']).toBe(7);
    expect(claims).not.toHaveProperty('jti');
  });

  it.each([
    { name: 'its delegation attestation', parent: 'token' as const },
    { name: 'ids', parent: { agentId: 'p', jti: 'pj' } },
  ])('mints a child naming its parent from $name', async ({ parent }) => {
    const { privateJwk } = await generateSigningKey();
    const link = await mintDelegation(privateJwk, { iss: ISS, agentId: 'p', delegateeAgentId: 'c', jti: 'pj', now: NOW });
    const child = await mintChildToken(privateJwk, parent === 'token' ? link : parent, { iss: ISS, aud: AUD, agentId: 'c', now: NOW });
    expect(decodeJwt(child)).toMatchObject({ agent_id: 'c', parent_agent_id: 'p', parent_jti: 'pj' });
  });

  it('mints a delegation attestation: its own typ and audience, naming the delegatee (issue 19)', async () => {
    const { privateJwk } = await generateSigningKey({ kid: 'k' });
    const root = await mintDelegation(privateJwk, { iss: ISS, agentId: 'a', delegateeAgentId: 'b', jti: 'ja', now: NOW });
    const link = await mintDelegation(privateJwk, { iss: ISS, agentId: 'b', delegateeAgentId: 'c', parent: root, initiator: 'sso:alice', now: NOW });
    expect(decodeProtectedHeader(link)).toEqual({ alg: 'EdDSA', typ: 'dutygate-delegation+jwt', kid: 'k' });
    expect(decodeJwt(link)).toMatchObject({ iss: ISS, aud: 'dutygate:delegation', agent_id: 'b', delegatee_agent_id: 'c', parent_agent_id: 'a', parent_jti: 'ja', initiator: 'sso:alice' });
  });

  it('refuses to mint a child against a credential or a link to another agent', async () => {
    const { privateJwk } = await generateSigningKey();
    const credential = await mintAgentToken(privateJwk, { iss: ISS, aud: AUD, agentId: 'p', now: NOW });
    await expect(mintChildToken(privateJwk, credential, { iss: ISS, aud: AUD, agentId: 'c' })).rejects.toThrow(/not a delegation attestation/);
    const toOther = await mintDelegation(privateJwk, { iss: ISS, agentId: 'p', delegateeAgentId: 'd' });
    await expect(mintChildToken(privateJwk, toOther, { iss: ISS, aud: AUD, agentId: 'c' })).rejects.toThrow(/delegates to "d", not to "c"/);
  });

  it('mints an agent with its chain of links, each delegating to the next', async () => {
    const { privateJwk } = await generateSigningKey();
    const { token, chain } = await mintDelegatedAgent(privateJwk, { iss: ISS, aud: AUD, agentId: 'c', ancestors: ['a', 'b'], now: NOW });
    expect(chain.map((link) => [decodeJwt(link)['agent_id'], decodeJwt(link)['delegatee_agent_id']])).toEqual([['a', 'b'], ['b', 'c']]);
    expect(decodeJwt(token)).toMatchObject({ agent_id: 'c', parent_agent_id: 'b', parent_jti: decodeJwt(chain[1]!).jti });
  });

  it('mints approver tokens with sub', async () => {
    const { privateJwk } = await generateSigningKey();
    const claims = decodeJwt(await mintApproverToken(privateJwk, { iss: ISS, aud: AUD, sub: 'sso:bob', ttlSeconds: 120, now: NOW }));
    expect(claims).toMatchObject({ iss: ISS, aud: AUD, sub: 'sso:bob', iat: NOW_S, exp: NOW_S + 120 });
  });
});
