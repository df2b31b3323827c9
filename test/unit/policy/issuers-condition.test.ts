/**
 * The rule condition `issuers:` (docs/design.md §2 and §4, issue 12 item 4): a rule matches only
 * agents verified by one of the named issuers; an unknown issuer fails an allow rule and holds
 * for a deny rule; names are validated with their line, against the configuration when known.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../src/policy/evaluate.js';
import { parsePolicy } from '../../../src/policy/load-policy.js';
import { formatIssue, SourceError } from '../../../src/yaml/source-issue.js';
import { callOf, policyOf } from './fixtures.js';

const HEAD = `version: "1"
clauses: { NO_PARTNER: { text: Partner agents do not pay. } }
tools:
  - { name: pay, match: { path: /pay } }
rules:
`;
const ALLOW_CORP = `${HEAD}  - { id: corp-pays, tools: [pay], issuers: [corp], effect: allow }\n`;
const DENY_PARTNER = `${HEAD}  - { id: base, tools: [pay], effect: allow }\n  - { id: no-partner, tools: [pay], issuers: [partner, other], effect: deny, clause: NO_PARTNER }\n`;

function issuesOf(text: string, issuers?: readonly string[]): string[] {
  try {
    parsePolicy(text, 'p.yaml', issuers === undefined ? {} : { issuers });
    return [];
  } catch (error) {
    if (!(error instanceof SourceError)) throw error;
    return error.issues.map(formatIssue);
  }
}

describe('rules: issuers condition', () => {
  it.each([
    ['allow-corp', 'corp', 'allow'],
    ['allow-corp', 'partner', 'deny'],
    ['allow-corp', undefined, 'deny'],
    ['deny-partner', 'partner', 'deny'],
    ['deny-partner', 'other', 'deny'],
    ['deny-partner', 'corp', 'allow'],
    ['deny-partner', undefined, 'deny'],
  ] as const)('%s: an agent of issuer %s → %s', (policy, issuer, kind) => {
    const text = policy === 'allow-corp' ? ALLOW_CORP : DENY_PARTNER;
    const decision = evaluate(policyOf(text), callOf('pay', {}, issuer === undefined ? {} : { issuer }));
    expect(decision.kind).toBe(kind);
  });

  it('says why an agent of unknown issuer met a deny rule', () => {
    const decision = evaluate(policyOf(DENY_PARTNER), callOf('pay'));
    expect(decision).toMatchObject({ code: 'POLICY_DENY', ruleId: 'no-partner' });
    expect(decision.reason).toBe("the calling agent's issuer is not known, so its issuers condition cannot be judged; rule 'no-partner' applies");
  });

  it('accepts configured names, and any well-formed name without a configuration', () => {
    expect(issuesOf(DENY_PARTNER, ['corp', 'partner', 'other'])).toEqual([]);
    expect(issuesOf(DENY_PARTNER)).toEqual([]);
  });

  it.each([
    ['an unconfigured name', DENY_PARTNER, ['corp', 'partner'], "p.yaml:7:56: rules[1].issuers[1]: unknown issuer 'other' (configured issuers: corp, partner)"],
    ['a misspelt name', ALLOW_CORP.replace('[corp]', '[crop]'), ['corp', 'partner'], "p.yaml:6:46: rules[0].issuers[0]: unknown issuer 'crop' (did you mean 'corp'?)"],
    ['a malformed name', ALLOW_CORP.replace('[corp]', '["Corp|x"]'), undefined, "p.yaml:6:46: rules[0].issuers[0]: 'Corp|x' is not an issuer name (the name of an identity.issuers entry: a-z first, then a-z, 0-9, _ or -)"],
  ])('refuses %s with its line', (_name, text, issuers, expected) => {
    expect(issuesOf(text, issuers)).toEqual([expected]);
  });
});
