/**
 * Signing keys for local use and tests (`dutygate keys generate`). Production issuers bring
 * their own keys; this only has to produce correct, well-labelled JWKs.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';

/** Options of {@link generateSigningKey}. */
export interface GenerateKeyOptions {
  /** Key id; defaults to the RFC 7638 SHA-256 thumbprint of the public key. */
  readonly kid?: string;
  /** JWS algorithm (default `EdDSA`, i.e. Ed25519). */
  readonly alg?: string;
}

/** A generated key pair as JWKs. */
export interface SigningKey {
  /** The public half as a JWKS, ready for an issuer's `jwks_file`. */
  readonly publicJwks: { readonly keys: JWK[] };
  /** The private JWK (with `kid`, `alg`, `use: sig`), for {@link mintAgentToken}. */
  readonly privateJwk: JWK;
}

/** Generates an asymmetric signing key pair. */
export async function generateSigningKey(options: GenerateKeyOptions = {}): Promise<SigningKey> {
  const alg = options.alg ?? 'EdDSA';
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = options.kid ?? (await calculateJwkThumbprint(publicJwk, 'sha256'));
  const labels = { kid, alg, use: 'sig' };
  return {
    publicJwks: { keys: [{ ...publicJwk, ...labels }] },
    privateJwk: { ...(await exportJWK(privateKey)), ...labels },
  };
}
