import { beforeAll, describe, expect, it } from 'vitest';
import type { DenyCode } from '../../../src/errors.js';
import { parseBearer } from '../../../src/identity/parse-bearer.js';
import { mintAgentToken, mintChildToken } from '../../../src/identity/mint-token.js';
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

describe('createAgentVerifier', () => {
  let issuer: TestIssuer;
  let verifier: AgentVerifier;
  beforeAll(async () => {
    issuer = await makeIssuer();
    verifier = await createAgentVerifier(identityConfig([issuer.config]), LIMITS);
  });

  it('verifies a bearer token and its chain', async () => {
    const root = await mintAgentToken(issuer.key.privateJwk, { iss: ISS, aud: AUD, agentId: 'planner', now: at(-20), initiator: 'sso:alice' });
    const mid = await mintChildToken(issuer.key.privateJwk, root, { iss: ISS, aud: AUD, agentId: 'coder', now: at(-10) });
    const leaf = await mintChildToken(issuer.key.privateJwk, mid, { iss: ISS, aud: AUD, agentId: 'deployer', jti: 'leaf-jti', now: NOW });
    const verified = await verifier.verifyAgent(`Bearer ${leaf}`, `${root}, ${mid}`, NOW);
    expect(verified.token).toMatchObject({ agentId: 'deployer', jti: 'leaf-jti', parentAgentId: 'coder' });
    expect(verified.ancestors.map((a) => a.agentId)).toEqual(['planner', 'coder']);
    expect(verified.ancestors[0]?.initiator).toBe('sso:alice');
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
