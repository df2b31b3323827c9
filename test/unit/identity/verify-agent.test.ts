import { CompactSign, decodeJwt, importJWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DenyCode } from '../../../src/errors.js';
import { parseBearer } from '../../../src/identity/parse-bearer.js';
import { mintAgentToken, mintChildToken, mintDelegation } from '../../../src/identity/mint-token.js';
import { createAgentVerifier } from '../../../src/identity/verify-agent.js';
import type { AgentVerifier } from '../../../src/identity/verify-agent.js';
import { AUD, ISS, LIMITS, NOW, at, identityConfig, makeIssuer, rejection } from './fixtures.js';
import type { TestIssuer } from './fixtures.js';

describe('parseBearer', () => {
  it.each([
    { name: 'absent', header: undefined, code: 'TOKEN_MISSING' },
    { name: 'empty', header: '', code: 'TOKEN_MISSING' },
    { name: 'blank', header: ' \t ', code: 'TOKEN_MISSING' },
    { name: 'Basic scheme', header: 'Basic dXNlcjpwYXNz', code: 'TOKEN_MALFORMED' },
    { name: 'no scheme', header: 'eyJ.eyJ.sig', code: 'TOKEN_MALFORMED' },
    { name: 'scheme only', header: 'Bearer', code: 'TOKEN_MALFORMED' },
    { name: 'two tokens', header: 'Bearer a.b.c d.e.f', code: 'TOKEN_MALFORMED' },
    { name: 'scheme glued to token', header: 'Bearera.b.c', code: 'TOKEN_MALFORMED' },
  ] as { name: string; header: string | undefined; code: DenyCode }[])('$name → $code', ({ header, code }) => {
    expect(() => parseBearer(header)).toThrowError(expect.objectContaining({ code }) as Error);
  });

  it.each(['Bearer a.b.c', 'bearer a.b.c', 'BEARER \t a.b.c ', '  Bearer a.b.c'])('reads %j', (header) => {
    expect(parseBearer(header)).toBe('a.b.c');
  });
});

let issuerForResign: TestIssuer | undefined;

