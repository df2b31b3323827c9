/**
 * Invariants of the decision engine, the override path, the duty ledger and approval records,
 * stated as properties over seeded random policies, calls, actors and votes (fast-check; issue
 * 12 "How to show it"). A failure prints the seed and the shrunk counterexample; the seed is
 * fixed so that `npm test` is deterministic.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerEntryOf, sameActor, type DutyActor } from '../../../src/policy/duty-conflict.js';
import { evaluate } from '../../../src/policy/evaluate.js';
import type { Decision, DistinctBy, DutyStep, EvaluationInput } from '../../../src/policy/types.js';
import { createMemoryStore } from '../../../src/state/memory/memory-store.js';
import { quorumMet, sortedRuleIds } from '../../../src/state/approval-progress.js';
import type { ApprovalRecord } from '../../../src/state/approval-record.js';
import { createRedisStore } from '../../../src/state/redis/redis-store.js';
import { createOverridePipeline, type OverridePipeline } from '../../helpers/override-pipeline.js';
import { deleteTestKeys, redisTestConfig } from '../../helpers/redis-test.js';
import { policyOf } from './fixtures.js';

const SEED = 20_261_206;
const RUNS = 300;

interface RuleSpec {
  readonly tools: readonly ('t1' | 't2')[];
  readonly agents?: string;
  readonly condition?: { readonly op: 'gt' | 'lt' | 'eq'; readonly value: number };
  readonly effect: 'allow' | 'deny' | 'approval_needed';
  readonly mode?: 'enforce' | 'shadow';
}

const ruleArb: fc.Arbitrary<RuleSpec> = fc.record(
  {
    tools: fc.subarray(['t1', 't2'] as const, { minLength: 1 }),
    agents: fc.constantFrom('a*', 'b*', '*'),
    condition: fc.record({ op: fc.constantFrom('gt' as const, 'lt' as const, 'eq' as const), value: fc.integer({ min: 0, max: 10 }) }),
    effect: fc.constantFrom('allow' as const, 'deny' as const, 'approval_needed' as const),
    mode: fc.constantFrom('enforce' as const, 'shadow' as const),
  },
  { requiredKeys: ['tools', 'effect'] },
);

const policyArb = fc.record({ defaultEffect: fc.constantFrom('deny', 'allow'), rules: fc.array(ruleArb, { maxLength: 5 }) });

const callArb = fc.record({
  tool: fc.constantFrom('t1', 't2'),
  agent: fc.constantFrom('a1', 'b1', 'c1'),
  // A number, a string that looks like one (never coerced) or nothing: all three must be judged.
  n: fc.oneof(fc.integer({ min: 0, max: 10 }), fc.constant('5'), fc.constant(undefined)),
});

function ruleYaml(rule: RuleSpec, id: string): string {
  const parts = [`id: ${id}`, `tools: [${rule.tools.join(', ')}]`];
  if (rule.agents) parts.push(`agents: ["${rule.agents}"]`);
  if (rule.condition) parts.push(`params: { n: { ${rule.condition.op}: ${rule.condition.value} } }`);
  parts.push(`effect: ${rule.effect}`);
  if (rule.effect !== 'allow') parts.push('clause: C');
  if (rule.effect === 'approval_needed') parts.push('approval: { approvers: ["sso:x"] }');
  if (rule.mode) parts.push(`mode: ${rule.mode}`);
  return `  - { ${parts.join(', ')} }\n`;
}

const compiled = new Map<string, ReturnType<typeof policyOf>>();
function policyFrom(defaultEffect: string, rules: readonly RuleSpec[]) {
  const text = `version: "p"\ndefault: ${defaultEffect}\nclauses: { C: { text: No. } }\ntools:\n  - { name: t1, match: { path: /t1 } }\n  - { name: t2, match: { path: /t2 } }\nrules:\n${rules.map((rule, i) => ruleYaml(rule, `r${i}`)).join('') || '  []\n'}`;
  let policy = compiled.get(text);
  if (!policy) compiled.set(text, (policy = policyOf(text.replace('rules:\n  []\n', 'rules: []\n'))));
  return policy;
}

function inputOf(call: { tool: string; agent: string; n: number | string | undefined }): EvaluationInput {
  return { agent: { id: call.agent, ancestors: [] }, tool: { name: call.tool, entry: call.tool, params: call.n === undefined ? {} : { n: call.n } }, ledger: [] };
}

const blocks = (decision: Decision) => decision.kind === 'deny' || decision.kind === 'approval_needed';

describe('properties of evaluate() (seeded)', () => {
  it('adding a deny rule never turns a deny into an allow (nor any block into a let-through)', () => {
    fc.assert(
      fc.property(policyArb, ruleArb, callArb, ({ defaultEffect, rules }, extra, call) => {
        const before = evaluate(policyFrom(defaultEffect, rules), inputOf(call));
        const after = evaluate(policyFrom(defaultEffect, [...rules, { ...extra, effect: 'deny', mode: 'enforce' }]), inputOf(call));
        if (before.kind === 'deny') expect(after.kind).toBe('deny');
        if (blocks(before)) expect(blocks(after)).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('a shadow rule never changes the enforced decision', () => {
    fc.assert(
      fc.property(policyArb, ruleArb, callArb, ({ defaultEffect, rules }, extra, call) => {
        const before = evaluate(policyFrom(defaultEffect, rules), inputOf(call));
        const after = evaluate(policyFrom(defaultEffect, [...rules, { ...extra, mode: 'shadow' }]), inputOf(call));
        expect([after.kind, after.code]).toEqual([before.kind, before.code]);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('an override never lifts a deny (seeded, the real Check pipeline)', () => {
  let pipeline: OverridePipeline;
  beforeAll(async () => {
    pipeline = await createOverridePipeline();
  });
  afterAll(async () => {
    await pipeline.close();
  });

  it('a call evaluated deny stays deny whatever valid override token comes with it, and the token is not spent', async () => {
    const seen = { deny: 0, lifted: 0 };
    await fc.assert(
      fc.asyncProperty(policyArb, callArb, fc.subarray(['r0', 'r1', 'r2', 'r3', 'r4'], { minLength: 1 }), async ({ defaultEffect, rules }, call, anyRules) => {
        const policy = policyFrom(defaultEffect, rules);
        const decision = evaluate(policy, inputOf(call));
        const body = call.n === undefined ? {} : { n: call.n };
        const path = `/${call.tool}`;
        // A deny gets a token approved under any rule set; approval_needed the one it needs, which
        // shows the tokens are genuine (the deny property would hold vacuously for broken ones).
        const approvedRules = decision.kind === 'approval_needed' ? sortedRuleIds((decision.approvals ?? []).map((each) => each.ruleId)) : anyRules;
        const { token, jti } = await pipeline.overrideFor(policy, await pipeline.request(path, body, call.agent), call.agent, approvedRules);
        const outcome = await pipeline.check(policy, await pipeline.request(path, body, call.agent, token));
        if (decision.kind === 'deny') {
          seen.deny += 1;
          expect(outcome.decision).toBe('deny');
          expect(outcome.code).toBe(decision.code);
          expect(await pipeline.unspent(jti)).toBe(true);
        } else if (decision.kind === 'approval_needed') {
          seen.lifted += 1;
          expect(outcome).toMatchObject({ decision: 'allow', liftedBy: 'override' });
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // Both branches must really have run for the property to say anything.
    expect(seen.deny).toBeGreaterThan(RUNS / 10);
    expect(seen.lifted).toBeGreaterThan(RUNS / 20);
  });
});

const names = ['a', 'b', 'c', 'root', 'planner'];
const actorArb: fc.Arbitrary<DutyActor> = fc.record(
  { agentId: fc.constantFrom(...names), initiator: fc.constantFrom('sso:ann', 'sso:bob'), ancestors: fc.subarray(names, { maxLength: 3 }) },
  { requiredKeys: ['agentId'] },
);
const byArb = fc.constantFrom<DistinctBy>('lineage', 'agent', 'initiator');

describe('properties of the duty conflict rule (seeded)', () => {
  it('is symmetric in the two actors, for every distinct_by', () => {
    const step: DutyStep = { duty: 'd', resource: 'r', step: 'one', distinct: ['one', 'two'] };
    fc.assert(
      fc.property(actorArb, actorArb, byArb, (first, second, by) => {
        const oneWay = sameActor(ledgerEntryOf(step, first, 0), second, by) !== undefined;
        const otherWay = sameActor(ledgerEntryOf(step, second, 0), first, by) !== undefined;
        expect(oneWay).toBe(otherWay);
      }),
      { seed: SEED, numRuns: 1_000 },
    );
  });
});

describe('memory and Redis ledgers agree (seeded, real Redis)', () => {
  afterAll(async () => {
    await deleteTestKeys();
  });

  const commitArb = fc.record({
    actor: actorArb,
    by: byArb,
    steps: fc.array(fc.record({ step: fc.constantFrom('one', 'two', 'three', 'note'), resource: fc.constantFrom('r1', 'r2'), enforced: fc.boolean() }), { minLength: 1, maxLength: 2 }),
  });

  it('on random commit sequences: the same commits are refused, the same entries kept', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(commitArb, { minLength: 1, maxLength: 12 }), async (commits) => {
        run += 1;
        const memory = createMemoryStore({ maxJtiEntries: 100, ledgerTtlMs: 86_400_000, sweepIntervalMs: 0 });
        const redis = await createRedisStore(redisTestConfig());
        try {
          const all: DutyStep[] = [];
          for (const [i, commit] of commits.entries()) {
            const steps: DutyStep[] = commit.steps.map((s) => ({ duty: 'd', resource: `${s.resource}-${run}`, step: s.step, distinct: ['one', 'two', 'three'], distinctBy: commit.by, enforced: s.enforced }));
            all.push(...steps);
            const [m, r] = await Promise.all([memory.commitDutySteps(steps, commit.actor, 1_000 + i), redis.commitDutySteps(steps, commit.actor, 1_000 + i)]);
            expect(r === undefined, `commit ${i}`).toBe(m === undefined);
          }
          const key = (e: { step: string; agentId: string; resource: string; at: number; initiator?: string; ancestors?: readonly string[] }) =>
            `${e.resource}|${e.step}|${e.agentId}|${e.initiator ?? ''}|${(e.ancestors ?? []).join(',')}|${e.at}`;
          const [m, r] = await Promise.all([memory.readLedger(all, 2_000), redis.readLedger(all, 2_000)]);
          expect(r.map(key).sort()).toEqual(m.map(key).sort());
        } finally {
          await Promise.all([memory.close(), redis.close()]);
        }
      }),
      { seed: SEED, numRuns: 40 },
    );
  });
});

describe('memory and Redis approvals agree on rule sets (seeded, real Redis)', () => {
  afterAll(async () => {
    await deleteTestKeys();
  });

  const people = ['sso:p1', 'sso:p2', 'sso:p3', 'sso:p4'];
  const ruleArb = fc.record({ approvers: fc.subarray(people, { minLength: 1 }), quorum: fc.integer({ min: 1, max: 2 }) });
  const voteArb = fc.record({ principal: fc.constantFrom(...people), decision: fc.constantFrom<'approve' | 'deny'>('approve', 'approve', 'approve', 'deny') });

  it('on random rule sets and vote sequences: the same outcomes, the same final record, as quorumMet says', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(ruleArb, { minLength: 1, maxLength: 3 }), fc.array(voteArb, { minLength: 1, maxLength: 8 }), async (specs, votes) => {
        run += 1;
        const rules = specs.map((spec, i) => ({ ruleId: `r${i}`, approvers: spec.approvers, quorum: spec.quorum }));
        const record: ApprovalRecord = {
          approvalId: `apr_parity_${run}_${Date.now()}`,
          kind: 'call',
          requestKey: `parity-${run}-${Date.now()}`,
          status: 'pending',
          agentId: `parity-${run}`,
          chain: [],
          tool: 't',
          paramsHash: 'a'.repeat(64),
          policyVersion: 'p',
          rules,
          approvers: [...new Set(rules.flatMap((rule) => rule.approvers))],
          quorum: Math.max(...rules.map((rule) => rule.quorum)),
          createdAt: 1_000,
          expiresAt: 1_000 + 600_000,
          votes: [],
        };
        const memory = createMemoryStore({ maxJtiEntries: 100, ledgerTtlMs: 86_400_000, sweepIntervalMs: 0 });
        const redis = await createRedisStore(redisTestConfig());
        try {
          await Promise.all([memory.createApproval(record, 1_000), redis.createApproval(record, 1_000)]);
          for (const [i, vote] of votes.entries()) {
            const cast = { ...vote, at: 2_000 + i, via: 'api' as const };
            const [m, r] = await Promise.all([memory.recordVote(record.approvalId, cast, 2_000 + i), redis.recordVote(record.approvalId, cast, 2_000 + i)]);
            expect(r, `vote ${i}`).toEqual(m);
          }
          const [m, r] = await Promise.all([memory.getApproval(record.approvalId, 3_000), redis.getApproval(record.approvalId, 3_000)]);
          expect(r).toEqual(m);
          // Approved exactly when every rule's quorum is met by its own approvers (no deny first).
          if (m?.status === 'approved') expect(quorumMet(m)).toBe(true);
          if (m?.status === 'pending') expect(quorumMet(m)).toBe(false);
        } finally {
          await Promise.all([memory.close(), redis.close()]);
        }
      }),
      { seed: SEED, numRuns: 60 },
    );
  });
});
