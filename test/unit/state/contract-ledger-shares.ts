import { afterEach, describe, expect, it } from 'vitest';
import type { DutyActor } from '../../../src/policy/duty-conflict.js';
import type { DutyStep } from '../../../src/policy/types.js';
import type { StateStore } from '../../../src/state/state-store.js';
import { T0, uniqueId } from './state-contract.js';

const DAY = 86_400_000;
const CAP = 3;

const draft = (resource: string): DutyStep => ({ duty: 'payment', resource, step: 'draft', distinct: ['draft', 'approve', 'release'] });
const approve = (resource: string): DutyStep => ({ ...draft(resource), step: 'approve' });

/**
 * Each actor's share of the duty ledger (`limits.max_ledger_entries_per_actor`): an agent that
 * sprays fresh resource ids (its tokens are valid; the policy allows the drafts) fills its own
 * share, never the ledger every other actor's duty steps need. `createStore(cap)` gives a fresh
 * namespace with that share cap and a one-day ledger TTL.
 */
export function ledgerShareContract(name: string, createStore: (cap: number) => Promise<StateStore>): void {
  describe(`duty-ledger shares: ${name}`, () => {
    let store: StateStore | undefined;
    const open = async (): Promise<StateStore> => (store = await createStore(CAP));
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    /** Commits one draft per fresh resource as `actor`, `count` times, each at `at`. */
    const spray = async (s: StateStore, actor: DutyActor, count: number, at = T0): Promise<string[]> => {
      const resources: string[] = [];
      for (let n = 0; n < count; n++) {
        const resource = uniqueId('spray');
        expect(await s.commitDutySteps([draft(resource)], actor, at)).toBeUndefined();
        resources.push(resource);
      }
      return resources;
    };

    it('refuses an agent its entry past the cap with LEDGER_LIMIT, records nothing, and leaves every other actor its room', async () => {
      const s = await open();
      const [first] = await spray(s, { agentId: 'sprayer' }, CAP);
      const over = uniqueId('over');
      await expect(s.commitDutySteps([draft(over)], { agentId: 'sprayer' }, T0 + 1)).rejects.toMatchObject({ code: 'LEDGER_LIMIT', reason: expect.stringContaining('this agent already holds 3 live duty-ledger entries') as unknown });
      expect(await s.readLedger([approve(over)], T0 + 2)).toEqual([]);
      // Another agent's steps still land, on that very resource too.
      expect(await s.commitDutySteps([draft(over)], { agentId: 'bystander' }, T0 + 3)).toBeUndefined();
      // A repeat refreshes an entry the sprayer holds (no new room needed), and a duty conflict
      // is still reported as the conflict it is, not hidden behind the cap.
      expect(await s.commitDutySteps([draft(first as string)], { agentId: 'sprayer' }, T0 + 4)).toBeUndefined();
      expect(await s.commitDutySteps([approve(first as string)], { agentId: 'sprayer' }, T0 + 5)).toMatchObject({ step: 'draft', agentId: 'sprayer' });
    });

    it('counts every child of one chain root against the root: fresh child ids buy no fresh room', async () => {
      const s = await open();
      for (let n = 0; n < CAP; n++) await spray(s, { agentId: `child-${n}`, ancestors: ['orchestrator', `middle-${n}`] }, 1);
      await expect(s.commitDutySteps([draft(uniqueId('r'))], { agentId: 'child-new', ancestors: ['orchestrator', 'middle-new'] }, T0 + 1)).rejects.toMatchObject({
        code: 'LEDGER_LIMIT',
        reason: expect.stringContaining("this agent's chain root") as unknown,
      });
      // Another root's child is not touched by it.
      expect(await s.commitDutySteps([draft(uniqueId('r'))], { agentId: 'child-new', ancestors: ['other-orchestrator'] }, T0 + 2)).toBeUndefined();
    });

    it("counts every agent of one initiator against the initiator's share", async () => {
      const s = await open();
      for (let n = 0; n < CAP; n++) await spray(s, { agentId: `fleet-${n}`, initiator: 'sso:mallory' }, 1);
      await expect(s.commitDutySteps([draft(uniqueId('r'))], { agentId: 'fleet-new', initiator: 'sso:mallory' }, T0 + 1)).rejects.toMatchObject({
        code: 'LEDGER_LIMIT',
        reason: expect.stringContaining("this call's initiator") as unknown,
      });
      expect(await s.commitDutySteps([draft(uniqueId('r'))], { agentId: 'fleet-new', initiator: 'sso:alice' }, T0 + 2)).toBeUndefined();
    });

    it('takes a multi-step commit whole or not at all', async () => {
      const s = await open();
      await spray(s, { agentId: 'batcher' }, CAP - 1);
      const [a, b] = [uniqueId('a'), uniqueId('b')];
      await expect(s.commitDutySteps([draft(a), draft(b)], { agentId: 'batcher' }, T0 + 1)).rejects.toMatchObject({ code: 'LEDGER_LIMIT' });
      expect(await s.readLedger([approve(a), approve(b)], T0 + 2)).toEqual([]);
      expect(await s.commitDutySteps([draft(a)], { agentId: 'batcher' }, T0 + 3)).toBeUndefined();
    });

    it('gives the room back as entries pass the ledger TTL', async () => {
      const s = await open();
      await spray(s, { agentId: 'patient', initiator: 'sso:pat', ancestors: ['root-p'] }, CAP);
      const later = T0 + DAY + 1;
      await expect(s.commitDutySteps([draft(uniqueId('r'))], { agentId: 'patient', initiator: 'sso:pat', ancestors: ['root-p'] }, T0 + DAY - 1)).rejects.toMatchObject({ code: 'LEDGER_LIMIT' });
      await spray(s, { agentId: 'patient', initiator: 'sso:pat', ancestors: ['root-p'] }, CAP, later);
    });
  });
}
