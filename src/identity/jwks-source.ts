/**
 * Key sources: one jose key resolver per configured issuer. A `jwks_file` is read and parsed
 * once, at start-up; a `jwks_url` is fetched lazily by jose's remote set (cached, refreshed on an
 * unknown `kid` at most once per cooldown, and in the background when the cache expires; keys of
 * the last good set keep verifying while the URL is down, slow or serving garbage, for at most
 * `jwks_max_stale` past the cache lifetime). Fetch
 * failures become `KEYS_UNAVAILABLE` so the gate fails closed with a 503 instead of blaming the
 * agent's token.
 */
import { readFile } from 'node:fs/promises';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwksCache } from 'jose';
import type { JSONWebKeySet, JWTVerifyGetKey } from 'jose';
import { DutygateError } from '../errors.js';
import type { IssuerConfig } from '../config/types.js';

/** Resolves the verification key for a token's protected header (a jose `JWTVerifyGetKey`). */
export type KeySource = JWTVerifyGetKey;

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
  // jose fetches, validates and caches; it writes each good key set into `cache` too.
  const cache: { uat?: number; jwks?: JSONWebKeySet } = {};
  const remote = createRemoteJWKSet(url, {
    cacheMaxAge: issuer.jwksCacheMs,
    cooldownDuration: issuer.jwksCooldownMs,
    // jose requires an integer number of milliseconds.
    timeoutDuration: Math.max(0, Math.round(issuer.jwksTimeoutMs)),
    // jose's type wants the empty object it will fill in (`Record<string, never>`).
    [jwksCache]: cache as Record<string, never>,
  });
  const unavailable = (cause?: unknown) =>
    new DutygateError('KEYS_UNAVAILABLE', `the key set of issuer ${JSON.stringify(issuer.issuer)} could not be fetched from ${url.origin}`, { cause });

  // Stale-while-error (issue 13, item 6): jose alone refetches on every lookup once the cache
  // has expired and refuses every token while the URL is down, slow or serving garbage. Here a
  // key from the last good set keeps verifying; the set is refreshed in the background; and
  // fetches (one in flight at a time, shared) start at most once per cooldown — once a second
  // while no key set was ever fetched — however many tokens arrive.
  let lastAttempt = Number.NEGATIVE_INFINITY;
  let last: { jwks: JSONWebKeySet; lookup: KeySource } | undefined;
  const coolingDown = (ms: number) => Date.now() - lastAttempt < ms;
  const refresh = (): Promise<void> => {
    if (!remote.reloading) lastAttempt = Date.now();
    return remote.reload();
  };
  // Stale is bounded: a key the issuer removed must not verify for as long as someone keeps the
  // gate from reaching the URL. Past cache lifetime + jwks_max_stale the set is not used.
  const lastGood = (): KeySource | undefined => {
    if (cache.jwks === undefined) return undefined;
    if (cache.uat !== undefined && Date.now() - cache.uat > issuer.jwksCacheMs + issuer.jwksMaxStaleMs) return undefined;
    if (last?.jwks !== cache.jwks) last = { jwks: cache.jwks, lookup: createLocalJWKSet(cache.jwks) };
    return last.lookup;
  };

  return async (protectedHeader, token) => {
    let lookup = lastGood();
    if (lookup === undefined) {
      if (coolingDown(Math.min(issuer.jwksCooldownMs, 1_000)) && !remote.reloading) throw unavailable();
      try {
        await refresh();
      } catch (cause) {
        throw unavailable(cause);
      }
      lookup = lastGood();
      if (lookup === undefined) throw unavailable();
      return lookup(protectedHeader, token);
    }
    if (!remote.fresh && !coolingDown(issuer.jwksCooldownMs)) void refresh().catch(() => undefined);
    try {
      return await lookup(protectedHeader, token);
    } catch (cause) {
      // An unknown kid may be a rotation: join a fetch in flight, or start one once per
      // cooldown; otherwise it is the token's fault.
      if (!(cause instanceof errors.JWKSNoMatchingKey) || (coolingDown(issuer.jwksCooldownMs) && !remote.reloading)) throw cause;
    }
    try {
      await refresh();
    } catch (cause) {
      throw unavailable(cause);
    }
    return (lastGood() ?? lookup)(protectedHeader, token);
  };
}

function hasPrivateKey(jwks: unknown): boolean {
  if (typeof jwks !== 'object' || jwks === null) return false;
  const keys = (jwks as { keys?: unknown }).keys;
  return Array.isArray(keys) && keys.some((key) => typeof key === 'object' && key !== null && 'd' in key);
}
