import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../../src/identity/generate-keys.js';
import type { SigningKey } from '../../../src/identity/generate-keys.js';
import { createKeySource } from '../../../src/identity/jwks-source.js';
import { createTokenVerifier } from '../../../src/identity/verify-token.js';
import type { IssuerConfig } from '../../../src/config/types.js';
import { ISS, LIMITS, NOW, makeIssuer, payload, rejection, signRaw, writeJwks, writeTempFile } from './fixtures.js';

const BASE = { clockSkewMs: 5_000, maxTokenLifetimeMs: 300_000, maxTokenBytes: LIMITS.maxTokenBytes } as const;

describe('createKeySource: jwks_file', () => {
  it.each([
    { name: 'missing file', content: undefined, why: 'cannot be read (ENOENT)' },
    { name: 'not JSON', content: '{oops', why: 'is not valid JSON' },
    { name: 'not a JWKS', content: '{"kty":"OKP"}', why: 'is not a JSON Web Key Set ({"keys": [...]})' },
    { name: 'a private key', content: 'PRIVATE', why: 'holds a private key; publish only public keys' },
  ])('refuses $name with the path in the reason', async ({ content, why }) => {
    let path = '/nonexistent/dutygate/jwks.json';
    if (content === 'PRIVATE') {
      const key = await generateSigningKey();
      path = await writeJwks({ keys: [key.privateJwk] });
    } else if (content !== undefined) {
      path = await writeTempFile(content);
    }
    const { config } = await makeIssuer();
    const error = await rejection(createKeySource({ ...config, jwksFile: path }));
    expect({ code: error.code, reason: error.reason }).toEqual({
      code: 'KEYS_UNAVAILABLE',
      reason: `issuer "${ISS}": jwks_file ${path} ${why}`,
    });
  });
});

