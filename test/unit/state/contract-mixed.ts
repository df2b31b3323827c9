import { describe, expect, it } from 'vitest';
import type { ReplaySpace } from '../../../src/state/state-store.js';
import { approvalFixture } from './contract-approvals.js';
import type { StoreRef } from './state-contract.js';
import { T0, uniqueId } from './state-contract.js';

const AGENT: ReplaySpace = { purpose: 'agent', issuer: 'https://idp.example' };

/**
 * Every kind of call at once, as a busy gate issues them in one event-loop turn (a click's vote,
 * a Check's claim and commit, an audit append, a Slack update's read). On Redis Cluster these
 * land on different slots and nodes; none may be sent to the node of another.
 */
export function mixedContract(store: StoreRef): void {
  describe('mixed concurrent calls', () => {
    it('answers every kind of call issued in the same turn', async () => {
      const s = store();
      const pending = approvalFixture({ quorum: 1 });
      const glass = approvalFixture({ kind: 'break_glass', quorum: 1, grantTtlMs: 60_000 });
      await Promise.all([s.createApproval(pending, T0), s.createApproval(glass, T0)]);
      const step = (resource: string) => ({ duty: 'payment', resource, step: 'draft', distinct: ['draft', 'approve'] });
      for (let round = 0; round < 5; round++) {
        const jti = uniqueId('mixed');
        const results = await Promise.all([
          s.claimJti(AGENT, jti, T0 + 60_000, T0),
          s.recordVote(pending.approvalId, { principal: `sso:voter${round}`, decision: 'approve', at: T0 + 1, via: 'api' }, T0 + 1),
          s.appendAudit(`{"round":${round}}`),
          s.getApproval(pending.approvalId, T0 + 2),
          s.commitDutySteps([step(`r-${round}`)], { agentId: 'a' }, T0),
          s.readLedger([step(`r-${round}`)], T0),
          s.activeBreakGlass(glass.agentId, T0),
          s.setApprovalNotification(pending.approvalId, { channel: 'C', ts: String(round) }),
          s.claimJti(AGENT, jti, T0 + 60_000, T0),
        ]);
        expect(results[0]).toBe(true);
        expect(results[1]).toMatchObject({ outcome: round === 0 ? 'recorded' : 'closed' });
        expect(results[2]).toMatchObject({ seq: round + 1 });
        expect(results[4]).toBeUndefined();
        expect(results[8]).toBe(false);
      }
      expect((await s.getApproval(pending.approvalId, T0 + 3))?.status).toBe('approved');
    });
  });
}
