/**
 * `policy test` with several issuers (docs/design.md §2, issue 12 item 4): a case's
 * `agent.issuer` mints its token from that issuer, so rules' `issuers:` and the principals
 * (`partner|finance-a`) are exercised through the same Check pipeline as the gate.
 */
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../src/policy/load-policy.js';
import { createCaseGate } from '../../../src/policy-test/case-gate.js';
import { parseCases } from '../../../src/policy-test/load-cases.js';
import { passed, runCaseFile } from '../../../src/policy-test/run-cases.js';

const POLICY = `version: "1"
clauses: { CORP: { text: Only first-party agents release. } }
tools:
  - { name: release, match: { path: /release } }
  - { name: refund, match: { path: /refund } }
rules:
  - { id: corp-releases, tools: [release], issuers: [corp], effect: allow }
  - { id: partner-never, tools: [release], issuers: [partner], effect: deny, clause: CORP }
  - { id: finance-refunds, tools: [refund], agents: ["finance-*"], effect: allow }
`;
const CASES = `cases:
  - name: home agent releases
    agent: { id: finance-a }
    request: { path: /release }
    expect: { decision: allow, rule: corp-releases }
  - name: partner agent of the same id may not
    agent: { id: finance-a, issuer: partner }
    request: { path: /release }
    expect: { decision: deny, code: POLICY_DENY, rule: partner-never }
  - name: rules for the first party's finance-* do not match the partner's
    agent: { id: finance-a, issuer: partner }
    request: { path: /refund }
    expect: { decision: deny, code: NO_RULE }
`;

describe('policy test: agent.issuer', () => {
  it('runs each case as an agent of its issuer, as the configured gate would see it', async () => {
    const policy = parsePolicy(POLICY, 'policy.yaml', { issuers: ['corp', 'partner'] });
    const gate = await createCaseGate({ issuers: ['corp', 'partner'], homeIssuer: 'corp' });
    const suite = await runCaseFile(gate, policy, parseCases(CASES, 'cases.yaml'));
    expect(suite.results.map((result) => [result.testCase.name, passed(result), result.error, result.problems])).toEqual([
      ['home agent releases', true, undefined, []],
      ['partner agent of the same id may not', true, undefined, []],
      ["rules for the first party's finance-* do not match the partner's", true, undefined, []],
    ]);
    expect(suite.results[1]?.outcome?.agentId).toBe('partner|finance-a');
  });

  it('cannot run a case naming an issuer the configuration does not have', async () => {
    const gate = await createCaseGate({ issuers: ['corp'], homeIssuer: 'corp' });
    const suite = await runCaseFile(gate, parsePolicy(POLICY, 'policy.yaml'), parseCases(CASES.replaceAll('issuer: partner', 'issuer: parnter'), 'cases.yaml'));
    expect(suite.results[1]?.error).toBe("agent.issuer 'parnter' is not a configured issuer (corp)");
  });

  it('without a configuration, the home issuer is default and a named issuer is added', async () => {
    const gate = await createCaseGate();
    const policy = parsePolicy(POLICY.replace('issuers: [corp]', 'issuers: [default]'), 'policy.yaml');
    const suite = await runCaseFile(gate, policy, parseCases(CASES, 'cases.yaml'));
    expect(suite.results.every(passed)).toBe(true);
  });
});
