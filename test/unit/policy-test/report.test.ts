import { describe, expect, it } from 'vitest';
import type { CheckOutcome } from '../../../src/check/outcome.js';
import { compareOutcome } from '../../../src/policy-test/compare-outcome.js';
import { formatTestReport } from '../../../src/policy-test/format-report.js';
import { toJunitXml } from '../../../src/policy-test/junit.js';
import type { CaseExpectation, PolicyCase } from '../../../src/policy-test/policy-case.js';
import type { SuiteResult } from '../../../src/policy-test/run-cases.js';

const SANITIZE: CheckOutcome = {
  decision: 'sanitize',
  code: 'OK',
  decisionId: 'd1',
  phase: 'policy',
  tool: 'payments.approve',
  ruleId: 'approve-and-release',
  changes: { setHeaders: { 'x-a': '1', 'x-b': '2' }, removeHeaders: ['x-debug', 'x-trace'], setQuery: {}, removeQuery: [] },
  shadow: false,
  wouldBlock: false,
};
const DENY: CheckOutcome = {
  decision: 'deny',
  code: 'SOD_DUTY_CONFLICT',
  decisionId: 'd2',
  phase: 'policy',
  tool: 'payments.approve',
  ruleId: 'approve-and-release',
  clause: { name: 'SOD_DUTY_CONFLICT', text: 't', source: 'policy.yaml#/clauses/SOD_DUTY_CONFLICT' },
  reason: "agent 'a' already performed step 'draft'",
  shadow: false,
  wouldBlock: false,
};

describe('compareOutcome', () => {
  it.each<[string, CheckOutcome, CaseExpectation, string[]]>([
    ['only the named fields are compared', DENY, { decision: 'deny' }, []],
    ['everything matches', DENY, { decision: 'deny', code: 'SOD_DUTY_CONFLICT', tool: 'payments.approve', rule: 'approve-and-release', clause: 'SOD_DUTY_CONFLICT', reason: 'already performed', shadow: false, wouldBlock: false }, []],
    ['decision and code differ', DENY, { decision: 'allow', code: 'OK' }, ['decision: expected "allow", got "deny"', 'code: expected "OK", got "SOD_DUTY_CONFLICT"']],
    ['null means must be absent', DENY, { decision: 'deny', clause: null, rule: null }, ['rule: expected none, got "approve-and-release"', 'clause: expected none, got "SOD_DUTY_CONFLICT"']],
    ['an absent value against an expected one', SANITIZE, { decision: 'sanitize', clause: 'X' }, ['clause: expected "X", got none']],
    ['reason is a substring match', DENY, { decision: 'deny', reason: 'not there' }, [`reason: expected it to contain "not there", got "agent 'a' already performed step 'draft'"`]],
    ['header maps and lists compare regardless of order', SANITIZE, { decision: 'sanitize', setHeaders: { 'x-b': '2', 'x-a': '1' }, removeHeaders: ['x-trace', 'x-debug'] }, []],
    ['a missing header change', SANITIZE, { decision: 'sanitize', setHeaders: { 'x-a': '1' } }, ['set_headers: expected {"x-a":"1"}, got {"x-a":"1","x-b":"2"}']],
    ['no changes at all is an empty map', DENY, { decision: 'deny', setHeaders: {}, removeQuery: [] }, []],
    ['shadow: the code that would have blocked', { ...SANITIZE, shadow: true, wouldBlock: true, wouldBlockCode: 'POLICY_DENY' }, { decision: 'sanitize', wouldBlock: true, shadowCode: 'NO_RULE' }, ['shadow_code: expected "NO_RULE", got "POLICY_DENY"']],
    ['lifted by an override, not break-glass', { ...SANITIZE, liftedBy: 'override' }, { decision: 'sanitize', liftedBy: 'break_glass' }, ['lifted_by: expected "break_glass", got "override"']],
    ['not lifted at all', SANITIZE, { decision: 'sanitize', liftedBy: null }, []],
  ])('%s', (_name, outcome, want, problems) => {
    expect(compareOutcome(outcome, want)).toEqual(problems);
  });
});

const testCase = (name: string, line: number): PolicyCase => ({
  name,
  line,
  agent: { id: 'a', ancestors: [] },
  request: { method: 'GET', host: 'h', path: '/', query: '', headers: {}, bodyTruncated: false },
  ledger: [],
  override: false,
  breakGlass: false,
  expect: { decision: 'deny' },
});

const SUITE: SuiteResult = {
  casesFile: 'cases/<a&b>.yaml',
  policyFile: 'policy.yaml',
  policyVersion: 'v1+0123456789ab',
  durationMs: 12.5,
  results: [
    { testCase: testCase('passes', 3), outcome: DENY, problems: [], durationMs: 2 },
    { testCase: testCase('fails "quoted"', 7), outcome: SANITIZE, problems: ['decision: expected "deny", got "sanitize"'], durationMs: 3 },
    { testCase: testCase('cannot run', 11), problems: [], error: 'override needs <approvals>', durationMs: 1 },
  ],
};

describe('reports', () => {
  it('prints failures with file:line, what differed and what the gate decided; passes only when verbose', () => {
    expect(formatTestReport([SUITE], false)).toEqual([
      'FAIL  cases/<a&b>.yaml:7  fails "quoted"',
      '      decision: expected "deny", got "sanitize"',
      '      got: sanitize OK (tool payments.approve, rule approve-and-release)',
      'FAIL  cases/<a&b>.yaml:11  cannot run',
      '      error: override needs <approvals>',
      'FAILED: 1 passed, 2 failed, 3 cases in 1 file(s) (policy_version v1+0123456789ab)',
    ]);
    expect(formatTestReport([SUITE], true)[0]).toBe('PASS  cases/<a&b>.yaml:3  passes');
  });

  it('writes escaped JUnit XML with counts, a failure and an error', () => {
    const xml = toJunitXml([SUITE]);
    expect(xml).toContain('<testsuites name="dutygate policy test" tests="3" failures="1" errors="1" time="0.013">');
    expect(xml).toContain('<testsuite name="cases/&lt;a&amp;b&gt;.yaml" tests="3" failures="1" errors="1" time="0.013">');
    expect(xml).toContain('<property name="policy_version" value="v1+0123456789ab"/>');
    expect(xml).toContain('<testcase classname="cases/&lt;a&amp;b&gt;.yaml" name="passes" file="cases/&lt;a&amp;b&gt;.yaml" line="3" time="0.002"/>');
    expect(xml).toContain('name="fails &quot;quoted&quot;"');
    expect(xml).toContain('<failure message="decision: expected &quot;deny&quot;, got &quot;sanitize&quot;" type="mismatch">decision: expected "deny", got "sanitize"\ngot: sanitize OK');
    expect(xml).toContain('<error message="override needs &lt;approvals&gt;">override needs &lt;approvals&gt;</error>');
    expect(xml.match(/<testcase /g)).toHaveLength(3);
  });
});
