import { beforeAll, describe, expect, it } from 'vitest';
import type { DenyCode } from '../../../src/errors.js';
import { generateSigningKey } from '../../../src/identity/generate-keys.js';
import type { SigningKey } from '../../../src/identity/generate-keys.js';
import { mintAgentToken, mintApproverToken } from '../../../src/identity/mint-token.js';
import type { AgentClaims } from '../../../src/identity/types.js';
import { createTokenVerifier } from '../../../src/identity/verify-token.js';
import type { TokenVerifier } from '../../../src/identity/verify-token.js';
import {
  AUD,
  ISS,
  LIMITS,
  NOW,
  NOW_S,
  hmacWithPublicKey,
  makeIssuer,
  payload,
  rejection,
  signRaw,
  tamperPayload,
  unsignedToken,
} from './fixtures.js';
import type { TestIssuer } from './fixtures.js';

const BASE = { clockSkewMs: 5_000, maxTokenLifetimeMs: 300_000, maxTokenBytes: LIMITS.maxTokenBytes } as const;

let issuer: TestIssuer;
let stranger: SigningKey;
let es256: SigningKey;
let verifier: TokenVerifier<AgentClaims>;

beforeAll(async () => {
  issuer = await makeIssuer();
  stranger = await generateSigningKey({ kid: 'stranger' });
  es256 = await generateSigningKey({ alg: 'ES256' });
  verifier = await createTokenVerifier({ ...BASE, issuers: [issuer.config], requireAgentClaims: true });
});

const sign = (body: Record<string, unknown>, header?: Record<string, unknown>): Promise<string> =>
  signRaw(issuer.key.privateJwk, body, header);
const without = (name: string): Record<string, unknown> => {
  const body = payload();
  delete body[name];
  return body;
};

interface FailureRow {
  readonly name: string;
  readonly token: () => string | Promise<string>;
  readonly code: DenyCode;
  readonly reason: string;
}

