/**
 * One deadline that stops side effects (issue 15 item 1, docs/design.md §1). A Check whose state
 * store is slow past the Check's deadline is denied — and nothing it would have written is
 * written afterwards: no duty-ledger step, no approval record, no spent override token. Before
 * the fix the pipeline kept running after the deny and did all three ~the delay later.
 * Through the real gate over gRPC with Envoy's protos, on the memory driver and on Redis; the
 * delay is injected in front of the store's ledger read (the store itself is real).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DutyStep } from '../../src/policy/types.js';
import type { StateStore } from '../../src/state/state-store.js';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';
import { pollApproval, voteOnApproval } from '../helpers/approvals-http.js';
import { freshPrefix, REDIS_BACKENDS } from '../helpers/redis-test.js';

const POLICY = `version: "deadline-1"
clauses:
  PAYMENT_LIMIT: { text: Payments above 5000 need a human approval from finance. }
  APPROVE: { text: Approving a payment needs a human. }
tools:
  - { name: payments.create, match: { method: POST, host: payments.internal, path: /payments } }
  - { name: payments.approve, match: { method: POST, host: payments.internal, path: "/payments/{payment_id}/approve" } }
duties:
  payment:
    resource: { param: payment_id, pattern: "^[a-z0-9_]{1,64}$" }
    steps: { draft: [payments.create], approve: [payments.approve] }
    distinct: [draft, approve]
rules:
  - { id: small, tools: [payments.create], params: { amount: { max: 5000 } }, effect: allow }
  - id: large
    tools: [payments.create]
    params: { amount: { gt: 5000 } }
    effect: approval_needed
    clause: PAYMENT_LIMIT
    approval: { approvers: ["sso:bob"], quorum: 1, ttl: 15m }
  - id: approve-needs-human
    tools: [payments.approve]
    require: { duty: payment }
    effect: approval_needed
    clause: APPROVE
    approval: { approvers: ["sso:bob"], quorum: 1, ttl: 15m }
`;
/**
 * Roomier than production's 150 ms: on a loaded shared machine the Check must still reach its
 * ledger read in time, so that the slow store — not the busy event loop — is what it waits for.
 */
const CHECK_TIMEOUT_MS = 500;
/** Well past the Check's deadline: the old pipeline went on writing this much later. */
const SLOW_MS = 1_200;
const CREATE = { method: 'POST', host: 'payments.internal', path: '/payments', headers: { 'content-type': 'application/json' } };

const BACKENDS = [{ name: 'memory', stateYaml: (): string => '' }, ...REDIS_BACKENDS.filter((backend) => backend.name === 'single Redis')];

describe.each(BACKENDS)('a Check past its deadline writes nothing ($name)', (backend) => {
  let f: GateFixture;
  let restore: () => void = () => undefined;

  beforeAll(async () => {
    const state = backend.stateYaml(freshPrefix('deadline'));
    f = await startGateFixture(POLICY, { configExtra: [`limits: { check_timeout: ${CHECK_TIMEOUT_MS}ms }`, state].filter(Boolean).join('\n') });
  });
  afterAll(async () => {
    restore();
    await f.close();
  });

  /** Makes the real store's ledger read answer `SLOW_MS` late until restored. */
  function slowLedgerReads(): void {
    const store = f.gate.state as { -readonly [K in keyof StateStore]: StateStore[K] };
    const original = store.readLedger.bind(store);
    store.readLedger = async (steps, nowMs) => {
      await sleep(SLOW_MS);
      return original(steps, nowMs);
    };
    restore = () => {
      store.readLedger = original;
    };
  }

  const agent = () => f.mint('finance-a', { initiator: 'sso:carol' });
  const create = async (body: Record<string, unknown>, override?: string) =>
    f.check({ ...CREATE, body: JSON.stringify(body), token: await agent(), headers: { ...CREATE.headers, ...(override ? { 'x-dutygate-override': override } : {}) } });
  const draftStep = (paymentId: string): DutyStep => ({ duty: 'payment', resource: paymentId, step: 'draft', distinct: ['draft', 'approve'] });

  /** Denied for the slow store, then given the old pipeline's delay (and more) to write. */
  async function deniedForTime(check: () => Promise<Awaited<ReturnType<GateFixture['check']>>>) {
    const started = Date.now();
    const answer = await check();
    expect(Date.now() - started).toBeLessThan(SLOW_MS);
    expect(answer.httpStatus).toBe(503);
    expect(answer.body).toMatchObject({ decision: 'deny', code: 'STATE_UNAVAILABLE' });
    await sleep(SLOW_MS + 300);
    restore();
    return answer;
  }

  it('no duty step is committed for an allow that timed out', async () => {
    slowLedgerReads();
    await deniedForTime(() => create({ payment_id: 'pay_dl_commit', amount: 10 }));
    expect(await f.gate.state.readLedger([draftStep('pay_dl_commit')], Date.now())).toEqual([]);
    // And the honest retry goes through, recorded once.
    const retry = await create({ payment_id: 'pay_dl_commit', amount: 10 });
    expect(retry.grpcCode).toBe(0);
    expect(await f.gate.state.readLedger([draftStep('pay_dl_commit')], Date.now())).toHaveLength(1);
  });

  it('no approval is created (or posted) for an approval_needed that timed out', async () => {
    const before = await f.gate.state.listApprovals('pending', Date.now());
    slowLedgerReads();
    await deniedForTime(() => create({ payment_id: 'pay_dl_approval', amount: 9000 }));
    const after = await f.gate.state.listApprovals('pending', Date.now());
    expect(after.map((record) => record.approvalId)).toEqual(before.map((record) => record.approvalId));
  });

  it('a presented override token is not spent by a Check that timed out', async () => {
    const body = { payment_id: 'pay_dl_override', amount: 9100 };
    const asked = await create(body);
    expect(asked.body).toMatchObject({ code: 'APPROVAL_REQUIRED' });
    const id = String(asked.body?.approval_id);
    expect((await voteOnApproval(f, id, 'sso:bob')).status).toBe(200);
    const override = String((await pollApproval(f, id, await agent())).body.override_token);

    slowLedgerReads();
    await deniedForTime(() => create(body, override));
    // The one retry the approval grants is still there.
    const retry = await create(body, override);
    expect(retry.grpcCode).toBe(0);
    expect(retry.metadata).toMatchObject({ decision: 'allow', lifted_by: 'override', approval_id: id });
  });
});
