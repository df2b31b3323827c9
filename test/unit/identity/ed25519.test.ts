/**
 * libsodium and OpenSSL hold Ed25519 signatures to the same verdicts on everything an agent can
 * shape (the signature and the signed bytes), so that swapping OpenSSL for libsodium on the fast
 * path changes speed only. Where they differ (a small-order public key: a key only the issuer's
 * JWKS can name), libsodium is the stricter one, which the fast path turns into a jose decision.
 */
import { Buffer } from 'node:buffer';
import { createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ed25519Backend, verifyEd25519, verifyWithLibsodium, verifyWithNodeCrypto } from '../../../src/identity/ed25519.js';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519').publicKey;
// The group order L = 2^252 + 27742317777372353535851937790883648493.
const L = (1n << 252n) + 27742317777372353535851937790883648493n;

const verdicts = (message: Uint8Array, signature: Uint8Array, key = publicKey): [boolean, boolean] => [
  verifyWithLibsodium(message, key, signature),
  verifyWithNodeCrypto(message, key, signature),
];

function littleEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i] as number);
  return value;
}

function toLittleEndian(value: bigint, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return out;
}

describe('Ed25519 verification', () => {
  it('loads libsodium on this platform (the gate logs the backend it uses at start)', () => {
    expect(ed25519Backend).toBe('libsodium');
    expect(verifyEd25519).toBe(verifyWithLibsodium);
  });

  it('both accept valid signatures over messages of any length', () => {
    for (const length of [0, 1, 63, 64, 200, 1000, 4096]) {
      const message = randomBytes(length);
      expect(verdicts(message, sign(null, message, privateKey))).toEqual([true, true]);
    }
  });

  it('both refuse every one-bit change of the signature', () => {
    const message = Buffer.from('eyJhbGciOiJFZERTQSJ9.eyJhZ2VudF9pZCI6ImEifQ', 'latin1');
    const signature = sign(null, message, privateKey);
    for (let bit = 0; bit < signature.length * 8; bit++) {
      const changed = Buffer.from(signature);
      changed[bit >> 3] = (changed[bit >> 3] as number) ^ (1 << (bit & 7));
      expect(verdicts(message, changed), `bit ${bit}`).toEqual([false, false]);
    }
  });

  it('both refuse a changed message, another key, and signatures of the wrong length', () => {
    const message = Buffer.from('header.payload', 'latin1');
    const signature = sign(null, message, privateKey);
    for (let at = 0; at < message.length; at++) {
      const changed = Buffer.from(message);
      changed[at] = (changed[at] as number) ^ 0x01;
      expect(verdicts(changed, signature)).toEqual([false, false]);
    }
    expect(verdicts(message, signature, other)).toEqual([false, false]);
    expect(verifyWithLibsodium(message, publicKey, signature.subarray(0, 63))).toBe(false);
    expect(verifyWithLibsodium(message, publicKey, Buffer.concat([signature, Buffer.alloc(1)]))).toBe(false);
  });

  it('both refuse the malleated signature (R, S + L): S must be canonical', () => {
    const message = Buffer.from('malleable?', 'latin1');
    const signature = sign(null, message, privateKey);
    const s = littleEndian(signature.subarray(32));
    const malleated = Buffer.concat([signature.subarray(0, 32), toLittleEndian(s + L, 32)]);
    expect(verdicts(message, malleated)).toEqual([false, false]);
  });

  it('on a small-order public key, libsodium is the stricter of the two', () => {
    // The identity point as a "key": R = identity, S = 0 satisfies the verification equation for
    // any message. OpenSSL accepts it; libsodium refuses small-order keys. Only a JWKS can hold
    // such a key, and a refusal on the fast path hands the token to jose (OpenSSL) unchanged.
    const identity = Buffer.alloc(32);
    identity[0] = 1;
    const weakKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: identity.toString('base64url') }, format: 'jwk' });
    const forged = Buffer.concat([identity, Buffer.alloc(32)]);
    expect(verdicts(Buffer.from('anything'), forged, weakKey)).toEqual([false, true]);
  });
});

describe('DUTYGATE_ED25519=node', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('keeps the gate on node:crypto, with the same verdicts', async () => {
    vi.stubEnv('DUTYGATE_ED25519', 'node');
    vi.resetModules();
    const reloaded = await import('../../../src/identity/ed25519.js');
    expect(reloaded.ed25519Backend).toBe('node:crypto');
    expect(reloaded.verifyEd25519).toBe(reloaded.verifyWithNodeCrypto);
    const message = Buffer.from('x.y', 'latin1');
    expect(reloaded.verifyEd25519(message, publicKey, sign(null, message, privateKey))).toBe(true);
    expect(() => reloaded.verifyWithLibsodium(message, publicKey, sign(null, message, privateKey))).toThrow(/not loaded/);
  });
});
