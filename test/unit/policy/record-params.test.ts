import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../src/policy/load-policy.js';
import { formatIssue, SourceError } from '../../../src/yaml/source-issue.js';

/** `tools[].record_params`: which params the audit record may carry raw (issue 5). */
const policy = (recordParams: string) => `version: "1"
tools:
  - name: pay
    match: { method: POST, path: "/pay/{id}" }
${recordParams}
rules:
  - { id: ok, tools: [pay], effect: allow }
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

describe('policy tools[].record_params', () => {
  it.each([
    ['absent: nothing recorded raw', '', undefined],
    ['named params', '    record_params: [id, amount]', ['id', 'amount']],
    ['every param', '    record_params: ["*"]', ['*']],
  ])('%s', (_name, line, expected) => {
    const tool = parsePolicy(policy(line), 'p.yaml').tools[0]!;
    expect(tool.recordParams).toEqual(expected);
  });

  it.each([
    ['a dotted path', '    record_params: [recipient.country]', "p.yaml:5:21: tools[0].record_params[0]: record_params names top-level params, not 'recipient.country' (record 'recipient')"],
    ['an empty list', '    record_params: []', 'p.yaml:5:20: tools[0].record_params: must NOT have fewer than 1 items'],
    ['a repeated name', '    record_params: [id, id]', 'p.yaml:5:20: tools[0].record_params: must NOT have duplicate items (items ## 1 and 0 are identical)'],
    ['a non-string', '    record_params: [{ a: 1 }]', 'p.yaml:5:21: tools[0].record_params[0]: must be string'],
  ])('refuses %s', (_name, line, message) => {
    expect(issuesOf(policy(line))).toEqual([message]);
  });

  it('changes the policy version (it changes what the audit record holds)', () => {
    const without = parsePolicy(policy(''), 'p.yaml').policyVersion;
    const withIt = parsePolicy(policy('    record_params: [id]'), 'p.yaml').policyVersion;
    expect(withIt).not.toBe(without);
  });
});