/** A JWKS server on 127.0.0.1:0 whose key set can be swapped and whose hits are counted. */
interface JwksServer {
  url: string;
  requests: number;
  jwks: unknown;
  /** 'ok' serves `jwks`; 'error' answers 500; 'hang' never answers. */
  mode: 'ok' | 'error' | 'hang';
  server: Server;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function startJwksServer(jwks: unknown): Promise<JwksServer> {
  const state = { requests: 0, jwks, mode: 'ok' } as JwksServer;
  state.server = createServer((_req, res) => {
    state.requests++;
    if (state.mode === 'hang') return;
    if (state.mode === 'error') {
      res.writeHead(500).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state.jwks));
  });
  servers.push(state.server);
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}/jwks.json`;
  return state;
}

function urlIssuer(url: string, overrides: Partial<IssuerConfig> = {}): IssuerConfig {
  return {
    issuer: ISS,
    audience: 'dutygate',
    jwksUrl: url,
    algorithms: ['EdDSA'],
    jwksCacheMs: 600_000,
    jwksCooldownMs: 30_000,
    jwksTimeoutMs: 2_000,
    jwksMaxStaleMs: 3_600_000,
    ...overrides,
  };
}

describe('createKeySource: jwks_url', () => {
  let first: SigningKey;
  let second: SigningKey;
  beforeAll(async () => {
    first = await generateSigningKey({ kid: 'k1' });
    second = await generateSigningKey({ kid: 'k2' });
  });

  it('follows a key rotation: a new kid verifies after one re-fetch', async () => {
    const jwks = await startJwksServer(first.publicJwks);
    const verifier = await createTokenVerifier({
      ...BASE,
      issuers: [urlIssuer(jwks.url, { jwksCooldownMs: 50 })],
      requireAgentClaims: true,
    });
    await expect(verifier.verify(await signRaw(first.privateJwk, payload()), NOW)).resolves.toMatchObject({ agentId: 'agent-a' });
    expect(jwks.requests).toBe(1);

    jwks.jwks = second.publicJwks;
    await sleep(80);
    await expect(verifier.verify(await signRaw(second.privateJwk, payload()), NOW)).resolves.toMatchObject({ agentId: 'agent-a' });
    expect(jwks.requests).toBe(2);
    // Within the cooldown the retired key is unknown and no fetch happens.
    const retired = await rejection(verifier.verify(await signRaw(first.privateJwk, payload()), NOW));
    expect(retired.code).toBe('TOKEN_KID');
    expect(jwks.requests).toBe(2);
  });

  it('bounds unknown-kid re-fetches to one per cooldown', async () => {
    const jwks = await startJwksServer(first.publicJwks);
    const verifier = await createTokenVerifier({
      ...BASE,
      issuers: [urlIssuer(jwks.url, { jwksCooldownMs: 200 })],
      requireAgentClaims: true,
    });
    await verifier.verify(await signRaw(first.privateJwk, payload()), NOW);
    expect(jwks.requests).toBe(1);
    const unknown = await signRaw(second.privateJwk, payload());
    const burst = await Promise.all(Array.from({ length: 10 }, () => rejection(verifier.verify(unknown, NOW))));
    expect(burst.map((e) => e.code)).toEqual(Array(10).fill('TOKEN_KID'));
    expect(jwks.requests).toBe(1);

    await sleep(250);
    const again = await Promise.all(Array.from({ length: 10 }, () => rejection(verifier.verify(unknown, NOW))));
    expect(again.map((e) => e.code)).toEqual(Array(10).fill('TOKEN_KID'));
    expect(jwks.requests).toBe(2);
  });

  it.each([
    { name: 'server down', mode: 'down' as const },
    { name: 'HTTP 500', mode: 'error' as const },
    { name: 'no answer within the timeout', mode: 'hang' as const },
    { name: 'not a JWKS', mode: 'garbage' as const },
  ])('$name → KEYS_UNAVAILABLE quickly', async ({ mode }) => {
    const jwks = await startJwksServer(mode === 'garbage' ? { keys: 'nope' } : first.publicJwks);
    if (mode === 'error' || mode === 'hang') jwks.mode = mode;
    if (mode === 'down') {
      servers.splice(servers.indexOf(jwks.server), 1);
      await new Promise((resolve) => jwks.server.close(resolve));
    }
    const verifier = await createTokenVerifier({
      ...BASE,
      issuers: [urlIssuer(jwks.url, { jwksTimeoutMs: 200 })],
      requireAgentClaims: true,
    });
    const started = performance.now();
    const error = await rejection(verifier.verify(await signRaw(first.privateJwk, payload()), NOW));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect({ code: error.code, reason: error.reason }).toEqual({
      code: 'KEYS_UNAVAILABLE',
      reason: `the key set of issuer "${ISS}" could not be fetched from ${new URL(jwks.url).origin}`,
    });
  });

  // Issue 13, item 6 (found by the campaign's faults-jwks drill): when the cache expired while the
  // URL was down, slow or serving garbage, every token was refused (KEYS_UNAVAILABLE or the check
  // deadline), and each refused check fetched again.
  it.each(['error', 'hang', 'garbage'] as const)('cached keys keep verifying when the cache expires during a %s outage; fetches stay bounded', async (mode) => {
    const jwks = await startJwksServer(first.publicJwks);
    const verifier = await createTokenVerifier({
      ...BASE,
      issuers: [urlIssuer(jwks.url, { jwksCacheMs: 100, jwksCooldownMs: 1_000, jwksTimeoutMs: 200 })],
      requireAgentClaims: true,
    });
    await verifier.verify(await signRaw(first.privateJwk, payload()), NOW);
    expect(jwks.requests).toBe(1);
    if (mode === 'garbage') jwks.jwks = { keys: 'nope' };
    else jwks.mode = mode;
    await sleep(150);
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      await expect(verifier.verify(await signRaw(first.privateJwk, payload()), NOW)).resolves.toMatchObject({ agentId: 'agent-a' });
      expect(performance.now() - started).toBeLessThan(100);
    }
    const unknown = await signRaw(second.privateJwk, payload());
    const burst = await Promise.all(Array.from({ length: 10 }, () => rejection(verifier.verify(unknown, NOW))));
    for (const error of burst) expect(['TOKEN_KID', 'KEYS_UNAVAILABLE']).toContain(error.code);
    // One background refresh for the stale cache, at most one more for the unknown kid.
    expect(jwks.requests).toBeLessThanOrEqual(3);
    // Healthy again with the rotated key: picked up after the cooldown, no restart.
    jwks.mode = 'ok';
    jwks.jwks = { keys: [...first.publicJwks.keys, ...second.publicJwks.keys] };
    await sleep(1_050);
    await expect(verifier.verify(unknown, NOW)).resolves.toMatchObject({ agentId: 'agent-a' });
  });
  // Serving stale keys is bounded: a key the issuer removed (compromised, rotated out) must not
  // keep verifying for as long as someone keeps the gate from reaching the JWKS URL.
  it('stops serving the last good set jwks_max_stale after it expired: KEYS_UNAVAILABLE, then recovers', async () => {
    const jwks = await startJwksServer(first.publicJwks);
    const verifier = await createTokenVerifier({
      ...BASE,
      issuers: [urlIssuer(jwks.url, { jwksCacheMs: 100, jwksCooldownMs: 200, jwksTimeoutMs: 200, jwksMaxStaleMs: 300 })],
      requireAgentClaims: true,
    });
    await verifier.verify(await signRaw(first.privateJwk, payload()), NOW);
    jwks.mode = 'error';
    await sleep(200);
    await expect(verifier.verify(await signRaw(first.privateJwk, payload()), NOW)).resolves.toMatchObject({ agentId: 'agent-a' });
    await sleep(400);
    expect((await rejection(verifier.verify(await signRaw(first.privateJwk, payload()), NOW))).code).toBe('KEYS_UNAVAILABLE');
    jwks.mode = 'ok';
    await sleep(1_050);
    await expect(verifier.verify(await signRaw(first.privateJwk, payload()), NOW)).resolves.toMatchObject({ agentId: 'agent-a' });
  });
});
