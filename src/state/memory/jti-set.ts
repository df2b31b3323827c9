/**
 * A bounded set of spent token ids, each kept until its own expiry. Expired ids are swept in
 * whole one-second buckets (no per-entry timers, no scanning of live entries). An unexpired id
 * is never evicted to make room: when the set is full, `claim` reports `full` and the caller
 * denies — evicting a live jti would let its token be replayed.
 */
export class JtiSet {
  private readonly expiries = new Map<string, number>();
  /** Expiry second → ids expiring in it. */
  private readonly buckets = new Map<number, string[]>();
  private sweptUpTo = 0;

  constructor(private readonly maxEntries: number) {}

  /** Current number of remembered ids (expired ones not yet swept included). */
  get size(): number {
    return this.expiries.size;
  }

  /** `claimed` once per id until it expires; `spent` after; `full` when no room is left. */
  claim(jti: string, expiresAtMs: number, nowMs: number): 'claimed' | 'spent' | 'full' {
    const known = this.expiries.get(jti);
    if (known !== undefined && known > nowMs) return 'spent';
    if (known === undefined && this.expiries.size >= this.maxEntries) {
      this.sweep(nowMs, true);
      if (this.expiries.size >= this.maxEntries) return 'full';
    }
    this.expiries.set(jti, expiresAtMs);
    const second = Math.ceil(expiresAtMs / 1000);
    const bucket = this.buckets.get(second);
    if (bucket) bucket.push(jti);
    else this.buckets.set(second, [jti]);
    return 'claimed';
  }

  /**
   * Forgets every id whose expiry has passed. Cost is proportional to the number of buckets
   * plus what it removes; runs at most once per second unless `force`d.
   */
  sweep(nowMs: number, force = false): void {
    const nowSecond = Math.floor(nowMs / 1000);
    if (!force && nowSecond <= this.sweptUpTo) return;
    this.sweptUpTo = nowSecond;
    for (const [second, ids] of this.buckets) {
      if (second * 1000 > nowMs) continue;
      for (const id of ids) {
        const expiry = this.expiries.get(id);
        // A re-claimed id (after expiry) lives in a later bucket; keep that one.
        if (expiry !== undefined && expiry <= nowMs) this.expiries.delete(id);
      }
      this.buckets.delete(second);
    }
  }

  clear(): void {
    this.expiries.clear();
    this.buckets.clear();
  }
}
