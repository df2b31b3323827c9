import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy, parsePolicy } from '../../../src/policy/load-policy.js';
import { formatIssue, SourceError } from '../../../src/yaml/source-issue.js';

const EXAMPLE = new URL('../../vectors/payments/policy.yaml', import.meta.url);

const R = 'resource: { param: id, pattern: "^[a-z0-9]{1,16}$" }';

/** A small valid policy; each validation case appends to or edits it. */
const HEAD = `version: "1"
clauses:
  LIMIT: { text: Limit. }
tools:
  - name: pay
    match: { method: POST, path: "/pay/{id}" }
  - name: mcp
    match: { path: /mcp }
    protocol: mcp
duties:
  payment:
    ${R}
    steps: { draft: [pay], approve: ["mcp:approve"] }
    distinct: [draft, approve]
rules:
`;

function issuesOf(text: string): string[] {
  try {
    parsePolicy(text, 'p.yaml');
  } catch (error) {
    if (error instanceof SourceError) return error.issues.map(formatIssue);
    throw error;
  }
  return [];
}

describe('parsePolicy: validation', () => {
  it('accepts the base policy', () => {
    expect(issuesOf(`${HEAD}  - { id: ok, tools: [pay], effect: allow }\n`)).toEqual([]);
  });

  it.each([
    ['unknown tool, with hint', '  - { id: r, tools: [pya], effect: allow }\n', "p.yaml:16:22: rules[0].tools[0]: unknown tool 'pya' (did you mean 'pay'?)"],
    ['MCP endpoint named as a tool', '  - { id: r, tools: [mcp], effect: allow }\n', "p.yaml:16:22: rules[0].tools[0]: 'mcp' is an MCP endpoint, not a tool (name what goes through it: mcp:<tool>, mcp.method:<method>, mcp.stream)"],
    ['glob matching no tool', '  - { id: r, tools: ["zz*"], effect: allow }\n', "p.yaml:16:22: rules[0].tools[0]: 'zz*' matches no tool"],
    ['bad glob syntax', '  - { id: r, tools: [pay], agents: ["a[0-9]"], effect: allow }\n', "p.yaml:16:37: rules[0].agents[0]: only '*' is a wildcard; '?', '[', ']', '{', '}' are not allowed"],
    ['unknown clause, with hint', '  - { id: r, tools: [pay], effect: deny, clause: LIMT }\n', "p.yaml:16:50: rules[0].clause: unknown clause 'LIMT' (did you mean 'LIMIT'?)"],
    ['deny without clause', '  - { id: r, tools: [pay], effect: deny }\n', "p.yaml:16:36: rules[0].effect: a rule with effect 'deny' needs a clause: the verbatim text quoted to the agent"],
    ['unknown duty', '  - { id: r, tools: [pay], require: { duty: paymnt }, effect: allow }\n', "p.yaml:16:45: rules[0].require.duty: unknown duty 'paymnt' (did you mean 'payment'?)"],
    ['duty require on a tool that is no step', '  - { id: r, tools: ["mcp:other"], require: { duty: payment }, effect: allow }\n', "p.yaml:16:22: rules[0].tools[0]: tool 'mcp:other' performs no step of duty 'payment'"],
    ['bad regex', '  - id: r\n    tools: [pay]\n    params: { a: { regex: "(" } }\n    effect: allow\n', 'p.yaml:18:27: rules[0].params.a.regex: invalid regex: Invalid regular expression: /(/u: Unterminated group'],
    ['too long regex', `  - id: r\n    tools: [pay]\n    params: { a: { regex: "${'a'.repeat(513)}" } }\n    effect: allow\n`, 'p.yaml:18:27: rules[0].params.a.regex: regex is 513 characters; the limit is 512'],
    ['eq of a list', '  - id: r\n    tools: [pay]\n    params: { a: { eq: [1] } }\n    effect: allow\n', 'p.yaml:18:24: rules[0].params.a.eq: must be a string, number or boolean'],
    ['contradictory bounds', '  - id: r\n    tools: [pay]\n    params: { a: { min: 5, max: 1 } }\n    effect: allow\n', 'p.yaml:18:25: rules[0].params.a.min: min 5 is above max 1: the condition can never hold'],
    ['bad duration', '  - { id: r, tools: [pay], effect: approval_needed, clause: LIMIT, approval: { approvers: [a], ttl: 15 } }\n', 'p.yaml:16:101: rules[0].approval.ttl: must be string'],
    ['bad duration unit', '  - { id: r, tools: [pay], effect: approval_needed, clause: LIMIT, approval: { approvers: [a], ttl: 15min } }\n', 'p.yaml:16:101: rules[0].approval.ttl: must be a duration such as 15m'],
    ['require_reason outside its four values', '  - { id: r, tools: [pay], effect: approval_needed, clause: LIMIT, approval: { approvers: [a], ttl: 10m, require_reason: always } }\n', 'p.yaml:16:122: rules[0].approval.require_reason: must be one of "approve", "deny", "both", "none"'],
    ['remind_after not shorter than the ttl', '  - { id: r, tools: [pay], effect: approval_needed, clause: LIMIT, approval: { approvers: [a], ttl: 10m, remind_after: 10m } }\n', 'p.yaml:16:120: rules[0].approval.remind_after: remind_after 10m is not shorter than the approval ttl (10m): it would never happen'],
    ['escalate_after past the ttl', '  - { id: r, tools: [pay], effect: approval_needed, clause: LIMIT, approval: { approvers: [a], ttl: 10m, escalate_after: 1h, escalate_to: [b] } }\n', 'p.yaml:16:122: rules[0].approval.escalate_after: escalate_after 1h is not shorter than the approval ttl (10m): it would never happen'],
    ['escalate_after without escalate_to', '  - { id: r, tools: [pay], effect: approval_needed, clause: LIMIT, approval: { approvers: [a], ttl: 10m, escalate_after: 5m } }\n', 'p.yaml:16:122: rules[0].approval.escalate_after: escalate_after needs escalate_to: [...] (who is asked next)'],
    ['escalate_to without escalate_after', '  - { id: r, tools: [pay], effect: approval_needed, clause: LIMIT, approval: { approvers: [a], ttl: 10m, escalate_to: [b] } }\n', 'p.yaml:16:119: rules[0].approval.escalate_to: escalate_to needs escalate_after (when they are asked)'],
    ['remind_after that is no duration', '  - { id: r, tools: [pay], effect: approval_needed, clause: LIMIT, approval: { approvers: [a], ttl: 10m, remind_after: soon } }\n', 'p.yaml:16:120: rules[0].approval.remind_after: must be a duration such as 5m'],
    ['quorum above approvers', '  - { id: r, tools: [pay], effect: approval_needed, clause: LIMIT, approval: { approvers: [a], quorum: 2 } }\n', 'p.yaml:16:104: rules[0].approval.quorum: quorum 2 exceeds the 1 approver(s) listed'],
    ['approval_needed without approval', '  - { id: r, tools: [pay], effect: approval_needed, clause: LIMIT }\n', "p.yaml:16:36: rules[0].effect: effect 'approval_needed' needs an approval: { approvers: [...] }"],
    ['sanitize on deny', '  - { id: r, tools: [pay], effect: deny, clause: LIMIT, sanitize: { remove_headers: [x] } }\n', "p.yaml:16:67: rules[0].sanitize: sanitize applies to allow rules only, not 'deny'"],
    ['duplicate rule id', '  - { id: r, tools: [pay], effect: allow }\n  - { id: r, tools: [pay], effect: allow }\n', "p.yaml:17:11: rules[1].id: duplicate rule id 'r'"],
    ['unknown key, with hint', '  - { id: r, tools: [pay], efect: allow, effect: allow }\n', "p.yaml:16:28: rules[0].efect: unknown key 'efect' (did you mean 'effect'?)"],
    ['numeric operand as string', '  - id: r\n    tools: [pay]\n    params: { a: { gt: "5" } }\n    effect: allow\n', 'p.yaml:18:24: rules[0].params.a.gt: must be number'],
  ])('%s', (_name, rules, expected) => {
    expect(issuesOf(HEAD + rules)).toEqual([expected]);
  });

  it.each([
    ['defaults: a Deny needs a reason, no follow-ups', '', { requireReason: 'deny' }],
    ['reasons on both, a reminder, an escalation', 'require_reason: both, remind_after: 250ms, escalate_after: 5m, escalate_to: [sso:cfo] ', { requireReason: 'both', remindAfterMs: 250, escalate: { afterMs: 300_000, to: ['sso:cfo'] } }],
    ['no reason ever', 'require_reason: none ', { requireReason: 'none' }],
  ])('approval follow-ups compile: %s', (_name, extra, expected) => {
    const text = `${HEAD}  - { id: r, tools: [pay], effect: approval_needed, clause: LIMIT, approval: { approvers: [a], ttl: 10m, ${extra}} }\n`;
    expect(parsePolicy(text, 'p.yaml').rules[0]?.approval).toEqual({ approvers: ['a'], quorum: 1, ttlMs: 600_000, ...expected });
  });

  it.each([
    ['duplicate capture', '/pay/{id}/{id}', "capture '{id}' appears twice"],
    ['capture not a whole segment', '/pay/{id}.json', "'{id}.json' is not a capture: use a whole segment '{name}', name as [A-Za-z_][A-Za-z0-9_]*"],
    ['capture name starting with a digit', '/pay/{1d}', "'{1d}' is not a capture: use a whole segment '{name}', name as [A-Za-z_][A-Za-z0-9_]*"],
    ['no leading slash', 'pay/{id}', "a path must start with '/'"],
    ['dot segment', '/pay/../{id}', "empty, '.' or '..' segment in '/pay/../{id}'"],
    ['query in path', '/pay?x=1', "a path may not contain '?', '#', '*' or whitespace"],
  ])('path template: %s', (_name, path, message) => {
    const text = HEAD.replace('"/pay/{id}"', JSON.stringify(path)) + '  - { id: ok, tools: [pay], effect: allow }\n';
    expect(issuesOf(text)).toEqual([`p.yaml:6:34: tools[0].match.path: ${message}`]);
  });

  it.each([
    ['step naming an unknown tool', 'steps: { draft: [pay], approve: ["mcp:approve"] }', 'steps: { draft: [pya], approve: ["mcp:approve"] }', "p.yaml:13:22: duties.payment.steps.draft[0]: unknown tool 'pya' (did you mean 'pay'?)"],
    ['distinct naming an undefined step', 'distinct: [draft, approve]', 'distinct: [draft, aprove]', "p.yaml:14:23: duties.payment.distinct[1]: unknown step 'aprove' of duty 'payment' (did you mean 'approve'?)"],
    ['one tool in two steps', 'approve: ["mcp:approve"]', 'approve: [pay]', "p.yaml:13:38: duties.payment.steps.approve[0]: tool 'pay' is already step 'draft' of duty 'payment'"],
    // issue 12 item 1: every duty declares how its resource is spelled (R is HEAD's rule).
    ['the pre-issue-12 string form', R, 'resource: params.id', "p.yaml:12:15: duties.payment.resource: 'params.id' names a param but not how the resource is spelled; a duty needs a resource rule (write resource: { param: id, pattern: \"^…$\" } (a regex every valid id matches, nothing else) or resource: { param: id, type: integer })"],
    ['no resource rule at all', `    ${R}\n`, '', 'p.yaml:11:3: duties.payment.resource: is required'],
    ['a param without pattern or type', R, 'resource: { param: id }', 'p.yaml:12:15: duties.payment.resource: a resource rule needs exactly one of pattern or type (write resource: { param: payment_id, pattern: "^pay_[a-z0-9]{1,32}$" } (a regex every valid id matches, nothing else) or resource: { param: payment_id, type: integer })'],
    ['both pattern and type', R, 'resource: { param: id, pattern: "^[0-9]+$", type: integer }', 'p.yaml:12:15: duties.payment.resource: a resource rule needs exactly one of pattern or type (write resource: { param: payment_id, pattern: "^pay_[a-z0-9]{1,32}$" } (a regex every valid id matches, nothing else) or resource: { param: payment_id, type: integer })'],
    ['an unknown type', R, 'resource: { param: id, type: uuid }', 'p.yaml:12:34: duties.payment.resource.type: unknown resource type "uuid"; the only type is integer'],
    ['a pattern that matches the empty string', R, 'resource: { param: id, pattern: "[a-z]*" }', 'p.yaml:12:37: duties.payment.resource.pattern: pattern matches the empty string; a resource id must not be empty'],
    ['a bad regex', R, 'resource: { param: id, pattern: "(" }', 'p.yaml:12:37: duties.payment.resource.pattern: invalid regex: Invalid regular expression: /^(?:()$/u: Unterminated group'],
    ['a params. prefix in param', R, 'resource: { param: params.id, type: integer }', 'p.yaml:12:24: duties.payment.resource.param: resource.param must name a param, e.g. payment_id (dotted paths such as ticket.id allowed, no params. prefix)'],
    ['an unknown key', R, 'resource: { param: id, type: integer, case: lower }', "p.yaml:12:49: duties.payment.resource.case: unknown key 'case' in a resource rule (param, pattern, type)"],
    ['an unknown distinct_by', 'distinct: [draft, approve]', 'distinct: [draft, approve]\n    distinct_by: person', 'p.yaml:15:18: duties.payment.distinct_by: must be one of "lineage", "agent", "initiator"'],
  ])('duties: %s', (_name, from, to, expected) => {
    expect(issuesOf(HEAD.replace(from, to) + '  - { id: ok, tools: [pay], effect: allow }\n')).toEqual([expected]);
  });

  it('duties: a resource pattern that backtracks super-linearly is refused at its line', () => {
    const issues = issuesOf(HEAD.replace(R, 'resource: { param: id, pattern: "(a+)+b" }') + '  - { id: ok, tools: [pay], effect: allow }\n');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^p\.yaml:12:37: duties\.payment\.resource\.pattern: regex can backtrack super-linearly/);
  });

  it('reports every issue at once, in source order', () => {
    const issues = issuesOf(HEAD + '  - { id: r, tools: [nope], effect: deny }\n  - { id: r, tools: [pay], effect: allow, clause: NOPE }\n');
    expect(issues).toEqual([
      "p.yaml:16:22: rules[0].tools[0]: unknown tool 'nope'",
      "p.yaml:16:37: rules[0].effect: a rule with effect 'deny' needs a clause: the verbatim text quoted to the agent",
      "p.yaml:17:11: rules[1].id: duplicate rule id 'r'",
      "p.yaml:17:51: rules[1].clause: unknown clause 'NOPE'",
    ]);
  });

  it('refuses MCP references without an MCP entry', () => {
    const text = 'version: "1"\ntools:\n  - { name: a, match: { path: /a } }\nrules:\n  - { id: r, tools: ["mcp:x"], effect: allow }\n';
    expect(issuesOf(text)).toEqual(["p.yaml:5:22: rules[0].tools[0]: 'mcp:x' needs a tools: entry with protocol: mcp"]);
  });

  it('refuses YAML duplicate keys before anything else', () => {
    expect(issuesOf('version: "1"\nversion: "2"\nrules: []\n')[0]).toMatch(/^p\.yaml:2:1: /);
  });
});

