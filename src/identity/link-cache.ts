/**
 * A bounded cache of verified chain links. One parent's token is presented as a link by every
 * child call it spawned, so caching the signature check turns the chain from N signature
 * verifications per request into N map lookups. Only successes are cached, each never past its
 * own `exp`; relational chain rules are not cached (they depend on the child).
 */
import type { AgentClaims } from './types.js';

/** Verifies one chain link at time `now` (the token verifier's `verify`). */
export type LinkVerifier = (token: string, now: Date) => Promise<AgentClaims>;

/** Options of {@link createCachedLinkVerifier}. */
export interface LinkCacheOptions {
  /** Upper bound on cached links (default 10,000). */
  readonly maxEntries?: number;
}

/** A {@link LinkVerifier} with a cache in front; `size` is exposed for tests and metrics. */
export interface CachedLinkVerifier extends LinkVerifier {
  readonly size: number;
}

interface Entry {
  readonly claims: AgentClaims;
  /** When the link was verified; a clock that went backwards before this misses the cache. */
  readonly verifiedAtMs: number;
  /** The link's own `exp`, in ms: the entry is dead from this instant. */
  readonly expMs: number;
}

// When the cache is full, sweeping expired entries is O(n); doing it at most this often keeps a
// cache full of live links from paying O(n) on every insert (it evicts the oldest instead).
const SWEEP_INTERVAL_MS = 1000;

/**
 * Wraps `verify` with a cache keyed by the exact token string. A hit requires
 * `verifiedAt <= now < exp`, so a cached link is never accepted later than the verifier itself
 * would have accepted it without skew; links inside the skew window are simply re-verified.
 * Eviction when full: expired entries first, then the oldest insertion.
 *
 * Keys removed from an issuer's key set do not evict cached links; they stay trusted until their
 * own `exp` (bounded by `max_token_lifetime`).
 */
export function createCachedLinkVerifier(verify: LinkVerifier, options: LinkCacheOptions = {}): CachedLinkVerifier {
  const maxEntries = options.maxEntries ?? 10_000;
  const entries = new Map<string, Entry>();
  let lastSweepMs = Number.NEGATIVE_INFINITY;

  const insert = (token: string, entry: Entry, nowMs: number): void => {
    if (entries.has(token)) {
      entries.set(token, entry);
      return;
    }
    if (entries.size >= maxEntries && nowMs - lastSweepMs >= SWEEP_INTERVAL_MS) {
      lastSweepMs = nowMs;
      for (const [key, value] of entries) if (value.expMs <= nowMs) entries.delete(key);
    }
    if (entries.size >= maxEntries) {
      // Map iteration is insertion order, so the first key is the oldest entry.
      const oldest = entries.keys().next();
      if (oldest.done !== true) entries.delete(oldest.value);
    }
    entries.set(token, entry);
  };

  const cached = async (token: string, now: Date): Promise<AgentClaims> => {
    const nowMs = now.getTime();
    const hit = entries.get(token);
    if (hit !== undefined) {
      if (hit.verifiedAtMs <= nowMs && nowMs < hit.expMs) return hit.claims;
      if (hit.expMs <= nowMs) entries.delete(token);
    }
    const claims = await verify(token, now);
    const expMs = claims.exp * 1000;
    if (maxEntries > 0 && nowMs < expMs) insert(token, { claims, verifiedAtMs: nowMs, expMs }, nowMs);
    return claims;
  };

  return Object.defineProperty(cached, 'size', { get: () => entries.size, enumerable: true }) as CachedLinkVerifier;
}
