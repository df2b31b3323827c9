/**
 * A synchronous fast path for the common token: EdDSA (Ed25519), a plain `{alg, typ, kid}`
 * header, valid claims. jose 6 verifies through WebCrypto, whose Ed25519 `verify` is an async job
 * on the libuv threadpool; on the one CPU a sidecar usually gets, the hop (job, thread wake-up,
 * completion, promise) costs about a quarter of the verification itself. Here the Ed25519 check
 * runs inline, with libsodium where it loads (twice as fast as OpenSSL; `./ed25519.ts`).
 *
 * The fast path only ever *accepts*: it returns the payload when every check jose would make
 * passes, and `undefined` otherwise — for anything unusual (other header parameters, another key
 * type, a bad signature, a failing claim) the caller runs jose's `jwtVerify`, which decides and
 * reports exactly as before. The key is the one jose's own key source selects for the header
 * (same `kid`/`alg` matching, same JWKS caching and refresh), converted once to a KeyObject.
 */
import { Buffer } from 'node:buffer';
import { KeyObject } from 'node:crypto';
import type { webcrypto } from 'node:crypto';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { verifyEd25519 } from './ed25519.js';

/** What one issuer's fast path needs, prepared once. */
export interface FastPathIssuer {
  readonly key: JWTVerifyGetKey;
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly algorithms: ReadonlySet<string>;
  readonly clockToleranceSeconds: number;
}

// Header parameters the fast path understands; any other (crit, b64, jku, jwk, x5c, …) → jose.
const PLAIN_HEADER = new Set(['alg', 'typ', 'kid']);
const ED25519_SIGNATURE_BYTES = 64;

const keyObjects = new WeakMap<object, KeyObject>();

/** A token's header and payload, already decoded from its segments by the caller (unverified). */
export interface DecodedSegments {
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Record<string, unknown>;
}

/**
 * Verifies `token` at `now` if it is the plain EdDSA case; `undefined` means "not decided here,
 * ask jose". Throws only what the issuer's key source throws (an unreachable JWKS URL), which the
 * caller maps exactly like jose's own call to it. `decoded`, when given, must be the JSON of this
 * token's own header and payload segments (the verifier decoded them to pick the issuer); the
 * payload is returned only after the signature over those segments verified.
 */
export async function verifyEdDsaFast(token: string, issuer: FastPathIssuer, now: Date, decoded?: DecodedSegments): Promise<JWTPayload | undefined> {
  const firstDot = token.indexOf('.');
  const lastDot = token.lastIndexOf('.');
  if (firstDot <= 0 || lastDot <= firstDot) return undefined;
  const headerSegment = token.slice(0, firstDot);
  const payloadSegment = token.slice(firstDot + 1, lastDot);
  const signatureSegment = token.slice(lastDot + 1);
  // Base64url of length 1 mod 4 is not decodable; jose refuses it, Buffer would skip a character.
  if (headerSegment.length % 4 === 1 || payloadSegment.length % 4 === 1 || signatureSegment.length % 4 === 1) return undefined;

  const header = decoded?.header ?? decodeObject(headerSegment);
  if (header === undefined) return undefined;
  for (const name of Object.keys(header)) if (!PLAIN_HEADER.has(name)) return undefined;
  const alg = header['alg'];
  if ((alg !== 'EdDSA' && alg !== 'Ed25519') || !issuer.algorithms.has(alg)) return undefined;
  if (header['kid'] !== undefined && typeof header['kid'] !== 'string') return undefined;

  const key = toKeyObject(await issuer.key(header as Parameters<JWTVerifyGetKey>[0], { payload: payloadSegment, signature: signatureSegment, protected: headerSegment }));
  if (key === undefined) return undefined;
  const signature = Buffer.from(signatureSegment, 'base64url');
  if (signature.length !== ED25519_SIGNATURE_BYTES) return undefined;
  if (!verifyEd25519(Buffer.from(token.slice(0, lastDot), 'latin1'), key, signature)) return undefined;

  const payload = decoded?.payload ?? decodeObject(payloadSegment);
  if (payload === undefined || !claimsPass(payload, issuer, now)) return undefined;
  return payload;
}

/** jose's `validateClaimsSet` for the options the gate passes, as a yes/no. */
function claimsPass(payload: Record<string, unknown>, issuer: FastPathIssuer, now: Date): boolean {
  const { iss, aud, iat, exp, nbf } = payload;
  if (iss !== issuer.issuer) return false;
  if (typeof aud === 'string') {
    if (!issuer.audiences.includes(aud)) return false;
  } else if (!Array.isArray(aud) || !aud.some((value) => issuer.audiences.includes(value as string))) {
    return false;
  }
  if (typeof iat !== 'number' || typeof exp !== 'number') return false;
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const tolerance = issuer.clockToleranceSeconds;
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowSeconds + tolerance)) return false;
  return exp > nowSeconds - tolerance;
}

/** A public Ed25519 verification key as jose checks it (`checkSigCryptoKey`), or undefined. */
function toKeyObject(key: unknown): KeyObject | undefined {
  if (typeof key !== 'object' || key === null) return undefined;
  const cached = keyObjects.get(key);
  if (cached !== undefined) return cached;
  let keyObject: KeyObject;
  if (key instanceof KeyObject) {
    keyObject = key;
  } else {
    const cryptoKey = key as Partial<webcrypto.CryptoKey>;
    if (cryptoKey.type !== 'public' || cryptoKey.algorithm?.name !== 'Ed25519' || !cryptoKey.usages?.includes('verify')) return undefined;
    keyObject = KeyObject.from(key as webcrypto.CryptoKey);
  }
  if (keyObject.type !== 'public' || keyObject.asymmetricKeyType !== 'ed25519') return undefined;
  keyObjects.set(key, keyObject);
  return keyObject;
}

function decodeObject(segment: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
