/**
 * The synchronous EdDSA fast path against jose, token by token: it may only accept what jose's
 * `jwtVerify` (with the gate's options) accepts, and it must accept the plain valid token, or it
 * would be dead code. Everything it declines goes to jose (covered by verify-token.test.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { jwtVerify } from 'jose';
import type { IssuerConfig } from '../../../src/config/types.js';
import { verifyEdDsaFast } from '../../../src/identity/eddsa-fast-path.js';
import type { FastPathIssuer } from '../../../src/identity/eddsa-fast-path.js';
import { generateSigningKey } from '../../../src/identity/generate-keys.js';
import { decodeUnverifiedPayload, parseUnverified } from '../../../src/identity/parse-token.js';
import type { SigningKey } from '../../../src/identity/generate-keys.js';
import { createKeySource } from '../../../src/identity/jwks-source.js';
import { AUD, ISS, NOW, NOW_S, hmacWithPublicKey, makeIssuer, payload, signRaw, tamperPayload, unsignedToken, writeJwks } from './fixtures.js';
import type { TestIssuer } from './fixtures.js';

let issuer: TestIssuer;
let fast: FastPathIssuer;
let stranger: SigningKey;
let twin: SigningKey;

async function prepare(config: IssuerConfig): Promise<FastPathIssuer> {
  return {
    key: await createKeySource(config),
    issuer: config.issuer,
    audiences: typeof config.audience === 'string' ? [config.audience] : [...config.audience],
    algorithms: new Set(config.algorithms),
    clockToleranceSeconds: 5,
  };
}

beforeAll(async () => {
  issuer = await makeIssuer();
  fast = await prepare(issuer.config);
  stranger = await generateSigningKey({ kid: 'stranger' });
  twin = await generateSigningKey({ kid: issuer.key.privateJwk.kid! });
});

const sign = (body: Record<string, unknown>, header?: Record<string, unknown>): Promise<string> => signRaw(issuer.key.privateJwk, body, header);

/** jose's verdict with the options verify-token.ts passes. */
async function joseAccepts(token: string, config: IssuerConfig, now = NOW): Promise<boolean> {
  try {
    await jwtVerify(token, await createKeySource(config), {
      algorithms: [...config.algorithms],
      issuer: config.issuer,
      audience: typeof config.audience === 'string' ? config.audience : [...config.audience],
      clockTolerance: 5,
      requiredClaims: ['iat', 'exp'],
      currentDate: now,
    });
    return true;
  } catch {
    return false;
  }
}

const rows: { name: string; token: () => string | Promise<string>; fastAccepts: boolean }[] = [
  { name: 'plain valid token', token: () => sign(payload()), fastAccepts: true },
  { name: 'valid, typ JWT', token: () => sign(payload(), { typ: 'JWT' }), fastAccepts: true },
  { name: 'valid, aud as an array naming the gate', token: () => sign(payload({ aud: ['other', AUD] })), fastAccepts: true },
  { name: 'valid, nbf within the skew', token: () => sign(payload({ nbf: NOW_S + 4 })), fastAccepts: true },
  { name: 'expired within the skew (jose accepts)', token: () => sign(payload({ exp: NOW_S - 4 })), fastAccepts: true },
  { name: 'expired beyond the skew', token: () => sign(payload({ exp: NOW_S - 5 })), fastAccepts: false },
  { name: 'nbf beyond the skew', token: () => sign(payload({ nbf: NOW_S + 6 })), fastAccepts: false },
  { name: 'nbf not a number', token: () => sign(payload({ nbf: 'soon' })), fastAccepts: false },
  { name: 'iat missing', token: () => sign(payload({ iat: undefined })), fastAccepts: false },
  { name: 'exp a string', token: () => sign(payload({ exp: String(NOW_S + 60) })), fastAccepts: false },
  { name: 'wrong iss', token: () => sign(payload({ iss: 'https://evil.example' })), fastAccepts: false },
  { name: 'wrong aud', token: () => sign(payload({ aud: 'someone-else' })), fastAccepts: false },
  { name: 'aud array without the gate', token: () => sign(payload({ aud: ['a', 'b'] })), fastAccepts: false },
  { name: 'aud an object', token: () => sign(payload({ aud: { dutygate: true } })), fastAccepts: false },
  { name: 'payload an array', token: () => sign(['x'] as unknown as Record<string, unknown>), fastAccepts: false },
  { name: 'tampered payload', token: async () => tamperPayload(await sign(payload()), payload({ agent_id: 'root' })), fastAccepts: false },
  { name: 'right kid, another key', token: () => signRaw(twin.privateJwk, payload()), fastAccepts: false },
  { name: 'crit header (b64: false)', token: () => sign(payload(), { crit: ['b64'], b64: true }), fastAccepts: false },
  { name: 'extra header parameter (jwk)', token: () => sign(payload(), { jwk: issuer.key.publicJwks.keys[0] }), fastAccepts: false },
  { name: 'alg none', token: () => unsignedToken(payload()), fastAccepts: false },
  { name: 'HS256 with the public key as secret', token: () => hmacWithPublicKey(issuer.key.publicJwks.keys[0]!, payload()), fastAccepts: false },
  { name: 'truncated signature', token: async () => (await sign(payload())).slice(0, -2), fastAccepts: false },
  { name: 'signature segment of impossible length', token: async () => `${await sign(payload())}A`, fastAccepts: false },
];

