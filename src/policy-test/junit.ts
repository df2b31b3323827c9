import { describeOutcome } from './compare-outcome.js';
import { passed, type SuiteResult } from './run-cases.js';

/**
 * JUnit XML for CI test reports (the de-facto schema Jenkins, GitLab and GitHub reporters read):
 * one `<testsuite>` per cases file, one `<testcase>` per case; a mismatch is a `<failure>`, a
 * case that could not run an `<error>`.
 */
export function toJunitXml(suites: readonly SuiteResult[]): string {
  const count = (pick: (s: SuiteResult) => number) => suites.reduce((sum, s) => sum + pick(s), 0);
  const failures = (s: SuiteResult) => s.results.filter((r) => r.error === undefined && !passed(r)).length;
  const errors = (s: SuiteResult) => s.results.filter((r) => r.error !== undefined).length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="dutygate policy test" tests="${count((s) => s.results.length)}" failures="${count(failures)}" errors="${count(errors)}" time="${seconds(count((s) => s.durationMs))}">`,
  ];
  for (const suite of suites) {
    lines.push(
      `  <testsuite name="${attr(suite.casesFile)}" tests="${suite.results.length}" failures="${failures(suite)}" errors="${errors(suite)}" time="${seconds(suite.durationMs)}">`,
      `    <properties><property name="policy" value="${attr(suite.policyFile)}"/><property name="policy_version" value="${attr(suite.policyVersion)}"/></properties>`,
    );
    for (const result of suite.results) {
      const { testCase } = result;
      const open = `    <testcase classname="${attr(suite.casesFile)}" name="${attr(testCase.name)}" file="${attr(suite.casesFile)}" line="${testCase.line}" time="${seconds(result.durationMs)}"`;
      if (passed(result)) {
        lines.push(`${open}/>`);
      } else if (result.error !== undefined) {
        lines.push(`${open}>`, `      <error message="${attr(result.error)}">${text(result.error)}</error>`, '    </testcase>');
      } else {
        const body = [...result.problems, ...(result.outcome ? [`got: ${describeOutcome(result.outcome)}`] : [])].join('\n');
        lines.push(`${open}>`, `      <failure message="${attr(result.problems.join('; '))}" type="mismatch">${text(body)}</failure>`, '    </testcase>');
      }
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** XML 1.0 forbids most control characters even escaped; drop them. */
function clean(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');
}

function text(value: string): string {
  return clean(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;');
}
