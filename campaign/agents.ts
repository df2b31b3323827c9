/** Credentials the categories share: fresh tokens for each case (a jti is spent on first use). */
import type { GateFixture } from '../test/helpers/gate-fixture.js';

/** A finance agent delegated by a planner, with its chain: what payments.create requires. */
export async function financeAgent(gate: GateFixture, agentId = 'finance-a'): Promise<{ token: string; chain: string[] }> {
  return gate.mintDelegated(agentId, ['planner'], { initiator: 'sso:carol' });
}

export const PAYMENTS = { method: 'POST', host: 'payments.internal', path: '/payments', headers: { 'content-type': 'application/json' } } as const;
export const MCP = { method: 'POST', host: 'mcp.internal', path: '/mcp', headers: { 'content-type': 'application/json' } } as const;
export const RECORDS = { method: 'POST', host: 'records.internal', path: '/records/r1', headers: { 'content-type': 'application/json' } } as const;

/** The policy's payment conditions, restated independently of the gate. */
export function paymentGranted(amount: unknown, destination: unknown, paymentId: unknown): boolean {
  return (
    typeof amount === 'number' && Number.isFinite(amount) && amount <= 5000 &&
    typeof destination === 'string' && /^acct_[A-Za-z0-9]{8,}$/u.test(destination) &&
    typeof paymentId === 'string' && /^p-[a-z0-9-]{1,40}$/u.test(paymentId)
  );
}

/** The MCP guidance for tool names (1–128 of A-Z a-z 0-9 _ - . /). */
export const MCP_TOOL_NAME = /^[A-Za-z0-9_.\-/]{1,128}$/;
