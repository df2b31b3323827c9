/**
 * The approvals HTTP API as tests call it (docs/design.md §6): an approver's vote and the agent's
 * poll, each answered as status + JSON body. One place for what several suites wrote inline.
 */
import type { GateFixture } from './gate-fixture.js';

/** A JSON answer of the approvals API. */
export interface ApiAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** `POST /v1/approvals/{id}/decision` by `sub` (an approver token minted by the fixture); a reason when given. */
export async function voteOnApproval(f: GateFixture, id: string, sub: string, decision: 'approve' | 'deny' = 'approve', reason?: string): Promise<ApiAnswer> {
  const response = await fetch(`${f.httpUrl}/v1/approvals/${id}/decision`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await f.mintApprover(sub)}`, 'content-type': 'application/json' },
    body: JSON.stringify(reason === undefined ? { decision } : { decision, reason }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** `GET /v1/approvals/{id}` with the requesting agent's own token. */
export async function pollApproval(f: GateFixture, id: string, agentToken: string): Promise<ApiAnswer> {
  const response = await fetch(`${f.httpUrl}/v1/approvals/${id}`, { headers: { authorization: `Bearer ${agentToken}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
