import { beforeAll, describe, expect, it } from 'vitest';
import { DutygateError } from '../../../src/errors.js';
import { createCachedLinkVerifier } from '../../../src/identity/link-cache.js';
import { mintAgentToken } from '../../../src/identity/mint-token.js';
import type { AgentClaims } from '../../../src/identity/types.js';
import { createTokenVerifier } from '../../../src/identity/verify-token.js';
import type { TokenVerifier } from '../../../src/identity/verify-token.js';
import { AUD, ISS, LIMITS, NOW, NOW_S, at, makeIssuer, rejection } from './fixtures.js';

const HOME = { name: 'default', home: true } as const;

/** A stub verifier that counts calls and returns claims expiring `ttl` seconds after NOW. */
function counting(ttl = 60): { verify: (token: string, now: Date) => Promise<AgentClaims>; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    verify: (token) => {
      calls.push(token);
      return Promise.resolve({ iss: ISS, agentId: token, localAgentId: token, namespace: HOME, jti: `jti-${token}`, iat: NOW_S, exp: NOW_S + ttl });
    },
  };
}

describe('createCachedLinkVerifier', () => {
  it('returns the same claims without re-verifying', async () => {
    const stub = counting();
    const cached = createCachedLinkVerifier(stub.verify);
    const first = await cached('t1', NOW);
    const second = await cached('t1', at(30));
    expect(second).toBe(first);
    expect(stub.calls).toEqual(['t1']);
  });

  it.each([
    { name: 'hit just before exp', later: 59.999, calls: 1 },
    { name: 'miss at exp', later: 60, calls: 2 },
    { name: 'miss after exp', later: 3600, calls: 2 },
    { name: 'miss when the clock went backwards', later: -1, calls: 2 },
  ])('$name', async ({ later, calls }) => {
    const stub = counting();
    const cached = createCachedLinkVerifier(stub.verify);
    await cached('t1', NOW);
    await cached('t1', at(later));
    expect(stub.calls).toHaveLength(calls);
  });

  it('does not cache failures', async () => {
    let fail = true;
    const calls: string[] = [];
    const cached = createCachedLinkVerifier((token) => {
      calls.push(token);
      if (fail) return Promise.reject(new DutygateError('TOKEN_SIGNATURE', 'bad'));
      return Promise.resolve({ iss: ISS, agentId: 'a', localAgentId: 'a', namespace: HOME, jti: 'j', iat: NOW_S, exp: NOW_S + 60 });
    });
    await expect(cached('t1', NOW)).rejects.toMatchObject({ code: 'TOKEN_SIGNATURE' });
    fail = false;
    await expect(cached('t1', NOW)).resolves.toMatchObject({ agentId: 'a' });
    expect(calls).toEqual(['t1', 't1']);
  });

  it('does not cache a link verified inside the skew window after its exp', async () => {
    const stub = counting(-2);
    const cached = createCachedLinkVerifier(stub.verify);
    await cached('t1', NOW);
    await cached('t1', NOW);
    expect(cached.size).toBe(0);
    expect(stub.calls).toHaveLength(2);
  });

  it('is bounded: evicts the oldest entry when full of live links', async () => {
    const stub = counting();
    const cached = createCachedLinkVerifier(stub.verify, { maxEntries: 3 });
    for (const token of ['t1', 't2', 't3', 't4']) await cached(token, NOW);
    expect(cached.size).toBe(3);
    await cached('t2', NOW); // still cached
    await cached('t1', NOW); // evicted, re-verified
    expect(stub.calls).toEqual(['t1', 't2', 't3', 't4', 't1']);
  });

  it('evicts expired entries before live ones', async () => {
    const ttls: Record<string, number> = { short: 10, live1: 600, live2: 600, fresh: 600 };
    const calls: string[] = [];
    const cached = createCachedLinkVerifier(
      (token, now) => {
        calls.push(token);
        const iat = now.getTime() / 1000;
        return Promise.resolve({ iss: ISS, agentId: token, localAgentId: token, namespace: HOME, jti: token, iat, exp: iat + (ttls[token] ?? 0) });
      },
      { maxEntries: 3 },
    );
    for (const token of ['live1', 'short', 'live2']) await cached(token, NOW);
    await cached('fresh', at(20)); // full: the sweep drops `short` (expired), not `live1` (oldest)
    await cached('live1', at(21));
    expect(calls).toEqual(['live1', 'short', 'live2', 'fresh']);
    expect(cached.size).toBe(3);
  });

  describe('with the real verifier', () => {
    let verifier: TokenVerifier<AgentClaims>;
    let token: string;
    beforeAll(async () => {
      const issuer = await makeIssuer();
      verifier = await createTokenVerifier({
        issuers: [issuer.config],
        clockSkewMs: 5_000,
        maxTokenLifetimeMs: 300_000,
        maxTokenBytes: LIMITS.maxTokenBytes,
        requireAgentClaims: true,
      });
      token = await mintAgentToken(issuer.key.privateJwk, { iss: ISS, aud: AUD, agentId: 'A', now: NOW, ttlSeconds: 60 });
    });

    it('serves equal claims and never outlives the link exp', async () => {
      const cached = createCachedLinkVerifier(verifier.verify);
      const direct = await verifier.verify(token, NOW);
      await expect(cached(token, NOW)).resolves.toEqual(direct);
      await expect(cached(token, at(59))).resolves.toEqual(direct);
      const error = await rejection(cached(token, at(66)));
      expect(error.code).toBe('TOKEN_EXPIRED');
    });
  });
});
