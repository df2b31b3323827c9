import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../src/policy/load-policy.js';
import { formatIssue, SourceError } from '../../../src/yaml/source-issue.js';

const HEAD = `version: "1"
clauses:
  BIG: { text: Big payments need a human. }
tools:
  - name: pay
    match: { method: POST, path: /pay }
rules:
  - id: big
    tools: [pay]
    params: { amount: { gt: 10 } }
    effect: approval_needed
    clause: BIG
    approval: { approvers: ["sso:a", "sso:b"], quorum: 1, ttl: 5m, mask: [card, recipient.iban] }
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

describe('policy: break_glass and approval.mask', () => {
  it('compiles break_glass with quorum 2, max_ttl 1h and request_ttl 15m by default', () => {
    const policy = parsePolicy(`${HEAD}break_glass: { approvers: ["sso:a", "sso:b", "sso:c"] }\n`, 'p.yaml');
    expect(policy.breakGlass).toEqual({ approvers: ['sso:a', 'sso:b', 'sso:c'], quorum: 2, maxTtlMs: 3_600_000, requestTtlMs: 900_000 });
  });

  it('compiles explicit break_glass values', () => {
    const policy = parsePolicy(`${HEAD}break_glass: { approvers: ["sso:a", "sso:b"], quorum: 1, max_ttl: 30m, request_ttl: 2m }\n`, 'p.yaml');
    expect(policy.breakGlass).toEqual({ approvers: ['sso:a', 'sso:b'], quorum: 1, maxTtlMs: 1_800_000, requestTtlMs: 120_000 });
  });

  it('has no break-glass without the section', () => {
    expect(parsePolicy(HEAD, 'p.yaml').breakGlass).toBeUndefined();
  });

  it('keeps approval.mask on the rule', () => {
    expect(parsePolicy(HEAD, 'p.yaml').rules[0]?.approval).toEqual({ approvers: ['sso:a', 'sso:b'], quorum: 1, ttlMs: 300_000, mask: ['card', 'recipient.iban'], requireReason: 'deny' });
  });

  it.each([
    ['a default quorum 2 with one approver', 'break_glass: { approvers: ["sso:a"] }', /break_glass\.approvers: quorum 2 exceeds the 1 approver/],
    ['a quorum above the approvers', 'break_glass: { approvers: ["sso:a", "sso:b"], quorum: 3 }', /break_glass\.quorum: quorum 3 exceeds the 2 approver/],
    ['a zero max_ttl', 'break_glass: { approvers: ["sso:a", "sso:b"], max_ttl: 0s }', /break_glass\.max_ttl: '0s' is not a positive duration/],
    ['a bad duration', 'break_glass: { approvers: ["sso:a", "sso:b"], max_ttl: soon }', /break_glass\.max_ttl/],
    ['an unknown key', 'break_glass: { approvers: ["sso:a", "sso:b"], who: me }', /break_glass.*who/],
    ['no approvers', 'break_glass: { quorum: 2 }', /break_glass.*approvers/],
    ['duplicate approvers', 'break_glass: { approvers: ["sso:a", "sso:a"] }', /break_glass\.approvers/],
  ])('refuses %s', (_name, section, message) => {
    const issues = issuesOf(`${HEAD}${section}\n`);
    expect(issues.join('\n')).toMatch(message);
  });

  it('refuses a mask that is not a list of names', () => {
    expect(issuesOf(HEAD.replace('mask: [card, recipient.iban]', 'mask: card')).join('\n')).toMatch(/approval\.mask/);
  });

  it('changes the policy_version when break_glass changes', () => {
    const a = parsePolicy(`${HEAD}break_glass: { approvers: ["sso:a", "sso:b"] }\n`, 'p.yaml');
    const b = parsePolicy(`${HEAD}break_glass: { approvers: ["sso:a", "sso:c"] }\n`, 'p.yaml');
    expect(a.policyVersion).not.toBe(b.policyVersion);
  });
});