const failures: FailureRow[] = [
  { name: 'garbage', token: () => 'not-a-token', code: 'TOKEN_MALFORMED', reason: 'the token is not a compact JWS (three base64url segments separated by dots)' },
  { name: 'two parts', token: () => 'eyJhbGciOiJFZERTQSJ9.e30', code: 'TOKEN_MALFORMED', reason: 'the token is not a compact JWS (three base64url segments separated by dots)' },
  { name: 'five parts (JWE)', token: () => 'a.b.c.d.e', code: 'TOKEN_MALFORMED', reason: 'the token is not a compact JWS (three base64url segments separated by dots)' },
  { name: 'oversize', token: () => 'a'.repeat(LIMITS.maxTokenBytes + 1), code: 'TOKEN_MALFORMED', reason: 'the token is longer than the 8192-byte limit' },
  { name: 'header not JSON', token: () => 'abc.def.ghi', code: 'TOKEN_MALFORMED', reason: 'the token header is not a base64url-encoded JSON object' },
  { name: 'header without alg', token: () => `${Buffer.from('{"typ":"JWT"}').toString('base64url')}.e30.sig`, code: 'TOKEN_MALFORMED', reason: 'the token header has no `alg`' },
  { name: 'payload not an object', token: () => sign(['x'] as unknown as Record<string, unknown>), code: 'TOKEN_MALFORMED', reason: 'the token payload is not a base64url-encoded JSON object' },
  { name: 'alg none', token: () => unsignedToken(payload()), code: 'TOKEN_ALG', reason: 'unsigned tokens (`alg: none`) are always refused' },
  { name: 'HS256 keyed with the public key', token: () => hmacWithPublicKey(issuer.key.publicJwks.keys[0]!, payload()), code: 'TOKEN_ALG', reason: 'HMAC algorithm "HS256" is always refused' },
  { name: 'ES256 when only EdDSA is allowed', token: () => signRaw(es256.privateJwk, payload()), code: 'TOKEN_ALG', reason: `algorithm "ES256" is not allowed for issuer "${ISS}" (allowed: EdDSA)` },
  { name: 'unknown alg', token: () => `${Buffer.from('{"alg":"XS512"}').toString('base64url')}.e30.c2ln`, code: 'TOKEN_ALG', reason: 'algorithm "XS512" is not supported' },
  { name: 'unknown iss', token: () => sign(payload({ iss: 'https://evil.example' })), code: 'TOKEN_ISSUER', reason: 'the token iss "https://evil.example" is not a configured issuer' },
  { name: 'no iss', token: () => sign(without('iss')), code: 'TOKEN_ISSUER', reason: 'the token has no iss claim' },
  { name: 'unknown kid', token: () => signRaw(stranger.privateJwk, payload()), code: 'TOKEN_KID', reason: `no key of issuer "${ISS}" matches the token kid and alg` },
  { name: 'tampered payload', token: async () => tamperPayload(await sign(payload()), payload({ agent_id: 'root' })), code: 'TOKEN_SIGNATURE', reason: `the token signature does not verify with the key of issuer "${ISS}"` },
  { name: 'signed by another key under the right kid', token: () => signRaw(stranger.privateJwk, payload(), { kid: issuer.key.privateJwk.kid }), code: 'TOKEN_SIGNATURE', reason: `the token signature does not verify with the key of issuer "${ISS}"` },
  { name: 'wrong aud', token: () => sign(payload({ aud: 'someone-else' })), code: 'TOKEN_AUDIENCE', reason: `the token aud does not name the audience of issuer "${ISS}"` },
  { name: 'no aud', token: () => sign(without('aud')), code: 'TOKEN_AUDIENCE', reason: 'the token has no aud claim' },
  { name: 'expired beyond skew', token: () => sign(payload({ iat: NOW_S - 65, exp: NOW_S - 5 })), code: 'TOKEN_EXPIRED', reason: 'the token expired (exp is past, beyond the 5s clock skew)' },
  { name: 'nbf in the future', token: () => sign(payload({ nbf: NOW_S + 10 })), code: 'TOKEN_NOT_YET_VALID', reason: 'the token nbf lies in the future, beyond the 5s clock skew' },
  { name: 'iat in the future', token: () => sign(payload({ iat: NOW_S + 10, exp: NOW_S + 70 })), code: 'TOKEN_NOT_YET_VALID', reason: 'the token iat lies in the future, beyond the 5s clock skew' },
  { name: 'lifetime above max', token: () => sign(payload({ iat: NOW_S - 10, exp: NOW_S + 300 })), code: 'TOKEN_LIFETIME', reason: 'the token lifetime (exp - iat = 310s) exceeds the 300s maximum' },
  { name: 'no agent_id', token: () => sign(without('agent_id')), code: 'TOKEN_CLAIMS', reason: 'the token has no agent_id claim' },
  { name: 'no jti', token: () => sign(without('jti')), code: 'TOKEN_CLAIMS', reason: 'the token has no jti claim' },
  { name: 'numeric agent_id', token: () => sign(payload({ agent_id: 42 })), code: 'TOKEN_CLAIMS', reason: 'the token claim agent_id must be a non-empty string' },
  { name: 'empty jti', token: () => sign(payload({ jti: '' })), code: 'TOKEN_CLAIMS', reason: 'the token claim jti must be a non-empty string' },
  { name: 'agent_id too long', token: () => sign(payload({ agent_id: 'a'.repeat(129) })), code: 'TOKEN_CLAIMS', reason: 'the token claim agent_id is longer than 128 characters' },
  { name: 'agent_id with NUL', token: () => sign(payload({ agent_id: 'reader-1\u0000admin' })), code: 'TOKEN_CLAIMS', reason: 'the token claim agent_id holds a control, format (bidi, zero-width) or non-ASCII space character' },
  { name: 'initiator with a lone surrogate', token: () => sign(payload({ initiator: 'sso:x\ud800' })), code: 'TOKEN_CLAIMS', reason: 'the token claim initiator holds an unpaired UTF-16 surrogate' },
  { name: 'jti with a bidi isolate', token: () => sign(payload({ jti: 'j\u2066x' })), code: 'TOKEN_CLAIMS', reason: 'the token claim jti holds a control, format (bidi, zero-width) or non-ASCII space character' },
  { name: 'non-string parent_agent_id', token: () => sign(payload({ parent_agent_id: ['x'] })), code: 'TOKEN_CLAIMS', reason: 'the token claim parent_agent_id must be a non-empty string' },
  { name: 'non-string parent_jti', token: () => sign(payload({ parent_jti: 7 })), code: 'TOKEN_CLAIMS', reason: 'the token claim parent_jti must be a non-empty string' },
  { name: 'non-string initiator', token: () => sign(payload({ initiator: true })), code: 'TOKEN_CLAIMS', reason: 'the token claim initiator must be a non-empty string' },
  { name: 'no exp', token: () => sign(without('exp')), code: 'TOKEN_CLAIMS', reason: 'the token claim "exp" is missing' },
  { name: 'no iat', token: () => sign(without('iat')), code: 'TOKEN_CLAIMS', reason: 'the token claim "iat" is missing' },
  { name: 'string iat', token: () => sign(payload({ iat: String(NOW_S) })), code: 'TOKEN_CLAIMS', reason: 'the token claim "iat" is not a number' },
  { name: 'exp before iat', token: () => sign(payload({ iat: NOW_S, exp: NOW_S - 2 })), code: 'TOKEN_CLAIMS', reason: 'the token exp precedes its iat' },
];

