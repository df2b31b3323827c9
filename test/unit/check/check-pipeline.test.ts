/**
 * The Check pipeline's phases (src/check/check-pipeline.ts, phases.ts): each phase returns its
 * value or the outcome that stops the Check, the outcome names the phase, a phase that fails
 * writes nothing of the later ones, and the Deadline is asked before every state call. Real
 * identity verifier (keys in a temp JWKS file), real memory store, policy compiled from YAML.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCheckPipeline, type CheckDependencies } from '../../../src/check/check-pipeline.js';
import type { CheckOutcome } from '../../../src/check/outcome.js';
import { createAgentVerifier } from '../../../src/identity/verify-agent.js';
import { mintAgentToken, mintDelegation } from '../../../src/identity/mint-token.js';
import { Deadline } from '../../../src/lib/deadline.js';
import type { HttpRequest } from '../../../src/request/http-request.js';
import { createMemoryStore } from '../../../src/state/memory/memory-store.js';
import type { StateStore } from '../../../src/state/state-store.js';
import { AUD, identityConfig, ISS, LIMITS, makeIssuer, type TestIssuer } from '../identity/fixtures.js';
import { policyOf } from '../policy/fixtures.js';

const POLICY = policyOf(`version: "phases-1"
clauses:
  NO_DELETE: { text: Nobody deletes payments. }
tools:
  - { name: payments.create, match: { method: POST, host: payments.internal, path: /payments } }
  - { name: payments.delete, match: { method: DELETE, host: payments.internal, path: "/payments/{payment_id}" } }
duties:
  payment:
    resource: { param: payment_id, pattern: "^[a-z0-9_]{1,32}$" }
    steps: { draft: [payments.create], remove: [payments.delete] }
    distinct: [draft, remove]
rules:
  - { id: create, tools: [payments.create], require: { duty: payment }, effect: allow }
  - { id: no-delete, tools: [payments.delete], effect: deny, clause: NO_DELETE }
`);

let issuer: TestIssuer;
let stores: StateStore[] = [];

beforeAll(async () => {
  issuer = await makeIssuer();
});
afterEach(async () => {
  await Promise.all(stores.map((store) => store.close()));
  stores = [];
});

function memoryStore(): StateStore {
  const store = createMemoryStore({ maxJtiEntries: 1000, ledgerTtlMs: 86_400_000, sweepIntervalMs: 0 });
  stores.push(store);
  return store;
}

async function pipeline(overrides: Partial<CheckDependencies> = {}) {
  const state = overrides.state ?? memoryStore();
  const authenticator = await createAgentVerifier(identityConfig([issuer.config]), LIMITS);
  const check = createCheckPipeline({
    authenticator,
    policy: () => POLICY,
    state,
    limits: { ...LIMITS, checkTimeoutMs: 1_000 },
    stateTimeoutMs: undefined,
    clockSkewMs: 5_000,
    aliases: {},
    ...overrides,
  });
  return { check, state };
}

const token = (agentId = 'finance-a', extra: { jti?: string; parentAgentId?: string } = {}) =>
  mintAgentToken(issuer.key.privateJwk, { iss: ISS, aud: AUD, agentId, ...extra });

function request(fields: { method?: string; path?: string; body?: unknown; authorization?: string; chain?: string }): HttpRequest {
  const headers = new Map<string, string>([['content-type', 'application/json']]);
  if (fields.authorization !== undefined) headers.set('authorization', fields.authorization);
  if (fields.chain !== undefined) headers.set('x-agent-chain', fields.chain);
  return {
    method: fields.method ?? 'POST',
    host: 'payments.internal',
    path: fields.path ?? '/payments',
    query: '',
    headers,
    body: fields.body === undefined ? undefined : new TextEncoder().encode(JSON.stringify(fields.body)),
    bodyTruncated: false,
    contextExtensions: {},
  };
}

const draft = async (paymentId: string, jti?: string) => request({ body: { payment_id: paymentId, amount: 1 }, authorization: `Bearer ${await token('finance-a', jti === undefined ? {} : { jti })}` });
const summary = (outcome: CheckOutcome) => [outcome.phase, outcome.decision, outcome.code];

describe('the Check pipeline, phase by phase', () => {
  it('names the phase of every answer', async () => {
    const { check } = await pipeline();
    expect(summary(await check(request({ body: { payment_id: 'p1' } }), {}))).toEqual(['identity', 'deny', 'TOKEN_MISSING']);
    expect(summary(await check(await draft('p1', 'jti-1'), {}))).toEqual(['policy', 'allow', 'OK']);
    expect(summary(await check(await draft('p1', 'jti-1'), {}))).toEqual(['replay', 'deny', 'REPLAY']);
    const child = await token('finance-b', { parentAgentId: 'planner' });
    expect(summary(await check(request({ body: { payment_id: 'p2' }, authorization: `Bearer ${child}` }), {}))).toEqual(['chain', 'deny', 'CHAIN_INVALID']);
    expect(summary(await check(request({ path: '/elsewhere', authorization: `Bearer ${await token()}` }), {}))).toEqual(['mapping', 'deny', 'NO_TOOL']);
    expect(summary(await check(request({ body: '{"a":', authorization: `Bearer ${await token()}` }), {}))).toEqual(['policy', 'deny', 'SOD_RESOURCE_INVALID']);
    const remove = request({ method: 'DELETE', path: '/payments/p1', authorization: `Bearer ${await token()}` });
    expect(summary(await check(remove, {}))).toEqual(['policy', 'deny', 'POLICY_DENY']);
  });

  it('a verified chain becomes the facts of the answer', async () => {
    const { check } = await pipeline();
    const parentJti = 'planner-jti';
    const link = await mintDelegation(issuer.key.privateJwk, { iss: ISS, agentId: 'planner', delegateeAgentId: 'finance-c', jti: parentJti });
    const child = await mintAgentToken(issuer.key.privateJwk, { iss: ISS, aud: AUD, agentId: 'finance-c', parentAgentId: 'planner', parentJti });
    const outcome = await check(request({ body: { payment_id: 'p3' }, authorization: `Bearer ${child}`, chain: link }), {});
    expect(outcome).toMatchObject({ phase: 'policy', decision: 'allow', agentId: 'finance-c', parentAgentId: 'planner', chain: ['planner'], tool: 'payments.create' });
  });

  it('an identity failure spends nothing: the same jti is still fresh afterwards', async () => {
    const { check, state } = await pipeline();
    const bad = await check(request({ body: { payment_id: 'p4' }, authorization: 'Bearer not-a-jwt' }), {});
    expect(bad.phase).toBe('identity');
    expect(await state.claimJti({ purpose: 'agent', issuer: ISS }, 'never-seen', Date.now() + 60_000, Date.now())).toBe(true);
  });

  it('no policy loaded: a deny of the policy phase before anything is verified or spent', async () => {
    const { check } = await pipeline({ policy: () => undefined });
    expect(summary(await check(await draft('p5'), {}))).toEqual(['policy', 'deny', 'POLICY_UNAVAILABLE']);
  });

  it('a deadline already passed: shed in the replay phase with the token unspent', async () => {
    const { check, state } = await pipeline();
    const outcome = await check(await draft('p6', 'jti-late'), { deadline: new Deadline(Date.now() - 1) });
    expect(summary(outcome)).toEqual(['replay', 'deny', 'OVERLOADED']);
    expect(await state.claimJti({ purpose: 'agent', issuer: ISS }, 'jti-late', Date.now() + 60_000, Date.now())).toBe(true);
  });

  it('a slow ledger read: STATE_UNAVAILABLE of the policy phase, and no duty step is committed afterwards', async () => {
    const state = memoryStore();
    const slow: StateStore = { ...state, readLedger: async (steps, nowMs) => (await sleep(200), state.readLedger(steps, nowMs)) };
    const { check } = await pipeline({ state: slow });
    const outcome = await check(await draft('p7'), { deadline: Deadline.after(60) });
    expect(summary(outcome)).toEqual(['policy', 'deny', 'STATE_UNAVAILABLE']);
    await sleep(300);
    expect(await state.readLedger([{ duty: 'payment', resource: 'p7', step: 'draft', distinct: ['draft', 'remove'] }], Date.now())).toEqual([]);
  });

  it('a state error is a deny of the phase that called the store', async () => {
    const state = memoryStore();
    const broken: StateStore = { ...state, commitDutySteps: () => Promise.reject(new Error('disk on fire')) };
    const { check } = await pipeline({ state: broken });
    const outcome = await check(await draft('p8'), {});
    expect(summary(outcome)).toEqual(['duties', 'deny', 'INTERNAL']);
    expect(outcome.reason).toBe('internal error; the gate fails closed');
  });

  it('a conflict found at the commit is a deny of the duties phase (the commit is the arbiter)', async () => {
    const state = memoryStore();
    // Another replica commits the conflicting step between this Check's ledger read and its commit.
    const racing: StateStore = {
      ...state,
      readLedger: async (steps, nowMs) => {
        const before = await state.readLedger(steps, nowMs);
        await state.commitDutySteps([{ duty: 'payment', resource: 'p9', step: 'remove', distinct: ['draft', 'remove'] }], { agentId: 'finance-a' }, nowMs);
        return before;
      },
    };
    const { check } = await pipeline({ state: racing });
    expect(summary(await check(await draft('p9'), {}))).toEqual(['duties', 'deny', 'SOD_DUTY_CONFLICT']);
  });
});
