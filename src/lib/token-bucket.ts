/**
 * A token bucket: `burst` tokens at most, refilled at `ratePerSecond`. No timers and no clock of
 * its own — the caller passes `nowMs` — so it is exact under test and costs nothing while idle.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  /**
   * @param ratePerSecond tokens added per second (> 0; fractions allowed, e.g. 0.5).
   * @param burst most tokens held at once (≥ 1); the bucket starts full.
   * @throws RangeError for a rate or burst out of range (a zero rate would never refill).
   */
  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) throw new RangeError(`token bucket rate must be a positive number, not ${ratePerSecond}`);
    if (!Number.isInteger(burst) || burst < 1) throw new RangeError(`token bucket burst must be a whole number ≥ 1, not ${burst}`);
    this.tokens = burst;
    this.updatedAt = nowMs;
  }

  /** Takes one token if there is one (resolves 0), else takes none and says how many ms until one is due. */
  take(nowMs: number): number {
    this.refill(nowMs);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond));
  }

  private refill(nowMs: number): void {
    // A clock that steps back adds nothing (and takes nothing away).
    const elapsed = Math.max(0, nowMs - this.updatedAt);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000);
    this.updatedAt = Math.max(this.updatedAt, nowMs);
  }
}