describe('parsePolicy: the docs/design.md §4 example', () => {
  it('loads, with clause sources pointing into the file', async () => {
    const policy = await loadPolicy(EXAMPLE.pathname);
    expect(policy.version).toBe('2026-11-21.1');
    expect(policy.policyVersion).toMatch(/^2026-11-21\.1\+[0-9a-f]{12}$/);
    expect(policy.mode).toBe('enforce');
    expect(policy.default).toBe('deny');
    expect(policy.rules.map((rule) => rule.id)).toEqual(['finance-payments', 'finance-large-payments', 'approve-and-release']);
    expect(policy.clauses.get('PAYMENT_LIMIT')).toEqual({ name: 'PAYMENT_LIMIT', text: 'Payments above 5000 need a human approval from finance.', source: 'policy.yaml#/clauses/PAYMENT_LIMIT' });
    expect(policy.rules[1]?.approval).toEqual({ approvers: ['slack:U0FINANCE1', 'slack:U0FINANCE2'], quorum: 1, ttlMs: 900_000, requireReason: 'deny' });
    expect(policy.rules[2]?.changes).toEqual({ setHeaders: { 'x-reviewed-by': 'dutygate' }, removeHeaders: ['x-debug'], setQuery: {}, removeQuery: [] });
  });
});

