import { describe, expect, it } from 'vitest';
import { findDutyConflict, isDutyConflict, ledgerEntryOf, type DutyActor } from '../../../src/policy/duty-conflict.js';
import type { DistinctBy, DutyStep, LedgerEntry } from '../../../src/policy/types.js';
import { mulberry32 } from '../../helpers/mulberry32.js';
import type { StoreRef } from './state-contract.js';
import { T0, uniqueId } from './state-contract.js';

const DISTINCT = ['draft', 'approve', 'release'];
const DAY = 86_400_000;

const step = (name: string, resource: string, extra: Partial<DutyStep> = {}): DutyStep => ({
  duty: 'payment',
  resource,
  step: name,
  distinct: DISTINCT,
  ...extra,
});

/** Duty ledger record/lookup and the conflict rule of src/policy/duty-conflict.ts. */
export function ledgerContract(store: StoreRef): void {
  describe('duty ledger', () => {
    it('records duty steps and reads them back per resource', async () => {
      const resource = uniqueId('res');
      expect(await store().commitDutySteps([step('draft', resource)], { agentId: 'a', initiator: 'sso:alice' }, T0)).toBeUndefined();
      const entries = await store().readLedger([step('approve', resource)], T0 + 1);
      expect(entries).toEqual([{ duty: 'payment', resource, step: 'draft', agentId: 'a', initiator: 'sso:alice', at: T0 }]);
      expect(await store().readLedger([step('approve', uniqueId('res'))], T0 + 1)).toEqual([]);
    });

    it('refuses a conflicting step atomically and records nothing then', async () => {
      const resource = uniqueId('res');
      await store().commitDutySteps([step('draft', resource)], { agentId: 'a' }, T0);
      const conflict = await store().commitDutySteps([step('approve', resource)], { agentId: 'a' }, T0 + 1);
      expect(conflict).toEqual({ duty: 'payment', resource, step: 'draft', agentId: 'a', at: T0 });
      expect(await store().readLedger([step('approve', resource)], T0 + 2)).toHaveLength(1);
      // another actor may approve; then neither of them may release
      expect(await store().commitDutySteps([step('approve', resource)], { agentId: 'b' }, T0 + 3)).toBeUndefined();
      expect(await store().commitDutySteps([step('release', resource)], { agentId: 'b' }, T0 + 4)).toMatchObject({ step: 'approve' });
      expect(await store().commitDutySteps([step('release', resource)], { agentId: 'c' }, T0 + 5)).toBeUndefined();
    });

    // issue 19 item 2: `finance-x\ud800` (a display name cut mid-emoji) was stored as JSON that
    // Redis's cjson cannot decode, and every later commit on that key failed for 30 days.
    it.each([
      ['agent', { agentId: 'finance-x\ud800' }],
      ['initiator', { agentId: 'a', initiator: 'sso:\udc00x' }],
      ['ancestor', { agentId: 'a', ancestors: ['root\ud83d'] }],
    ] as const)('refuses an ill-formed %s and the ledger key stays usable', async (_label, actor: DutyActor) => {
      const resource = uniqueId('res');
      await expect(store().commitDutySteps([step('draft', resource)], actor, T0)).rejects.toMatchObject({ code: 'STATE_UNAVAILABLE' });
      expect(await store().commitDutySteps([step('draft', resource)], { agentId: 'b' }, T0 + 1)).toBeUndefined();
      expect(await store().commitDutySteps([step('approve', resource)], { agentId: 'c' }, T0 + 2)).toBeUndefined();
      expect(await store().commitDutySteps([step('release', resource)], { agentId: 'c' }, T0 + 3)).toMatchObject({ step: 'approve', agentId: 'c' });
    });

    it('keeps names with separators and escapes apart (agent "a:b" is not agent "a" of initiator "b")', async () => {
      const resource = uniqueId('res');
      expect(await store().commitDutySteps([step('draft', resource)], { agentId: 'a:b' }, T0)).toBeUndefined();
      expect(await store().commitDutySteps([step('approve', resource)], { agentId: 'a', initiator: 'b' }, T0 + 1)).toBeUndefined();
      expect(await store().commitDutySteps([step('release', resource)], { agentId: '%61' }, T0 + 2)).toBeUndefined();
      const entries = await store().readLedger([step('release', resource)], T0 + 3);
      expect(entries.map((entry) => [entry.step, entry.agentId, entry.initiator])).toEqual([
        ['draft', 'a:b', undefined],
        ['approve', 'a', 'b'],
        ['release', '%61', undefined],
      ]);
    });

    const sameActorCases: { name: string; first: DutyActor; second: DutyActor; conflict: boolean; by?: DistinctBy }[] = [
      { name: 'same agent', first: { agentId: 'a' }, second: { agentId: 'a' }, conflict: true },
      { name: 'same initiator via another agent', first: { agentId: 'a', initiator: 'sso:alice' }, second: { agentId: 'b', initiator: 'sso:alice' }, conflict: true },
      { name: 'other initiator', first: { agentId: 'a', initiator: 'sso:alice' }, second: { agentId: 'b', initiator: 'sso:bob' }, conflict: false },
      { name: 'no initiator on either side', first: { agentId: 'a' }, second: { agentId: 'b' }, conflict: false },
      { name: 'initiator only on the second', first: { agentId: 'a' }, second: { agentId: 'b', initiator: 'sso:alice' }, conflict: false },
      { name: 'an ancestor drafted', first: { agentId: 'orch' }, second: { agentId: 'child', ancestors: ['root', 'orch'] }, conflict: true },
      { name: 'an unrelated agent without a chain', first: { agentId: 'child' }, second: { agentId: 'orch', ancestors: ['root'] }, conflict: false },
      // issue 12 item 2: the ledger keeps the performer's lineage, so the orchestrator behind both is seen.
      { name: 'a descendant drafted (its chain is on the ledger)', first: { agentId: 'child', ancestors: ['root', 'orch'] }, second: { agentId: 'orch', ancestors: ['root'] }, conflict: true },
      { name: 'siblings under one orchestrator', first: { agentId: 'a', ancestors: ['planner'] }, second: { agentId: 'b', ancestors: ['planner'] }, conflict: true },
      { name: 'siblings under one orchestrator, distinct_by: agent', first: { agentId: 'a', ancestors: ['planner'] }, second: { agentId: 'b', ancestors: ['planner'] }, conflict: false, by: 'agent' },
      { name: 'same initiator, distinct_by: agent', first: { agentId: 'a', initiator: 'sso:alice' }, second: { agentId: 'b', initiator: 'sso:alice' }, conflict: false, by: 'agent' },
      { name: 'same agent, distinct_by: agent', first: { agentId: 'a' }, second: { agentId: 'a' }, conflict: true, by: 'agent' },
      { name: 'same initiator, distinct_by: initiator', first: { agentId: 'a', initiator: 'sso:alice' }, second: { agentId: 'b', initiator: 'sso:alice' }, conflict: true, by: 'initiator' },
      { name: 'siblings under one orchestrator, distinct_by: initiator', first: { agentId: 'a', ancestors: ['planner'] }, second: { agentId: 'b', ancestors: ['planner'] }, conflict: false, by: 'initiator' },
      { name: 'cousins sharing only the root', first: { agentId: 'a', ancestors: ['root', 'x'] }, second: { agentId: 'b', ancestors: ['root', 'y'] }, conflict: true },
      // issue 12 item 4: issuers are namespaces; a principal `partner|finance-a` is not `finance-a`.
      { name: "another issuer's agent of the same id", first: { agentId: 'finance-a' }, second: { agentId: 'partner|finance-a' }, conflict: false },
      { name: "another issuer's orchestrator of the same id", first: { agentId: 'planner' }, second: { agentId: 'b', ancestors: ['partner|planner'] }, conflict: false },
      { name: 'the same issuer-namespaced orchestrator', first: { agentId: 'partner|a', ancestors: ['partner|planner'] }, second: { agentId: 'partner|b', ancestors: ['partner|planner'] }, conflict: true },
    ];
    it.each(sameActorCases)('same actor: $name → conflict $conflict', async ({ first, second, conflict, by }) => {
      const resource = uniqueId('res');
      const extra = by === undefined ? {} : { distinctBy: by };
      expect(await store().commitDutySteps([step('draft', resource, extra)], first, T0)).toBeUndefined();
      const result = await store().commitDutySteps([step('approve', resource, extra)], second, T0 + 1);
      if (conflict) expect(result).toMatchObject({ step: 'draft', agentId: first.agentId });
      else expect(result).toBeUndefined();
    });

    it('records steps that are not enforced without judging them, and judges later ones against them', async () => {
      const resource = uniqueId('res');
      await store().commitDutySteps([step('draft', resource)], { agentId: 'a' }, T0);
      expect(await store().commitDutySteps([step('approve', resource, { enforced: false })], { agentId: 'a' }, T0 + 1)).toBeUndefined();
      expect(await store().readLedger([step('draft', resource)], T0 + 2)).toHaveLength(2);
      expect(await store().commitDutySteps([step('release', resource, { enforced: true })], { agentId: 'a' }, T0 + 3)).toMatchObject({ agentId: 'a' });
    });

    it('ignores steps outside `distinct`, other duties and other resources', async () => {
      const resource = uniqueId('res');
      await store().commitDutySteps([step('draft', resource), { duty: 'refund', resource, step: 'approve', distinct: DISTINCT }], { agentId: 'a' }, T0);
      expect(await store().commitDutySteps([step('audit', resource)], { agentId: 'a' }, T0 + 1)).toBeUndefined();
      expect(await store().commitDutySteps([step('approve', uniqueId('res'))], { agentId: 'a' }, T0 + 2)).toBeUndefined();
      expect(await store().commitDutySteps([{ duty: 'refund', resource, step: 'release', distinct: ['draft', 'release'] }], { agentId: 'a' }, T0 + 3)).toBeUndefined();
    });

    it('commits several steps all or nothing', async () => {
      const [r1, r2] = [uniqueId('res'), uniqueId('res')];
      await store().commitDutySteps([step('draft', r2)], { agentId: 'a' }, T0);
      expect(await store().commitDutySteps([step('draft', r1), step('approve', r2)], { agentId: 'a' }, T0 + 1)).toMatchObject({ resource: r2 });
      expect(await store().readLedger([step('draft', r1)], T0 + 2)).toEqual([]);
      expect(await store().commitDutySteps([step('draft', r1), step('approve', r2)], { agentId: 'b' }, T0 + 3)).toBeUndefined();
      expect(await store().readLedger([step('draft', r1), step('approve', r2)], T0 + 4)).toHaveLength(3);
    });

    it('keeps one entry per actor and step: a repeat refreshes it', async () => {
      const resource = uniqueId('res');
      await store().commitDutySteps([step('draft', resource)], { agentId: 'a' }, T0);
      await store().commitDutySteps([step('draft', resource)], { agentId: 'b' }, T0 + 1);
      // Read once before the repeat: a store that remembers decoded entries must still report the new time.
      expect((await store().readLedger([step('draft', resource)], T0 + 1)).map((entry) => entry.at)).toEqual([T0, T0 + 1]);
      expect(await store().commitDutySteps([step('draft', resource)], { agentId: 'a' }, T0 + 2)).toBeUndefined();
      expect(await store().readLedger([step('draft', resource)], T0 + 3)).toEqual([
        { duty: 'payment', resource, step: 'draft', agentId: 'b', at: T0 + 1 },
        { duty: 'payment', resource, step: 'draft', agentId: 'a', at: T0 + 2 },
      ]);
    });

    it('forgets entries once the ledger TTL has passed', async () => {
      const resource = uniqueId('res');
      await store().commitDutySteps([step('draft', resource)], { agentId: 'a' }, T0);
      expect(await store().readLedger([step('draft', resource)], T0 + DAY - 1)).toHaveLength(1);
      expect(await store().readLedger([step('draft', resource)], T0 + DAY)).toEqual([]);
      expect(await store().commitDutySteps([step('approve', resource)], { agentId: 'a' }, T0 + DAY)).toBeUndefined();
    });

    it('lets exactly one of two concurrent conflicting steps through', async () => {
      const resource = uniqueId('res');
      const results = await Promise.all([
        store().commitDutySteps([step('draft', resource)], { agentId: 'x' }, T0),
        store().commitDutySteps([step('approve', resource)], { agentId: 'x' }, T0),
      ]);
      expect(results.filter((r) => r === undefined)).toHaveLength(1);
    });

    it('keeps the lineage on the entry and reads it back', async () => {
      const resource = uniqueId('res');
      await store().commitDutySteps([step('draft', resource)], { agentId: 'a', ancestors: ['root', 'planner'], initiator: 'sso:alice' }, T0);
      expect(await store().readLedger([step('draft', resource)], T0 + 1)).toEqual([
        { duty: 'payment', resource, step: 'draft', agentId: 'a', initiator: 'sso:alice', ancestors: ['root', 'planner'], at: T0 },
      ]);
    });

    it('matches findDutyConflict on 300 random commits (parity with the policy engine)', async () => {
      await expectParity(store, 20261122, { agents: ['a', 'b', 'c', 'd'], initiators: ['sso:alice', 'sso:bob'], ancestors: ['a', 'b', 'root', 'planner', 'p2'] });
    });

    // The Redis driver's commit passes over other actors' members by searching them for the
    // actor's names before reading any field: names inside other names, and names spelled like
    // steps, must be told apart by the fields, as the policy engine does.
    it('matches findDutyConflict on 300 random commits whose names contain each other and the step names', async () => {
      await expectParity(store, 20261207, { agents: ['a', 'ab', 'ba', 'draft', 'b'], initiators: ['a', 'ab', 'sso:a'], ancestors: ['a', 'ab', 'b', 'approve', 'ba'] });
    });
  });
}

