import { describe, expect, it } from 'vitest';
import type { ReplaySpace } from '../../../src/state/state-store.js';
import type { StoreRef } from './state-contract.js';
import { T0, uniqueId } from './state-contract.js';

const AGENT: ReplaySpace = { purpose: 'agent', issuer: 'https://idp.example' };
const OVERRIDE: ReplaySpace = { purpose: 'override' };

/** jti claim-once and override-token consume-once, each in its own keyspace. */
export function replayContract(store: StoreRef): void {
  describe('replay', () => {
    it('claims a jti exactly once until it expires', async () => {
      const jti = uniqueId('jti');
      expect(await store().claimJti(AGENT, jti, T0 + 60_000, T0)).toBe(true);
      expect(await store().claimJti(AGENT, jti, T0 + 60_000, T0 + 1)).toBe(false);
      expect(await store().claimJti(AGENT, jti, T0 + 60_000, T0 + 59_999)).toBe(false);
    });

    it('frees a jti once its expiry has passed', async () => {
      // Redis counts the TTL on its own clock, so this one waits for real (briefly).
      const jti = uniqueId('jti');
      const start = Date.now();
      expect(await store().claimJti(AGENT, jti, start + 40, start)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(await store().claimJti(AGENT, jti, Date.now() + 60_000, Date.now())).toBe(true);
      expect(await store().claimJti(AGENT, jti, Date.now() + 60_000, Date.now())).toBe(false);
    });

    it('lets exactly one of 200 concurrent claims win', async () => {
      const jti = uniqueId('jti');
      const results = await Promise.all(Array.from({ length: 200 }, () => store().claimJti(AGENT, jti, T0 + 60_000, T0)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('keeps distinct jtis independent', async () => {
      const [a, b] = [uniqueId('jti'), uniqueId('jti')];
      expect(await store().claimJti(AGENT, a, T0 + 60_000, T0)).toBe(true);
      expect(await store().claimJti(AGENT, b, T0 + 60_000, T0)).toBe(true);
    });

    it('consumes an override token exactly once, apart from agent jtis', async () => {
      const jti = uniqueId('ovr');
      const results = await Promise.all(Array.from({ length: 50 }, () => store().claimJti(OVERRIDE, jti, T0 + 600_000, T0)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store().claimJti(OVERRIDE, jti, T0 + 600_000, T0 + 599_999)).toBe(false);
      // the same id as an agent jti is a different key
      expect(await store().claimJti(AGENT, jti, T0 + 60_000, T0)).toBe(true);
    });

    it('an agent jti spelled override:<J> does not spend the override J (issue 19)', async () => {
      const jti = uniqueId('ovr');
      expect(await store().claimJti(AGENT, `override:${jti}`, T0 + 60_000, T0)).toBe(true);
      expect(await store().claimJti(OVERRIDE, jti, T0 + 600_000, T0)).toBe(true);
    });

    it('keeps the jtis of different issuers apart, with no separator ambiguity (issue 19)', async () => {
      const jti = uniqueId('jti');
      expect(await store().claimJti({ purpose: 'agent', issuer: 'https://a.example' }, jti, T0 + 60_000, T0)).toBe(true);
      expect(await store().claimJti({ purpose: 'agent', issuer: 'https://b.example' }, jti, T0 + 60_000, T0)).toBe(true);
      // (issuer 'x:y', jti 'z') and (issuer 'x', jti 'y:z') must be two keys
      expect(await store().claimJti({ purpose: 'agent', issuer: `${jti}:y` }, 'z', T0 + 60_000, T0)).toBe(true);
      expect(await store().claimJti({ purpose: 'agent', issuer: jti }, 'y:z', T0 + 60_000, T0)).toBe(true);
    });

    it('refuses an ill-formed jti as STATE_UNAVAILABLE for that call only', async () => {
      await expect(store().claimJti(AGENT, `bad\ud800${uniqueId('jti')}`, T0 + 60_000, T0)).rejects.toMatchObject({ code: 'STATE_UNAVAILABLE' });
      expect(await store().claimJti(AGENT, uniqueId('jti'), T0 + 60_000, T0)).toBe(true);
    });

    it('answers ping', async () => {
      await expect(store().ping()).resolves.toBeUndefined();
    });
  });
}
