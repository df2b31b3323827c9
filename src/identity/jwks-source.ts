/**
 * Key sources: one jose key resolver per configured issuer. A `jwks_file` is read and parsed
 * once, at start-up; a `jwks_url` is fetched lazily by jose's remote set (cached, refreshed on an
 * unknown `kid` at most once per cooldown). Fetch failures become `KEYS_UNAVAILABLE` so the gate
 * fails closed with a 503 instead of blaming the agent's token.
 */
import { readFile } from 'node:fs/promises';
import { createLocalJWKSet, createRemoteJWKSet, errors } from 'jose';
import type { JSONWebKeySet, JWTVerifyGetKey } from 'jose';
import { DutygateError } from '../errors.js';
import type { IssuerConfig } from '../config/types.js';

/** Resolves the verification key for a token's protected header (a jose `JWTVerifyGetKey`). */
export type KeySource = JWTVerifyGetKey;

// Errors a key lookup raises about the *token* (its kid or alg), as opposed to the key set being
// unreachable or unusable. They pass through to the verifier's token-level mapping.
const TOKEN_LOOKUP_CODES: ReadonlySet<string> = new Set([
  errors.JWKSNoMatchingKey.code,
  errors.JWKSMultipleMatchingKeys.code,
  errors.JOSENotSupported.code,
]);

/**
 * Builds the key source for one issuer.
 *
 * @throws DutygateError `KEYS_UNAVAILABLE` when the `jwksFile` cannot be read, is not a JWKS,
 *   or holds a private key; the reason names the file.
 */
export async function createKeySource(issuer: IssuerConfig): Promise<KeySource> {
  if (issuer.jwksFile !== undefined) return createFileKeySource(issuer.issuer, issuer.jwksFile);
  if (issuer.jwksUrl !== undefined) return createUrlKeySource(issuer);
  throw new DutygateError('KEYS_UNAVAILABLE', `issuer ${JSON.stringify(issuer.issuer)} has neither jwks_file nor jwks_url`);
}

async function createFileKeySource(iss: string, path: string): Promise<KeySource> {
  const fail = (why: string, cause?: unknown): DutygateError =>
    new DutygateError('KEYS_UNAVAILABLE', `issuer ${JSON.stringify(iss)}: jwks_file ${path} ${why}`, { cause });
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw fail(`cannot be read (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, cause);
  }
  let jwks: unknown;
  try {
    jwks = JSON.parse(text);
  } catch (cause) {
    throw fail('is not valid JSON', cause);
  }
  if (hasPrivateKey(jwks)) {
    // A private key in a trust store means key material is being handled carelessly upstream.
    throw fail('holds a private key; publish only public keys');
  }
  try {
    return createLocalJWKSet(jwks as JSONWebKeySet);
  } catch (cause) {
    throw fail('is not a JSON Web Key Set ({"keys": [...]})', cause);
  }
}

function createUrlKeySource(issuer: IssuerConfig): KeySource {
  const url = new URL(issuer.jwksUrl as string);
  const remote = createRemoteJWKSet(url, {
    cacheMaxAge: issuer.jwksCacheMs,
    cooldownDuration: issuer.jwksCooldownMs,
    // jose requires an integer number of milliseconds.
    timeoutDuration: Math.max(0, Math.round(issuer.jwksTimeoutMs)),
  });
  // jose already shares one in-flight fetch between concurrent lookups, so a slow or dead key
  // server sees at most one request at a time from this gate.
  return async (protectedHeader, token) => {
    try {
      return await remote(protectedHeader, token);
    } catch (cause) {
      if (cause instanceof errors.JOSEError && TOKEN_LOOKUP_CODES.has(cause.code)) throw cause;
      throw new DutygateError(
        'KEYS_UNAVAILABLE',
        `the key set of issuer ${JSON.stringify(issuer.issuer)} could not be fetched from ${url.origin}`,
        { cause },
      );
    }
  };
}

function hasPrivateKey(jwks: unknown): boolean {
  if (typeof jwks !== 'object' || jwks === null) return false;
  const keys = (jwks as { keys?: unknown }).keys;
  return Array.isArray(keys) && keys.some((key) => typeof key === 'object' && key !== null && 'd' in key);
}
