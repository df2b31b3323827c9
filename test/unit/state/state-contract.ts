import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DutyStep } from '../../../src/policy/types.js';
import type { StateStore } from '../../../src/state/state-store.js';

/**
 * The one contract every state driver must meet. Each driver's test file calls this with a
 * factory; a driver that passes here is interchangeable with the others.
 */
export function describeStateContract(name: string, createStore: () => Promise<StateStore>): void {
  describe(`state contract: ${name}`, () => {
    let store: StateStore;
    const t0 = 1_800_000_000_000;
    const unique = () => `jti-${Math.random().toString(36).slice(2)}-${Date.now()}`;
    const step = (stepName: string, resource: string): DutyStep => ({
      duty: 'payment',
      resource,
      step: stepName,
      distinct: ['draft', 'approve', 'release'],
    });

    beforeEach(async () => {
      store = await createStore();
    });
    afterEach(async () => {
      await store.close();
    });

    it('claims a jti exactly once until it expires', async () => {
      const jti = unique();
      expect(await store.claimJti(jti, t0 + 60_000, t0)).toBe(true);
      expect(await store.claimJti(jti, t0 + 60_000, t0 + 1)).toBe(false);
      expect(await store.claimJti(jti, t0 + 60_000, t0 + 59_999)).toBe(false);
    });

    it('lets exactly one of 200 concurrent claims win', async () => {
      const jti = unique();
      const results = await Promise.all(Array.from({ length: 200 }, () => store.claimJti(jti, t0 + 60_000, t0)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('keeps distinct jtis independent', async () => {
      const [a, b] = [unique(), unique()];
      expect(await store.claimJti(a, t0 + 60_000, t0)).toBe(true);
      expect(await store.claimJti(b, t0 + 60_000, t0)).toBe(true);
    });

    it('records duty steps and reads them back per resource', async () => {
      const resource = unique();
      expect(await store.commitDutySteps([step('draft', resource)], { agentId: 'a', initiator: 'sso:alice' }, t0)).toBeUndefined();
      const entries = await store.readLedger([step('approve', resource)], t0 + 1);
      expect(entries).toEqual([{ duty: 'payment', resource, step: 'draft', agentId: 'a', initiator: 'sso:alice', at: t0 }]);
      expect(await store.readLedger([step('approve', unique())], t0 + 1)).toEqual([]);
    });

    it('refuses a conflicting step atomically and records nothing then', async () => {
      const resource = unique();
      await store.commitDutySteps([step('draft', resource)], { agentId: 'a' }, t0);
      const conflict = await store.commitDutySteps([step('approve', resource)], { agentId: 'a' }, t0 + 1);
      expect(conflict).toMatchObject({ step: 'draft', agentId: 'a' });
      expect(await store.readLedger([step('approve', resource)], t0 + 2)).toHaveLength(1);
      // another actor may approve; then neither of them may release
      expect(await store.commitDutySteps([step('approve', resource)], { agentId: 'b' }, t0 + 3)).toBeUndefined();
      expect(await store.commitDutySteps([step('release', resource)], { agentId: 'b' }, t0 + 4)).toMatchObject({ step: 'approve' });
      expect(await store.commitDutySteps([step('release', resource)], { agentId: 'c' }, t0 + 5)).toBeUndefined();
    });

    it('treats the same initiator through another agent as the same actor', async () => {
      const resource = unique();
      await store.commitDutySteps([step('draft', resource)], { agentId: 'a', initiator: 'sso:alice' }, t0);
      expect(await store.commitDutySteps([step('approve', resource)], { agentId: 'b', initiator: 'sso:alice' }, t0 + 1)).toMatchObject({ agentId: 'a' });
      expect(await store.commitDutySteps([step('approve', resource)], { agentId: 'b', initiator: 'sso:bob' }, t0 + 2)).toBeUndefined();
    });

    it('lets a repeated step by the same actor through', async () => {
      const resource = unique();
      await store.commitDutySteps([step('draft', resource)], { agentId: 'a' }, t0);
      expect(await store.commitDutySteps([step('draft', resource)], { agentId: 'a' }, t0 + 1)).toBeUndefined();
    });

    it('lets exactly one of two concurrent conflicting steps through', async () => {
      const resource = unique();
      const results = await Promise.all([
        store.commitDutySteps([step('draft', resource)], { agentId: 'x' }, t0),
        store.commitDutySteps([step('approve', resource)], { agentId: 'x' }, t0),
      ]);
      expect(results.filter((r) => r === undefined)).toHaveLength(1);
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
