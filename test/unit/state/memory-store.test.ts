import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../../src/state/memory/memory-store.js';
import { JtiSet } from '../../../src/state/memory/jti-set.js';
import { describeStateContract } from './state-contract.js';

describeStateContract('memory', () => Promise.resolve(createMemoryStore({ maxJtiEntries: 10_000, ledgerTtlMs: 86_400_000, sweepIntervalMs: 0 })));

describe('memory driver bounds', () => {
  const t0 = 1_800_000_000_000;

  it('denies with REPLAY_CAPACITY when full of unexpired jtis, never evicting one', async () => {
    const store = createMemoryStore({ maxJtiEntries: 3, ledgerTtlMs: 1000, sweepIntervalMs: 0 });
    for (const jti of ['a', 'b', 'c']) expect(await store.claimJti(jti, t0 + 10_000, t0)).toBe(true);
    await expect(store.claimJti('d', t0 + 10_000, t0)).rejects.toMatchObject({ code: 'REPLAY_CAPACITY' });
    // the live ones stay spent
    for (const jti of ['a', 'b', 'c']) expect(await store.claimJti(jti, t0 + 10_000, t0 + 1)).toBe(false);
    // once they expire, room comes back by sweeping
    expect(await store.claimJti('d', t0 + 20_000, t0 + 10_001)).toBe(true);
    await store.close();
  });

  it('sweeps expired ids in buckets and keeps re-claimed ones', () => {
    const set = new JtiSet(100);
    expect(set.claim('x', t0 + 1_000, t0)).toBe('claimed');
    expect(set.claim('y', t0 + 5_000, t0)).toBe('claimed');
    set.sweep(t0 + 2_000);
    expect(set.size).toBe(1);
    expect(set.claim('x', t0 + 9_000, t0 + 2_000)).toBe('claimed');
    set.sweep(t0 + 6_000);
    expect(set.size).toBe(1);
    expect(set.claim('x', t0 + 9_000, t0 + 6_000)).toBe('spent');
  });

  it('a jti may be claimed again only after its expiry', () => {
    const set = new JtiSet(10);
    expect(set.claim('x', t0 + 1_000, t0)).toBe('claimed');
    expect(set.claim('x', t0 + 1_000, t0 + 999)).toBe('spent');
    expect(set.claim('x', t0 + 5_000, t0 + 1_000)).toBe('claimed');
  });

  it('drops ledger entries older than the ledger TTL', async () => {
    const store = createMemoryStore({ maxJtiEntries: 10, ledgerTtlMs: 1_000, sweepIntervalMs: 0 });
    const step = { duty: 'd', resource: 'r', step: 'one', distinct: ['one', 'two'] };
    await store.commitDutySteps([step], { agentId: 'a' }, t0);
    expect(await store.readLedger([step], t0 + 999)).toHaveLength(1);
    expect(await store.readLedger([step], t0 + 1_000)).toHaveLength(0);
    await store.close();
  });
});
