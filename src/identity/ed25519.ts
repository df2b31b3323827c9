/**
 * One Ed25519 signature check, as fast as this process can do it.
 *
 * Why libsodium: every Check verifies at least one agent token, and OpenSSL 3's Ed25519 verify
 * (what `node:crypto` and jose use) takes ~115 µs here against libsodium's ~60 µs — on the one
 * core a sidecar gets, the single largest cost of a Check. `sodium-native` ships prebuilt
 * binaries in its npm package (no compiler, no download at install); if it cannot load on some
 * platform, the gate uses `node:crypto` and says so at start (see {@link ed25519Backend}).
 *
 * Both give the same verdict on every signature an agent can shape: libsodium accepts only
 * canonical `S` (< L), as OpenSSL does, and additionally refuses small-order `R` and public keys,
 * which OpenSSL accepts. The fast path only ever *accepts* (a refusal goes to jose, which decides
 * with OpenSSL), so a stricter libsodium can cost a slow path, never an accept OpenSSL would
 * refuse. test/unit/identity/ed25519.test.ts holds both to the same verdicts.
 */
import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';
import { verify as verifyWithOpenSsl } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** The one libsodium call used here (sodium-native's signature; it ships no types). */
interface Sodium {
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

const PUBLIC_KEY_BYTES = 32;

function loadSodium(): Sodium | undefined {
  if (process.env['DUTYGATE_ED25519'] === 'node') return undefined;
  try {
    return createRequire(import.meta.url)('sodium-native') as Sodium;
  } catch {
    return undefined;
  }
}

const sodium = loadSodium();

/**
 * Which implementation checks Ed25519 signatures in this process: `libsodium` (sodium-native),
 * or `node:crypto` when the addon could not load or `DUTYGATE_ED25519=node` asked for it.
 */
export const ed25519Backend: 'libsodium' | 'node:crypto' = sodium === undefined ? 'node:crypto' : 'libsodium';

// A KeyObject's raw 32 bytes, exported once per key (keys come from the issuer's key source).
const rawKeys = new WeakMap<KeyObject, Buffer>();

function rawPublicKey(key: KeyObject): Buffer | undefined {
  let raw = rawKeys.get(key);
  if (raw !== undefined) return raw;
  const { x } = key.export({ format: 'jwk' });
  if (typeof x !== 'string') return undefined;
  raw = Buffer.from(x, 'base64url');
  if (raw.length !== PUBLIC_KEY_BYTES) return undefined;
  rawKeys.set(key, raw);
  return raw;
}

/** libsodium's verdict on `signature` over `message` under the Ed25519 public `key`. */
export function verifyWithLibsodium(message: Uint8Array, key: KeyObject, signature: Uint8Array): boolean {
  if (sodium === undefined) throw new Error('libsodium (sodium-native) is not loaded in this process');
  const raw = rawPublicKey(key);
  return raw !== undefined && signature.length === 64 && sodium.crypto_sign_verify_detached(signature, message, raw);
}

/** OpenSSL's verdict (node:crypto) on `signature` over `message` under the Ed25519 public `key`. */
export function verifyWithNodeCrypto(message: Uint8Array, key: KeyObject, signature: Uint8Array): boolean {
  return verifyWithOpenSsl(null, message, key, signature);
}

/** Verifies an Ed25519 signature with {@link ed25519Backend}. `key` must be an Ed25519 public key. */
export const verifyEd25519: (message: Uint8Array, key: KeyObject, signature: Uint8Array) => boolean =
  sodium === undefined ? verifyWithNodeCrypto : verifyWithLibsodium;
