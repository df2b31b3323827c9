import { describe, expect, it, vi } from 'vitest';
import { createMemoryStore } from '../../../src/state/memory/memory-store.js';
import { JtiSet } from '../../../src/state/memory/jti-set.js';
import { MemoryApprovals } from '../../../src/state/memory/memory-approvals.js';
import { MemoryLedger } from '../../../src/state/memory/memory-ledger.js';
import { approvalFixture } from './contract-approvals.js';
import { ledgerShareContract } from './contract-ledger-shares.js';
import { describeStateContract } from './state-contract.js';

describeStateContract('memory', () => Promise.resolve(createMemoryStore({ maxJtiEntries: 10_000, ledgerTtlMs: 86_400_000, sweepIntervalMs: 0 })));
ledgerShareContract('memory', (cap) => Promise.resolve(createMemoryStore({ maxJtiEntries: 10_000, ledgerTtlMs: 86_400_000, sweepIntervalMs: 0, maxLedgerEntriesPerActor: cap })));

/** What each call of a spied `sweepSome` returned: how many keys or records it looked at. */
function lookedAt(spy: { mock: { results: { value: unknown }[] } }): number[] {
  return spy.mock.results.map((result) => result.value as number);
}

describe('memory driver bounds', () => {
  const t0 = 1_800_000_000_000;
  /** Step `one` of duty `d` on `resource` (its other distinct step is `two`). */
  const step = (resource: string) => ({ duty: 'd', resource, step: 'one', distinct: ['one', 'two'] });

  it('denies with REPLAY_CAPACITY when full of unexpired jtis, never evicting one', async () => {
    const store = createMemoryStore({ maxJtiEntries: 3, ledgerTtlMs: 1000, sweepIntervalMs: 0 });
    for (const jti of ['a', 'b', 'c']) expect(await store.claimJti({ purpose: 'agent', issuer: 'i' }, jti, t0 + 10_000, t0)).toBe(true);
    await expect(store.claimJti({ purpose: 'agent', issuer: 'i' }, 'd', t0 + 10_000, t0)).rejects.toMatchObject({ code: 'REPLAY_CAPACITY' });
    // the live ones stay spent
    for (const jti of ['a', 'b', 'c']) expect(await store.claimJti({ purpose: 'agent', issuer: 'i' }, jti, t0 + 10_000, t0 + 1)).toBe(false);
    // once they expire, room comes back by sweeping
    expect(await store.claimJti({ purpose: 'agent', issuer: 'i' }, 'd', t0 + 20_000, t0 + 10_001)).toBe(true);
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

  it('refuses new approvals when full of retained ones, and frees room after retention', async () => {
    const store = createMemoryStore({ maxJtiEntries: 10, ledgerTtlMs: 1_000, maxApprovals: 2, approvalRetentionMs: 5_000, sweepIntervalMs: 0 });
    const [a, b, c] = [approvalFixture({ createdAt: t0, expiresAt: t0 + 1_000 }), approvalFixture({ createdAt: t0, expiresAt: t0 + 1_000 }), approvalFixture()];
    await store.createApproval(a, t0);
    await store.createApproval(b, t0);
    await expect(store.createApproval(c, t0)).rejects.toMatchObject({ code: 'STATE_UNAVAILABLE' });
    // expired but still retained: still readable, still taking room
    expect(await store.getApproval(a.approvalId, t0 + 5_999)).toMatchObject({ status: 'expired' });
    await expect(store.createApproval(c, t0 + 5_999)).rejects.toMatchObject({ code: 'STATE_UNAVAILABLE' });
    expect(await store.createApproval(c, t0 + 6_000)).toMatchObject({ created: true });
    expect(await store.getApproval(a.approvalId, t0 + 6_000)).toBeUndefined();
    await store.close();
  });

  // issue 12 item 5: a full store used to walk every record on every create (100k per Check).
  it('never walks every approval on a create, even when full; creates reclaim forgotten records a few at a time', async () => {
    const store = createMemoryStore({ maxJtiEntries: 10, ledgerTtlMs: 1_000, maxApprovals: 200, approvalRetentionMs: 5_000, sweepIntervalMs: 0 });
    const sweeps = vi.spyOn(MemoryApprovals.prototype, 'sweepSome');
    try {
      // Distinct initiators: this is about the store bound, not the per-initiator cap.
      const fresh = (i: number, createdAt: number, expiresAt: number) => approvalFixture({ initiator: `sso:h${i}`, createdAt, expiresAt });
      for (let i = 0; i < 200; i++) await store.createApproval(fresh(i, t0, t0 + 1_000), t0);
      for (let i = 0; i < 500; i++) await expect(store.createApproval(fresh(i, t0, t0 + 60_000), t0 + 1)).rejects.toMatchObject({ code: 'STATE_UNAVAILABLE' });
      // Past retention: the clock hand frees room as creates come, without the timer.
      for (let i = 0; i < 200; i++) expect(await store.createApproval(fresh(i, t0 + 6_000, t0 + 60_000), t0 + 6_000)).toMatchObject({ created: true });
      // No walk over every record: there is no such method, and no create looked at more than 4 + 256.
      expect('sweep' in MemoryApprovals.prototype).toBe(false);
      expect(sweeps).toHaveBeenCalled();
      expect(Math.max(...lookedAt(sweeps))).toBeLessThanOrEqual(256);
    } finally {
      sweeps.mockRestore();
      await store.close();
    }
  });

  // An agent can fill the ledger with fresh resource ids (30 days of TTL by default): a walk over
  // every key ran every second (300k keys: 13–25 ms of stall) and on every commit once full.
  it('never walks every ledger key on a commit, even when full; commits reclaim expired keys a few at a time', async () => {
    const store = createMemoryStore({ maxJtiEntries: 600, ledgerTtlMs: 1_000, sweepIntervalMs: 0 });
    const sweeps = vi.spyOn(MemoryLedger.prototype, 'sweepSome');
    try {
      for (let i = 0; i < 600; i++) await store.commitDutySteps([step(`old-${i}`)], { agentId: 'a' }, t0);
      for (let i = 0; i < 50; i++) await expect(store.commitDutySteps([step(`new-${i}`)], { agentId: 'a' }, t0 + 1)).rejects.toMatchObject({ code: 'STATE_UNAVAILABLE' });
      // Past the TTL: each commit into the full ledger reclaims what the hand passes (256 keys); a
      // commit whose turn of the hand met only live keys is refused, and the next one goes on.
      let refused = 0;
      for (let i = 0; i < 600; i++) {
        for (;;) {
          try {
            expect(await store.commitDutySteps([step(`new-${i}`)], { agentId: 'a' }, t0 + 1_000)).toBeUndefined();
            break;
          } catch (error) {
            expect(error).toMatchObject({ code: 'STATE_UNAVAILABLE' });
            if (++refused > 5) throw error;
          }
        }
      }
      // No commit walked all 600 keys: there is no such method, and each looked at 256 at most.
      expect('sweep' in MemoryLedger.prototype).toBe(false);
      expect(sweeps).toHaveBeenCalled();
      expect(Math.max(...lookedAt(sweeps))).toBeLessThanOrEqual(256);
    } finally {
      sweeps.mockRestore();
      await store.close();
    }
  });

  // Before the shares, one agent's fresh payment ids filled all of `max_jti_entries` and every
  // other actor's duty step failed closed (STATE_UNAVAILABLE) until the 30-day TTL.
  it("one agent spraying fresh resource ids fills its own share, not the ledger the other actors' steps need", async () => {
    const store = createMemoryStore({ maxJtiEntries: 20, ledgerTtlMs: 1_000, sweepIntervalMs: 0, maxLedgerEntriesPerActor: 5 });
    try {
      for (let i = 0; i < 5; i++) expect(await store.commitDutySteps([step(`spray-${i}`)], { agentId: 'sprayer' }, t0)).toBeUndefined();
      for (let i = 5; i < 40; i++) await expect(store.commitDutySteps([step(`spray-${i}`)], { agentId: 'sprayer' }, t0)).rejects.toMatchObject({ code: 'LEDGER_LIMIT' });
      for (const agentId of ['b', 'c', 'd']) {
        for (let i = 0; i < 5; i++) expect(await store.commitDutySteps([step(`${agentId}-${i}`)], { agentId }, t0)).toBeUndefined();
      }
    } finally {
      await store.close();
    }
  });

  it("gives a share back entry by entry as the sweep forgets them (agent, chain root and initiator alike)", () => {
    const ledger = new MemoryLedger(100, 1_000, 10);
    const actor = { agentId: 'child', ancestors: ['root', 'middle'], initiator: 'sso:erin' };
    for (let i = 0; i < 4; i++) ledger.commit([step(`r-${i}`)], actor, t0 + i * 400);
    // A repeat refreshes its entry: no second count.
    ledger.commit([step('r-0')], actor, t0 + 1_300);
    const held = () => (['agent', 'root', 'initiator'] as const).map((kind) => ledger.heldBy({ kind, id: kind === 'agent' ? 'child' : kind === 'root' ? 'root' : 'sso:erin' }));
    expect(held()).toEqual([4, 4, 4]);
    expect(ledger.heldBy({ kind: 'root', id: 'middle' })).toBe(0);
    // At t0 + 1,500 the entries made at t0 + 400 and earlier are past the 1 s TTL (r-0 was refreshed).
    ledger.sweepSome(t0 + 1_500, 100);
    expect(held()).toEqual([3, 3, 3]);
    ledger.sweepSome(t0 + 10_000, 100);
    expect(held()).toEqual([0, 0, 0]);
  });

  it('the once-a-second sweep looks at a bounded number of ledger keys and approvals, not all of them', async () => {
    const spies = [vi.spyOn(MemoryLedger.prototype, 'sweepSome'), vi.spyOn(MemoryApprovals.prototype, 'sweepSome')];
    const store = createMemoryStore({ maxJtiEntries: 10, ledgerTtlMs: 1_000, sweepIntervalMs: 5, now: () => t0 });
    try {
      for (const bounded of spies) {
        await vi.waitFor(() => expect(bounded).toHaveBeenCalled(), { timeout: 2_000, interval: 5 });
        expect(bounded.mock.calls[0]).toEqual([t0, 4096]);
      }
      // Neither keeps a walk over everything for the timer to call.
      expect('sweep' in MemoryLedger.prototype || 'sweep' in MemoryApprovals.prototype).toBe(false);
    } finally {
      for (const bounded of spies) bounded.mockRestore();
      await store.close();
    }
  });

  it('sweeps the ledger like a clock hand: so many keys per call, wrapping round, until every expired entry is gone', () => {
    const ledger = new MemoryLedger(1_000, 1_000);
    for (let i = 0; i < 10; i++) ledger.commit([step(`r${i}`)], { agentId: 'a' }, t0);
    ledger.commit([step('live')], { agentId: 'a' }, t0 + 500);
    ledger.commit([step('r0')], { agentId: 'b' }, t0 + 500);
    expect(ledger.entries).toBe(12);
    expect(ledger.sweepSome(t0 + 1_000, 4)).toBe(4);
    // r0 keeps b's live entry; r1–r3 are gone.
    expect(ledger.entries).toBe(8);
    expect(ledger.read([step('r0')], t0 + 1_000)).toEqual([expect.objectContaining({ agentId: 'b' })]);
    expect(ledger.sweepSome(t0 + 1_000, 4)).toBe(4);
    // The hand goes on from r8 (r8, r9, live), wraps round once (r0, live) and stops there.
    expect(ledger.sweepSome(t0 + 1_000, 100)).toBe(5);
    expect(ledger.entries).toBe(2);
    // A whole turn (the hand goes to the end, wraps, and goes round once).
    ledger.sweepSome(t0 + 1_500, Number.MAX_SAFE_INTEGER);
    expect(ledger.entries).toBe(0);
    expect(ledger.sweepSome(t0 + 1_500, 10)).toBe(0);
  });

  it('refuses duty steps when the ledger is full of live entries', async () => {
    const store = createMemoryStore({ maxJtiEntries: 2, ledgerTtlMs: 1_000, sweepIntervalMs: 0 });
    await store.commitDutySteps([step('r1'), step('r2')], { agentId: 'a' }, t0);
    await expect(store.commitDutySteps([step('r3')], { agentId: 'a' }, t0 + 1)).rejects.toMatchObject({ code: 'STATE_UNAVAILABLE' });
    // a repeat refreshes an entry and needs no room; expiry frees room
    expect(await store.commitDutySteps([step('r1')], { agentId: 'a' }, t0 + 2)).toBeUndefined();
    expect(await store.commitDutySteps([step('r3')], { agentId: 'a' }, t0 + 1_001)).toBeUndefined();
    await store.close();
  });
});
