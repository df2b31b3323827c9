/**
 * RFC 8693 §4.1 delegation end to end: an issuer configured `delegation: act` states the actor
 * chain in nested `act` claims of the signed token, and the gate judges it with the same ancestor
 * rules as an attested `x-agent-chain` (parent required, lineage duties, depth, no repeats), and
 * records it the same way in the decision log.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';

const POLICY = `version: "act-1"
default: deny
clauses:
  SOD_DUTY_CONFLICT:
    text: Drafting and approving one payment are two duties for two different actors.
tools:
  - { name: payments.create, match: { method: POST, host: payments.internal, path: /payments } }
  - { name: payments.approve, match: { method: POST, host: payments.internal, path: "/payments/{payment_id}/approve" } }
duties:
  payment:
    resource: { param: payment_id, pattern: "^pay[_-][a-z0-9]{1,32}$" }
    steps: { draft: [payments.create], approve: [payments.approve] }
    distinct: [draft, approve]
rules:
  - id: create
    tools: [payments.create]
    require: { parent_agent_id: true }
    effect: allow
  - id: approve
    tools: [payments.approve]
    require: { different_agent_id: true, duty: payment }
    effect: allow
`;

/** `act` nesting for actors given current first: act(['b', 'a']) = { sub: 'b', act: { sub: 'a' } }. */
function act(actors: readonly string[]): Record<string, unknown> | undefined {
  const [first, ...rest] = actors;
  if (first === undefined) return undefined;
  const inner = act(rest);
  return inner === undefined ? { sub: first } : { sub: first, act: inner };
}

describe('delegation: act (RFC 8693 nested act claims)', () => {
  let f: GateFixture;
  beforeAll(async () => {
    f = await startGateFixture(POLICY, { issuerExtra: 'delegation: act', identityExtra: 'max_chain_depth: 3', audit: 'audit: { decision_log: ./decisions.jsonl }' });
  });
  afterAll(async () => {
    await f.close();
  });

  /** A token whose `sub` is the initiator and whose act claims name `actors`, current first. */
  const mintAct = (actors: readonly string[], initiator = 'sso:alice', extra: Record<string, unknown> = {}) =>
    f.mint(actors[0] ?? 'unused', { extra: { agent_id: undefined, sub: initiator, act: act(actors), ...extra } });
  const create = (paymentId: string, token: string, headers: Record<string, string> = {}) =>
    f.check({ method: 'POST', host: 'payments.internal', path: '/payments', token, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ payment_id: paymentId, amount: 10 }) });
  const approve = async (paymentId: string, token: string) => f.check({ method: 'POST', host: 'payments.internal', path: `/payments/${paymentId}/approve`, token });

  it('the outermost act is the agent, nested acts its ancestors nearest first, sub the initiator — as a chain would report them', async () => {
    const r = await create('pay-1', await mintAct(['drafter', 'planner', 'orchestrator']));
    expect(r.grpcCode).toBe(0);
    expect(r.headers['x-agent-id']?.value).toBe('drafter');
    expect(r.headers['x-parent-agent-id']?.value).toBe('planner');
    expect(r.metadata).toMatchObject({ agent_id: 'drafter', decision: 'allow' });
    const line = await eventually(() => decisionLine(r.metadata.decision_id), (found) => found !== undefined);
    expect(line).toMatchObject({ agent_id: 'drafter', parent_agent_id: 'planner', chain: ['orchestrator', 'planner'], initiator: 'sso:alice' });
  });

  it('parent required: an agent acting alone (one act) is CHAIN_REQUIRED', async () => {
    const r = await create('pay-2', await mintAct(['drafter']));
    expect(r.body).toMatchObject({ code: 'CHAIN_REQUIRED' });
  });

  it('lineage duties: an agent whose ancestor drafted the payment may not approve it; another lineage may', async () => {
    expect((await create('pay-3', await mintAct(['drafter-3', 'planner-3']))).grpcCode).toBe(0);
    const descendant = await approve('pay-3', await mintAct(['reviewer-3', 'drafter-3'], 'sso:bob'));
    expect(descendant.body).toMatchObject({ code: 'SOD_DUTY_CONFLICT', clause: 'Drafting and approving one payment are two duties for two different actors.' });
    const other = await approve('pay-3', await mintAct(['reviewer-4', 'planner-4'], 'sso:bob'));
    expect(other.grpcCode).toBe(0);
  });

  it('the initiator (sub) counts as the same actor across the lineage', async () => {
    expect((await create('pay-4', await mintAct(['drafter-5', 'planner-5'], 'sso:carol'))).grpcCode).toBe(0);
    const sameHuman = await approve('pay-4', await mintAct(['reviewer-5', 'planner-6'], 'sso:carol'));
    expect(sameHuman.body).toMatchObject({ code: 'SOD_DUTY_CONFLICT' });
  });

  it.each<[string, readonly string[], string]>([
    ['no agent twice (A→B→A)', ['agent-a', 'agent-b', 'agent-a'], 'appears twice'],
    ['depth: more earlier actors than identity.max_chain_depth', ['d0', 'd1', 'd2', 'd3', 'd4'], 'more than 3 earlier actors'],
  ])('%s → CHAIN_INVALID', async (_name, actors, reason) => {
    const r = await create('pay-5', await mintAct(actors));
    expect(r.body).toMatchObject({ code: 'CHAIN_INVALID' });
    expect(String(r.body?.reason)).toContain(reason);
  });

  it('an x-agent-chain beside the act claim is refused (one statement of lineage)', async () => {
    const r = await create('pay-6', await mintAct(['drafter-7', 'planner-7']), { 'x-agent-chain': await f.mint('planner-7') });
    expect(r.body).toMatchObject({ code: 'CHAIN_INVALID' });
  });

  it.each<[string, Record<string, unknown>]>([
    ['no act claim', { act: undefined }],
    ['a parent_agent_id claim beside act', { parent_agent_id: 'planner' }],
    ['an agent_id that is not the current actor', { agent_id: 'someone-else' }],
    ['an act that is not an object', { act: 'drafter' }],
    ['a nested act without sub', { act: { sub: 'drafter', act: { iss: 'x' } } }],
  ])('%s → TOKEN_CLAIMS (401)', async (_name, extra) => {
    const r = await create('pay-7', await mintAct(['drafter-8', 'planner-8'], 'sso:alice', extra));
    expect(r.body).toMatchObject({ code: 'TOKEN_CLAIMS' });
    expect(r.httpStatus).toBe(401);
  });

  async function decisionLine(decisionId: unknown): Promise<Record<string, unknown> | undefined> {
    await f.gate.audit.settled();
    const text = await readFile(join(f.dir, 'decisions.jsonl'), 'utf8').catch(() => '');
    return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.decision_id === decisionId);
  }
});
