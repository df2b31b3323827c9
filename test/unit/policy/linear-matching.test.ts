/**
 * Issue 13, item 3: matching is linear. A glob like `mcp:*_*_*_admin` compiled to a backtracking
 * regex blocked the event loop for seconds on a long name; policy regexes that can backtrack
 * super-linearly are refused with their line.
 */
import { describe, expect, it } from 'vitest';
import { compileGlob } from '../../../src/policy/glob.js';
import { parsePolicy } from '../../../src/policy/load-policy.js';

describe('globs match in linear time', () => {
  it('`mcp:*_*_*_admin` against a long run of underscores answers at once', () => {
    const glob = compileGlob('mcp:*_*_*_admin');
    const started = performance.now();
    expect(glob.test(`mcp:${'_'.repeat(1_000)}`)).toBe(false);
    expect(glob.test(`mcp:${'_'.repeat(50_000)}x_admin`)).toBe(true);
    // Backtracking took ~1.7 s for the 1 000-character name alone (cubic); linear is microseconds.
    expect(performance.now() - started).toBeLessThan(200);
  });

  it.each<[string, string, boolean]>([
    ['mcp:read_*', 'mcp:read_file', true],
    ['mcp:read_*', 'mcp:read_', true],
    ['mcp:read_*', 'mcp:rea', false],
    ['*', '', true],
    ['a*', 'a', true],
    ['*a', 'ba', true],
    ['*a', 'ab', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'acb', false],
    ['a*a', 'a', false],
    ['a*a', 'aa', true],
    ['ab*ba', 'aba', false],
    ['*_*_*_admin', 'a_b_c_admin', true],
    ['*_*_*_admin', '___admin', true],
    ['*_*_*_admin', '__admin', false],
    ['finance-*', 'finance-a', true],
    ['finance-*', 'FINANCE-a', false],
    ['*x*', 'abxcd', true],
    ['a.b*', 'aXb', false],
    ['\u00e9*', '\u00e9t\u00e9', true],
  ])('%s vs %j → %s (same answer as the regex semantics)', (glob, value, want) => {
    expect(compileGlob(glob).test(value)).toBe(want);
  });
});

describe('policy regexes that backtrack super-linearly are refused', () => {
  const policy = (regex: string) => `version: "1"
tools:
  - { name: pay, match: { method: POST, path: /pay } }
rules:
  - id: r
    tools: [pay]
    params:
      a: { regex: ${JSON.stringify(regex)} }
    effect: allow
`;

  it.each(['^(a+)+$', '^(a|a)*b$', '^\\d+\\d+x$', '(x+x+)+y', '^([a-z]+)*@'])('%s → refused with its line', (regex) => {
    expect(() => parsePolicy(policy(regex), 'p.yaml')).toThrow(/p\.yaml:8:\d+: rules\[0\]\.params\.a\.regex: .*super-linear/);
  });

  it.each(['^acct_[A-Za-z0-9]{8,}$', '^[0-9]{4,}$', '[Pp]assword', '^acme/[a-z0-9-]+$', '^repo://'])('%s is accepted', (regex) => {
    expect(() => parsePolicy(policy(regex), 'p.yaml')).not.toThrow();
  });
});