describe('verifyEdDsaFast', () => {
  for (const row of rows) {
    it(`${row.name}: ${row.fastAccepts ? 'accepts' : 'leaves it to jose'}, never accepting what jose refuses`, async () => {
      const token = await row.token();
      const result = await verifyEdDsaFast(token, fast, NOW);
      expect(result !== undefined).toBe(row.fastAccepts);
      if (result !== undefined) {
        expect(await joseAccepts(token, issuer.config)).toBe(true);
        expect(result).toMatchObject({ iss: ISS, jti: expect.any(String) });
      }
    });
  }

  // verify-token.ts hands over the header and payload it decoded to pick the issuer: the verdict
  // must be the one the fast path reaches decoding them itself (a tampered payload still fails).
  for (const row of rows) {
    it(`${row.name}: the same verdict with the verifier's decoded segments`, async () => {
      const token = await row.token();
      let decoded: { header: Readonly<Record<string, unknown>>; payload: Record<string, unknown> };
      try {
        const { header, payloadSegment } = parseUnverified(token, 16_384);
        decoded = { header, payload: decodeUnverifiedPayload(payloadSegment) };
      } catch {
        return; // refused before the fast path: it is never called with this token
      }
      const result = await verifyEdDsaFast(token, fast, NOW, decoded);
      expect(result !== undefined).toBe(row.fastAccepts);
      expect(result).toEqual(await verifyEdDsaFast(token, fast, NOW));
    });
  }

  it('an unknown kid: the key source’s own error, exactly as jose would meet it', async () => {
    const token = await signRaw(stranger.privateJwk, payload());
    const fastError = await verifyEdDsaFast(token, fast, NOW).catch((error: unknown) => error);
    const joseError = await jwtVerify(token, await createKeySource(issuer.config)).catch((error: unknown) => error);
    expect(fastError).toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    expect((fastError as { code: string }).code).toBe((joseError as { code: string }).code);
  });

  it('declines algorithms the issuer does not allow, even EdDSA ones', async () => {
    const token = await sign(payload());
    expect(await verifyEdDsaFast(token, { ...fast, algorithms: new Set(['ES256']) }, NOW)).toBeUndefined();
  });

  it('the fully specified Ed25519 alg: declined unless allowed, accepted when it is', async () => {
    const ed = await makeIssuer({ algorithms: ['Ed25519'] }, 'Ed25519');
    const token = await signRaw(ed.key.privateJwk, payload());
    expect(await verifyEdDsaFast(token, { ...(await prepare(ed.config)), algorithms: new Set(['EdDSA']) }, NOW)).toBeUndefined();
    expect(await verifyEdDsaFast(token, await prepare(ed.config), NOW)).toBeDefined();
    expect(await joseAccepts(token, ed.config)).toBe(true);
  });

  it('uses the key jose selects: two keys, the token names the second', async () => {
    const second = await generateSigningKey({ kid: 'second' });
    const config = { ...issuer.config, jwksFile: await writeJwks({ keys: [...issuer.key.publicJwks.keys, ...second.publicJwks.keys] }) };
    const both = await prepare(config);
    const token = await signRaw(second.privateJwk, payload());
    expect(await verifyEdDsaFast(token, both, NOW)).toBeDefined();
    await expect(verifyEdDsaFast(token, fast, NOW)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
  });

  it('leaves non-Ed25519 keys to jose', async () => {
    const es = await makeIssuer({ algorithms: ['ES256'] }, 'ES256');
    const token = await signRaw(es.key.privateJwk, payload());
    expect(await verifyEdDsaFast(token, await prepare(es.config), NOW)).toBeUndefined();
  });
});