describe('createTokenVerifier: agent tokens', () => {
  it.each(failures)('$name → $code', async ({ token, code, reason }) => {
    const error = await rejection(verifier.verify(await token(), NOW));
    expect({ code: error.code, reason: error.reason }).toEqual({ code, reason });
  });

  it('never echoes the token in a reason', async () => {
    const token = await sign(payload({ aud: 'someone-else' }));
    const error = await rejection(verifier.verify(token, NOW));
    expect(error.message).not.toContain(token);
    expect(error.message).not.toContain(token.split('.')[1]);
  });

  it('accepts a valid token and maps every claim', async () => {
    const token = await sign(
      payload({ parent_agent_id: 'agent-p', parent_jti: 'jti-p', initiator: 'sso:alice', sub: 'svc', nbf: NOW_S - 1 }),
    );
    await expect(verifier.verify(token, NOW)).resolves.toEqual({
      iss: ISS,
      agentId: 'agent-a',
      localAgentId: 'agent-a',
      namespace: { name: 'default', home: true },
      jti: 'jti-a',
      iat: NOW_S,
      exp: NOW_S + 60,
      nbf: NOW_S - 1,
      parentAgentId: 'agent-p',
      parentJti: 'jti-p',
      initiator: 'sso:alice',
      sub: 'svc',
    });
  });

  it('leaves absent optional claims absent', async () => {
    const claims = await verifier.verify(await sign(payload()), NOW);
    expect(Object.keys(claims).sort()).toEqual(['agentId', 'exp', 'iat', 'iss', 'jti', 'localAgentId', 'namespace']);
  });

  it.each([
    { name: 'expired within skew', body: { iat: NOW_S - 64, exp: NOW_S - 4 } },
    { name: 'nbf within skew', body: { nbf: NOW_S + 4 } },
    { name: 'iat within skew', body: { iat: NOW_S + 4, exp: NOW_S + 64 } },
    { name: 'lifetime exactly max', body: { iat: NOW_S - 100, exp: NOW_S + 200 } },
    { name: 'aud array naming the gate', body: { aud: ['other', AUD] } },
  ])('accepts: $name', async ({ body }) => {
    await expect(verifier.verify(await sign(payload(body)), NOW)).resolves.toMatchObject({ agentId: 'agent-a' });
  });

  it('accepts tokens minted by mintAgentToken', async () => {
    const token = await mintAgentToken(issuer.key.privateJwk, { iss: ISS, aud: AUD, agentId: 'minted', now: NOW });
    await expect(verifier.verify(token, NOW)).resolves.toMatchObject({ agentId: 'minted', iat: NOW_S, exp: NOW_S + 60 });
  });

  it('accepts ES256 when the issuer allows it', async () => {
    const es = await makeIssuer({ issuer: 'https://es.example', algorithms: ['EdDSA', 'ES256'] }, 'ES256');
    const both = await createTokenVerifier({ ...BASE, issuers: [{ ...issuer.config, name: 'ed' }, { ...es.config, name: 'es' }], homeIssuer: 'ed', requireAgentClaims: true });
    const token = await signRaw(es.key.privateJwk, payload({ iss: 'https://es.example' }));
    await expect(both.verify(token, NOW)).resolves.toMatchObject({ iss: 'https://es.example', agentId: 'es|agent-a', localAgentId: 'agent-a' });
    // The unverified iss only selects the key set: a token claiming issuer B but signed with
    // issuer A's key finds no key in B's set.
    const forged = await sign(payload({ iss: 'https://es.example' }), { alg: 'EdDSA' });
    const error = await rejection(both.verify(forged, NOW));
    expect(error.code).toBe('TOKEN_KID');
  });
});

describe('createTokenVerifier: approver tokens (requireAgentClaims: false)', () => {
  it('requires sub and returns principal claims', async () => {
    const approvers = await createTokenVerifier({ ...BASE, issuers: [issuer.config], requireAgentClaims: false });
    const token = await mintApproverToken(issuer.key.privateJwk, { iss: ISS, aud: AUD, sub: 'sso:bob', ttlSeconds: 60, now: NOW });
    await expect(approvers.verify(token, NOW)).resolves.toMatchObject({ iss: ISS, sub: 'sso:bob', iat: NOW_S, exp: NOW_S + 60 });
    const noSub = await sign(payload());
    const error = await rejection(approvers.verify(noSub, NOW));
    expect({ code: error.code, reason: error.reason }).toEqual({ code: 'TOKEN_CLAIMS', reason: 'the token has no sub claim' });
  });
});

describe('createTokenVerifier: configuration', () => {
  it.each([
    { name: 'no issuer', issuers: () => [], reason: 'no token issuer is configured' },
    { name: 'HMAC allowed', issuers: () => [{ ...issuer.config, algorithms: ['HS256'] }], reason: `issuer "${ISS}" allows algorithm "HS256", which dutygate refuses` },
    { name: 'none allowed', issuers: () => [{ ...issuer.config, algorithms: ['none'] }], reason: `issuer "${ISS}" allows algorithm "none", which dutygate refuses` },
    { name: 'empty allow-list', issuers: () => [{ ...issuer.config, algorithms: [] }], reason: `issuer "${ISS}" allows no algorithm` },
    { name: 'duplicate issuer', issuers: () => [{ ...issuer.config, name: 'a' }, { ...issuer.config, name: 'b' }], reason: `issuer "${ISS}" is configured twice` },
  ])('refuses $name', async ({ issuers, reason }) => {
    const error = await rejection(createTokenVerifier({ ...BASE, issuers: issuers(), requireAgentClaims: true }));
    expect({ code: error.code, reason: error.reason }).toEqual({ code: 'INTERNAL', reason });
  });
});