describe('createAgentVerifier', () => {
  let issuer: TestIssuer;
  let verifier: AgentVerifier;
  beforeAll(async () => {
    issuer = await makeIssuer();
    issuerForResign = issuer;
    verifier = await createAgentVerifier(identityConfig([issuer.config]), LIMITS);
  });

  it('verifies a bearer token and its chain', async () => {
    const root = await mintDelegation(issuer.key.privateJwk, { iss: ISS, agentId: 'planner', delegateeAgentId: 'coder', now: at(-20), initiator: 'sso:alice' });
    const mid = await mintDelegation(issuer.key.privateJwk, { iss: ISS, agentId: 'coder', delegateeAgentId: 'deployer', parent: root, now: at(-10) });
    const leaf = await mintChildToken(issuer.key.privateJwk, mid, { iss: ISS, aud: AUD, agentId: 'deployer', jti: 'leaf-jti', now: NOW });
    const verified = await verifier.verifyAgent(`Bearer ${leaf}`, `${root}, ${mid}`, NOW);
    expect(verified.token).toMatchObject({ agentId: 'deployer', jti: 'leaf-jti', parentAgentId: 'coder' });
    expect(verified.ancestors.map((a) => a.agentId)).toEqual(['planner', 'coder']);
    expect(verified.ancestors[0]?.initiator).toBe('sso:alice');
  });

  // issue 19 item 1: a child carried its parent's credential as the link, and could present it
  // as its own `authorization` — all of the parent's permissions.
  describe('a delegation attestation and a credential are different kinds of token', () => {
    const link = (extra: Partial<Parameters<typeof mintDelegation>[1]> = {}) =>
      mintDelegation(issuer.key.privateJwk, { iss: ISS, agentId: 'planner', delegateeAgentId: 'finance-a', now: at(-10), ...extra });

    it('refuses a delegation attestation as the bearer credential (TOKEN_TYPE)', async () => {
      expect((await rejection(verifier.verifyToken(`Bearer ${await link()}`, NOW))).code).toBe('TOKEN_TYPE');
    });

    it.each(['dutygate-delegation+jwt', 'application/Dutygate-Delegation+JWT'])('refuses typ %s as a credential even with the gate audience', async (typ) => {
      const token = await mintAgentToken(issuer.key.privateJwk, { iss: ISS, aud: AUD, agentId: 'planner', now: NOW });
      const forged = await resign(token, typ);
      expect((await rejection(verifier.verifyToken(`Bearer ${forged}`, NOW))).code).toBe('TOKEN_TYPE');
    });

    it('refuses a credential whose audience names the delegation audience', async () => {
      const token = await mintAgentToken(issuer.key.privateJwk, { iss: ISS, aud: [AUD, 'dutygate:delegation'], agentId: 'planner', now: NOW });
      expect((await rejection(verifier.verifyToken(`Bearer ${token}`, NOW))).code).toBe('TOKEN_TYPE');
    });

    it('refuses the parent credential as a link (CHAIN_INVALID, TOKEN_TYPE)', async () => {
      const parent = await mintAgentToken(issuer.key.privateJwk, { iss: ISS, aud: AUD, agentId: 'planner', now: at(-10) });
      const child = await mintAgentToken(issuer.key.privateJwk, { iss: ISS, aud: AUD, agentId: 'finance-a', parentAgentId: 'planner', parentJti: String(decodeJwt(parent).jti), now: NOW });
      const error = await rejection(verifier.verifyAgent(`Bearer ${child}`, parent, NOW));
      expect(error.code).toBe('CHAIN_INVALID');
      expect(error.reason).toMatch(/^link 0: TOKEN_TYPE: /);
    });

    it('refuses a link whose audience is a credential audience', async () => {
      const wrongAudience = await link({ extra: { aud: AUD } });
      const child = await mintChildToken(issuer.key.privateJwk, { agentId: 'planner', jti: String(decodeJwt(wrongAudience).jti) }, { iss: ISS, aud: AUD, agentId: 'finance-a', now: NOW });
      const error = await rejection(verifier.verifyAgent(`Bearer ${child}`, wrongAudience, NOW));
      expect(error).toMatchObject({ code: 'CHAIN_INVALID' });
      expect(error.reason).toMatch(/TOKEN_AUDIENCE/);
    });

    it('refuses a link that delegates to another agent', async () => {
      const toOther = await link({ delegateeAgentId: 'finance-b' });
      const child = await mintChildToken(issuer.key.privateJwk, { agentId: 'planner', jti: String(decodeJwt(toOther).jti) }, { iss: ISS, aud: AUD, agentId: 'finance-a', now: NOW });
      const error = await rejection(verifier.verifyAgent(`Bearer ${child}`, toOther, NOW));
      expect(error).toMatchObject({ code: 'CHAIN_INVALID', reason: 'link 0 (agent "planner") delegates to "finance-b", not to the agent token (agent "finance-a")' });
    });

    it('refuses a link without delegatee_agent_id', async () => {
      const bare = await link({ extra: { delegatee_agent_id: undefined } });
      const child = await mintChildToken(issuer.key.privateJwk, { agentId: 'planner', jti: String(decodeJwt(bare).jti) }, { iss: ISS, aud: AUD, agentId: 'finance-a', now: NOW });
      const error = await rejection(verifier.verifyAgent(`Bearer ${child}`, bare, NOW));
      expect(error.reason).toMatch(/^link 0: TOKEN_CLAIMS: .*delegatee_agent_id/);
    });
  });

  it.each([
    { name: 'no header', header: undefined, code: 'TOKEN_MISSING' },
    { name: 'non-Bearer scheme', header: 'Basic abc', code: 'TOKEN_MALFORMED' },
    { name: 'garbage token', header: 'Bearer garbage', code: 'TOKEN_MALFORMED' },
  ] as { name: string; header: string | undefined; code: DenyCode }[])('rejects (not throws) on $name → $code', async ({ header, code }) => {
    const pending = verifier.verifyToken(header, NOW);
    expect(pending).toBeInstanceOf(Promise);
    expect((await rejection(pending)).code).toBe(code);
  });

  it('runs the chain phase separately', async () => {
    const token = await verifier.verifyToken(
      `Bearer ${await mintAgentToken(issuer.key.privateJwk, { iss: ISS, aud: AUD, agentId: 'solo', now: NOW })}`,
      NOW,
    );
    await expect(verifier.verifyChain(token, undefined, NOW)).resolves.toEqual([]);
    const error = await rejection(verifier.verifyChain({ ...token, parentAgentId: 'ghost' }, undefined, NOW));
    expect(error.code).toBe('CHAIN_INVALID');
  });
});

/** `token` signed again by the test issuer with another `typ` header. */
async function resign(token: string, typ: string): Promise<string> {
  const [, payload] = token.split('.');
  const jwk = issuerForResign!.key.privateJwk;
  const key = await importJWK(jwk, 'EdDSA');
  return new CompactSign(Buffer.from(payload!, 'base64url')).setProtectedHeader({ alg: 'EdDSA', typ, ...(jwk.kid === undefined ? {} : { kid: jwk.kid }) }).sign(key);
}
