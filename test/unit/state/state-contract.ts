import { afterEach, beforeEach, describe } from 'vitest';
import type { StateStore } from '../../../src/state/state-store.js';
import { approvalContract } from './contract-approvals.js';
import { auditContract } from './contract-audit.js';
import { ledgerContract } from './contract-ledger.js';
import { mixedContract } from './contract-mixed.js';
import { replayContract } from './contract-replay.js';

/** Gives each contract part the store of the current test. */
export type StoreRef = () => StateStore;

/**
 * The one contract every state driver must meet. Each driver's test file calls this with a
 * factory; a driver that passes here is interchangeable with the others. The factory must
 * return a store with a fresh namespace (an empty ledger, no approvals, a new audit chain)
 * and `ledgerTtlMs` of one day.
 */
export function describeStateContract(name: string, createStore: () => Promise<StateStore>): void {
  describe(`state contract: ${name}`, () => {
    let store: StateStore;
    beforeEach(async () => {
      store = await createStore();
    });
    afterEach(async () => {
      await store.close();
    });
    const ref: StoreRef = () => store;
    replayContract(ref);
    ledgerContract(ref);
    approvalContract(ref);
    auditContract(ref);
    mixedContract(ref);
  });
}

/** A fixed, far-future epoch so that driver clocks never matter (time is always passed in). */
export const T0 = 1_800_000_000_000;

/** A fresh id, unique across test runs sharing one Redis. */
export function uniqueId(label = 'id'): string {
  return `${label}-${Math.random().toString(36).slice(2)}-${Date.now()}`;
}