/** The names random actors are drawn from. */
interface NamePools {
  readonly agents: readonly string[];
  readonly initiators: readonly string[];
  readonly ancestors: readonly string[];
}

/** 300 random commits on two resources: each store answer is the one findDutyConflict gives. */
async function expectParity(store: StoreRef, seed: number, names: NamePools): Promise<void> {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const resources = [uniqueId('res'), uniqueId('res')];
  const model: LedgerEntry[] = [];
  for (let i = 0; i < 300; i++) {
    const nowMs = T0 + i;
    const actor: DutyActor = {
      agentId: pick(names.agents),
      ...(random() < 0.5 ? { initiator: pick(names.initiators) } : {}),
      ...(random() < 0.5 ? { ancestors: Array.from({ length: 1 + Math.floor(random() * 2) }, () => pick(names.ancestors)) } : {}),
    };
    const by = pick<DistinctBy | undefined>([undefined, 'lineage', 'agent', 'initiator']);
    const steps = Array.from({ length: 1 + Math.floor(random() * 2) }, () =>
      step(pick([...DISTINCT, 'audit']), pick(resources), { ...(random() < 0.2 ? { enforced: false } : {}), ...(by === undefined ? {} : { distinctBy: by }) }),
    );
    const expected = findDutyConflict(model, steps, actor);
    const actual = await store().commitDutySteps(steps, actor, nowMs);
    if (!expected) {
      expect(actual, `commit ${i}`).toBeUndefined();
      recordInModel(model, steps, actor, nowMs);
      continue;
    }
    // Entries of one commit share their `at`; drivers may order such ties differently, so
    // any entry that conflicts with the first conflicting step is the right answer.
    const firstStep = steps.find((s) => s.enforced !== false && findDutyConflict(model, [s], actor)) as DutyStep;
    expect(actual, `commit ${i}`).toBeDefined();
    expect(isDutyConflict(actual as LedgerEntry, firstStep, actor), `commit ${i}`).toBe(true);
    expect(model, `commit ${i}`).toContainEqual(actual);
  }
  const byTimeThenStep = (a: LedgerEntry, b: LedgerEntry) =>
    a.at - b.at || a.step.localeCompare(b.step) || a.agentId.localeCompare(b.agentId) || (a.initiator ?? '').localeCompare(b.initiator ?? '') || (a.ancestors ?? []).join().localeCompare((b.ancestors ?? []).join());
  const stored = await store().readLedger([step('draft', resources[0] as string)], T0 + 300);
  expect(stored.sort(byTimeThenStep)).toEqual(model.filter((e) => e.resource === resources[0]).sort(byTimeThenStep));
}

/** The reference ledger: one entry per (resource, step, agent, initiator, lineage), a repeat moves to the end. */
function recordInModel(model: LedgerEntry[], steps: readonly DutyStep[], actor: DutyActor, at: number): void {
  const lineage = (actor.ancestors ?? []).join('\u0000');
  for (const s of steps) {
    const index = model.findIndex((e) => e.resource === s.resource && e.step === s.step && e.agentId === actor.agentId && e.initiator === actor.initiator && (e.ancestors ?? []).join('\u0000') === lineage);
    if (index >= 0) model.splice(index, 1);
    model.push(ledgerEntryOf(s, actor, at));
  }
}

/** A small deterministic PRNG, so a failing sequence can be replayed. */
const seeded = mulberry32;
