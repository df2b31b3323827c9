import { describe, expect, it } from 'vitest';
import type { StoreRef } from './state-contract.js';
import { T0, uniqueId } from './state-contract.js';

/** jti claim-once and override-token consume-once (`override:` keys). */
export function replayContract(store: StoreRef): void {
  describe('replay', () => {
    it('claims a jti exactly once until it expires', async () => {
      const jti = uniqueId('jti');
      expect(await store().claimJti(jti, T0 + 60_000, T0)).toBe(true);
      expect(await store().claimJti(jti, T0 + 60_000, T0 + 1)).toBe(false);
      expect(await store().claimJti(jti, T0 + 60_000, T0 + 59_999)).toBe(false);
    });

    it('frees a jti once its expiry has passed', async () => {
      // Redis counts the TTL on its own clock, so this one waits for real (briefly).
      const jti = uniqueId('jti');
      const start = Date.now();
      expect(await store().claimJti(jti, start + 40, start)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(await store().claimJti(jti, Date.now() + 60_000, Date.now())).toBe(true);
      expect(await store().claimJti(jti, Date.now() + 60_000, Date.now())).toBe(false);
    });

    it('lets exactly one of 200 concurrent claims win', async () => {
      const jti = uniqueId('jti');
      const results = await Promise.all(Array.from({ length: 200 }, () => store().claimJti(jti, T0 + 60_000, T0)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('keeps distinct jtis independent', async () => {
      const [a, b] = [uniqueId('jti'), uniqueId('jti')];
      expect(await store().claimJti(a, T0 + 60_000, T0)).toBe(true);
      expect(await store().claimJti(b, T0 + 60_000, T0)).toBe(true);
    });

    it('consumes an override token exactly once, apart from agent jtis', async () => {
      const jti = uniqueId('ovr');
      const results = await Promise.all(Array.from({ length: 50 }, () => store().claimJti(`override:${jti}`, T0 + 600_000, T0)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store().claimJti(`override:${jti}`, T0 + 600_000, T0 + 599_999)).toBe(false);
      // the same id as an agent jti is a different key
      expect(await store().claimJti(jti, T0 + 60_000, T0)).toBe(true);
    });

    it('answers ping', async () => {
      await expect(store().ping()).resolves.toBeUndefined();
    });
  });
}