describe('policy_version', () => {
  const a = `version: "7"\ntools:\n  - { name: t, match: { method: POST, path: /t } }\nrules:\n  - { id: r, tools: [t], effect: allow }\n`;
  const reformatted = `# a comment\nrules:\n  - effect: allow   # same rule, block style, keys reordered\n    tools:\n      - t\n    id: r\ntools:\n  - match: { path: "/t", method: POST }\n    name: t\nversion: '7'\n`;

  it('is stable across formatting, comments and key order', () => {
    expect(parsePolicy(reformatted, 'b.yaml').policyVersion).toBe(parsePolicy(a, 'a.yaml').policyVersion);
  });

  it('changes with the content', () => {
    const changed = a.replace('effect: allow', 'effect: deny, clause: C').replace('tools:\n', 'clauses: { C: { text: c } }\ntools:\n');
    expect(parsePolicy(changed, 'a.yaml').hash).not.toBe(parsePolicy(a, 'a.yaml').hash);
    expect(parsePolicy(a.replace('/t', '/u'), 'a.yaml').hash).not.toBe(parsePolicy(a, 'a.yaml').hash);
  });

  it('is deterministic: same text, same hash', () => {
    expect(parsePolicy(a, 'a.yaml').policyVersion).toBe(parsePolicy(a, 'other.yaml').policyVersion);
    expect(parsePolicy(a, 'a.yaml').policyVersion.startsWith('7+')).toBe(true);
  });
});

describe('loadPolicy', () => {
  it('reports issues with the file path it was given', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dutygate-policy-'));
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'version: "1"\nrules:\n  - { id: r, tools: [x], effect: allow }\n');
    await expect(loadPolicy(file)).rejects.toThrow(`${file}:3:22: rules[0].tools[0]: unknown tool 'x'`);
  });
});
