import { describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../../src/audit/decision-record.js';
import type { CompiledPolicy } from '../../../src/policy/compile-policy.js';
import { createDryRun, type DryRunResult } from '../../../src/policy-replay/dry-run.js';
import { BASE, candidate, record } from './fixtures.js';

function dryRun(policy: CompiledPolicy, records: DecisionRecord[]): DryRunResult {
  const run = createDryRun(policy, { examples: 5 });
  for (const r of records) run.add(r);
  return run.result();
}

const approvePath = { method: 'POST', host: 'payments.internal', path: '/payments/p1/approve', tool: 'payments.approve', tool_entry: 'payments.approve', params: { payment_id: 'p1' }, rule_id: 'approve' };
const changes = (result: DryRunResult) => Object.fromEntries(Object.entries(result.changed).filter(([, n]) => n > 0));

describe('policy dry-run', () => {
  it('the same policy changes nothing', () => {
    const result = dryRun(candidate(), [record(), record({ params: { payment_id: 'p2', amount: 9000 }, decision: 'approval_needed', code: 'APPROVAL_REQUIRED', rule_id: 'large', approval_id: 'a1' })]);
    expect(result).toMatchObject({ evaluated: 2, unchanged: 2, notPolicy: 0, unevaluable: {} });
    expect(changes(result)).toEqual({});
  });

  it.each<[string, CompiledPolicy, DecisionRecord, Record<string, number>, string]>([
    ['a lower limit: allow → approval_needed', candidate(['amount: { max: 5000 }', 'amount: { max: 1000 }'], ['amount: { gt: 5000 }', 'amount: { gt: 1000 }']), record({ params: { payment_id: 'p1', amount: 3000 } }), { 'allow-to-approval': 1 }, 'large'],
    ['a new deny rule: allow → deny', candidate(['rules:\n', 'rules:\n  - { id: no-rogue, tools: [payments.create], agents: ["finance-rogue"], effect: deny, clause: NO_ROGUE }\n']), record({ agent_id: 'finance-rogue' }), { 'allow-to-deny': 1 }, 'no-rogue'],
    ['a widened glob: deny → allow', candidate(['agents: ["finance-*"]\n    params: { amount: { max', 'agents: ["finance-*", "ops-*"]\n    params: { amount: { max']), record({ agent_id: 'ops-1', decision: 'deny', code: 'NO_RULE', rule_id: null }), { 'deny-to-allow': 1 }, '(default)'],
    ['an unavailable approval counts as approval_needed', candidate(['amount: { gt: 5000 }', 'amount: { gt: 50000 }'], ['amount: { max: 5000 }', 'amount: { max: 50000 }']), record({ params: { payment_id: 'p1', amount: 9000 }, decision: 'deny', code: 'APPROVAL_UNAVAILABLE', rule_id: 'large' }), { 'approval-to-allow': 1 }, 'large'],
    ['a lifted approval still needs one: unchanged', candidate(), record({ params: { payment_id: 'p1', amount: 9000 }, approval_id: 'a1', rule_id: 'large' }), {}, ''],
    ['a shadow allow promoted to enforce: allow → deny', candidate(), record({ agent_id: 'intern', shadow: true, would_block: true, would_block_code: 'NO_RULE', rule_id: null }), { 'allow-to-deny': 1 }, '(default)'],
    ['a stricter reason, same decision', candidate(['rules:\n', 'rules:\n  - { id: no-ops, tools: [payments.create], agents: ["ops-*"], effect: deny, clause: NO_ROGUE }\n']), record({ agent_id: 'ops-1', decision: 'deny', code: 'NO_RULE', rule_id: null }), { 'reason-changed': 1 }, 'no-ops'],
    ['a request that maps to no tool, candidate default allow', candidate(['default: deny', 'default: allow']), record({ tool: null, tool_entry: null, params: null, params_hashed: null, path: '/elsewhere', decision: 'deny', code: 'NO_TOOL', rule_id: null }), { 'deny-to-allow': 1 }, '(default)'],
    ['a refused body stays refused, even under default allow', candidate(['default: deny', 'default: allow']), record({ tool: null, tool_entry: null, params: null, decision: 'deny', code: 'BODY_DUPLICATE_KEY', rule_id: null }), {}, ''],
    ['a removed tool entry: the request now maps to nothing', candidate(['  - name: payments.approve\n    match: { method: POST, path: "/payments/{payment_id}/approve" }\n    record_params: [payment_id]\n', ''], ['duties:\n  payment:\n    resource: { param: payment_id, pattern: \'^[a-z0-9][a-z0-9_-]{0,63}$\' }\n    steps: { draft: [payments.create], approve: [payments.approve] }\n    distinct: [draft, approve]\n', ''], ['  - id: approve\n    tools: [payments.approve]\n    effect: allow\n', '']), record({ ...approvePath, path: '/payments/{payment_id}/approve' }), { 'allow-to-deny': 1 }, '(default)'],
  ])('%s', (_name, policy, input, want, rule) => {
    const result = dryRun(policy, [input]);
    expect(changes(result)).toEqual(want);
    expect(result.evaluated).toBe(1);
    if (rule) expect(Object.keys(result.byRule)).toEqual([rule]);
    if (rule) expect(Object.keys(result.byAgent)).toEqual([input.agent_id]);
  });

  it('rebuilds the duty ledger from what the gate let through, so SoD applies to the window', () => {
    const strict = candidate(['  - id: approve\n    tools: [payments.approve]\n', '  - id: approve\n    tools: [payments.approve]\n    require: { duty: payment }\n']);
    const records = [
      record({ params: { payment_id: 'p1', amount: 100 } }),
      record(approvePath),
      record({ ...approvePath, agent_id: 'reviewer' }),
      // finance-a's draft of p2 was denied (a policy of the time): it did not happen, so no conflict.
      record({ params: { payment_id: 'p2', amount: 100 }, decision: 'deny', code: 'POLICY_DENY', rule_id: 'old-rule' }),
      record({ ...approvePath, path: '/payments/p2/approve', params: { payment_id: 'p2' } }),
    ];
    const result = dryRun(strict, records);
    expect(changes(result)).toEqual({ 'allow-to-deny': 1, 'deny-to-allow': 1 });
    expect(result.examples['allow-to-deny']?.[0]).toMatchObject({ decisionId: records[1]?.decision_id, agentId: 'finance-a', after: { outcome: 'deny', code: 'SOD_DUTY_CONFLICT', rule: 'approve' } });
  });

  it('says which decisions it cannot re-evaluate, and skips non-policy ones', () => {
    const hashedAmount = record({ params: { payment_id: 'p1' }, params_hashed: { amount: 'ab'.repeat(32) } });
    const hashedUnread = record({ params: { payment_id: 'p1', amount: 1 }, params_hashed: { memo: 'cd'.repeat(32) } });
    const renamed = candidate(['name: payments.create', 'name: pay.create'], ['[payments.create]', '[pay.create]'], ['tools: [payments.create]', 'tools: [pay.create]'], ['tools: [payments.create]', 'tools: [pay.create]']);
    const expired = record({ agent_id: null, tool: null, decision: 'deny', code: 'TOKEN_EXPIRED', rule_id: null });
    const replay = record({ decision: 'deny', code: 'REPLAY', rule_id: null });
    const result = dryRun(candidate(), [hashedAmount, hashedUnread, expired, replay]);
    expect(result).toMatchObject({ evaluated: 1, unchanged: 1, notPolicy: 2 });
    const reason = "param(s) 'amount' recorded only as hashes; list them in record_params of tools entry 'payments.create' to dry-run them";
    expect(result.unevaluable).toEqual({ [reason]: 1 });
    expect(result.unevaluableIds).toEqual({ [reason]: [hashedAmount.decision_id] });
    expect(dryRun(renamed, [record()]).unevaluable).toEqual({ "tool entry 'payments.create' is not in the candidate (or no longer matches POST payments.internal); the request maps to another entry": 1 });
  });

  it('re-evaluates MCP tool calls by their endpoint entry, and globs over MCP tool names', () => {
    const mcp = candidate(
      ['tools:\n', 'tools:\n  - { name: files-mcp, match: { path: /mcp }, protocol: mcp, record_params: ["*"] }\n'],
      ['rules:\n', 'rules:\n  - { id: no-delete, tools: ["mcp:delete_*"], effect: deny, clause: NO_ROGUE }\n  - { id: reads, tools: ["mcp:read_*"], effect: allow }\n'],
    );
    const call = (tool: string) => record({ path: '/mcp', host: 'files.internal', tool, tool_entry: 'files-mcp', params: { path: '/etc/x' }, rule_id: null });
    const result = dryRun(mcp, [call('mcp:read_file'), call('mcp:delete_file'), call('mcp:write_file')]);
    expect(changes(result)).toEqual({ 'allow-to-deny': 2 });
    expect(result.byRule).toEqual({ 'no-delete': { 'allow-to-deny': 1 }, '(default)': { 'allow-to-deny': 1 } });
  });

  it('counts the candidate’s own shadow would-blocks and the recorded policy versions', () => {
    const shadow = candidate(['default: deny', 'default: deny\nmode: shadow']);
    const result = dryRun(shadow, [record({ agent_id: 'intern' }), record({ policy_version: 'v0+000000000000' })]);
    expect(result).toMatchObject({ candidateWouldBlock: 1, unchanged: 2, recordedVersions: { 'v1+000000000001': 1, 'v0+000000000000': 1 } });
    expect(BASE).toContain('record_params');
  });
});
