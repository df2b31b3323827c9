/**
 * Every example under examples/policies/ (a policy.yaml and its cases.yaml) passes `policy
 * test` — the same function the CLI runs — and the examples together exercise every kind of
 * outcome. The policy vectors (test/vectors/) run through the same case gate too, as a check
 * that the in-process pipeline agrees with the engine and the gRPC server on every vector.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '../../src/policy/load-policy.js';
import { createCaseGate, type CaseGate } from '../../src/policy-test/case-gate.js';
import { formatTestReport } from '../../src/policy-test/format-report.js';
import { loadCases } from '../../src/policy-test/load-cases.js';
import { passed, runCaseFile, type SuiteResult } from '../../src/policy-test/run-cases.js';
import { validatePolicyFiles } from '../../src/policy-test/validate-files.js';
import { loadVectorSuites } from '../vectors/vector-suites.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/policies/', import.meta.url));
const folders = readdirSync(EXAMPLES, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();

describe('examples/policies: every example passes policy test', () => {
  let gate: CaseGate;
  const results: SuiteResult[] = [];
  beforeAll(async () => {
    gate = await createCaseGate();
  });

  it('has the four workflows', () => {
    expect(folders).toEqual(expect.arrayContaining(['deploys', 'infra', 'payments', 'pii-mcp']));
  });

  it.each(folders)('%s', async (folder) => {
    const policyFile = join(EXAMPLES, folder, 'policy.yaml');
    expect((await validatePolicyFiles([policyFile]))[0]?.issues).toEqual([]);
    const suite = await runCaseFile(gate, await loadPolicy(policyFile), await loadCases(join(EXAMPLES, folder, 'cases.yaml')));
    results.push(suite);
    expect(suite.results.length).toBeGreaterThanOrEqual(8);
    expect(suite.results.every(passed), formatTestReport([suite], false).join('\n')).toBe(true);
  });

  it('together exercise allow, sanitize, deny, approval_needed, shadow would-block, override and break-glass', () => {
    const outcomes = results.flatMap((suite) => suite.results.map((r) => r.outcome));
    expect(new Set(outcomes.map((o) => o?.decision))).toEqual(new Set(['allow', 'sanitize', 'deny', 'approval_needed']));
    expect(outcomes.some((o) => o?.wouldBlock)).toBe(true);
    expect(new Set(outcomes.map((o) => o?.liftedBy).filter(Boolean))).toEqual(new Set(['override', 'break_glass']));
    const codes = new Set(outcomes.map((o) => o?.code));
    for (const code of ['SOD_DUTY_CONFLICT', 'CHAIN_REQUIRED', 'CHAIN_INVALID', 'POLICY_DENY', 'NO_RULE', 'NO_TOOL', 'MCP_BATCH', 'APPROVAL_REQUIRED']) expect(codes).toContain(code);
  });

  it('reports a case whose expectation is wrong (the runner can fail)', async () => {
    const policy = await loadPolicy(join(EXAMPLES, 'payments', 'policy.yaml'));
    const cases = await loadCases(join(EXAMPLES, 'payments', 'cases.yaml'));
    const flipped = cases.cases.slice(0, 3).map((c) => ({ ...c, expect: { ...c.expect, decision: c.expect.decision === 'allow' ? ('deny' as const) : ('allow' as const) } }));
    const suite = await runCaseFile(gate, policy, { file: cases.file, cases: flipped });
    expect(suite.results.map(passed)).toEqual([false, false, false]);
    expect(suite.results[0]?.problems[0]).toBe('decision: expected "deny", got "allow"');
  });
});

const VECTOR_SUITES = await loadVectorSuites();

describe('test/vectors through the policy test case gate', () => {
  // The vectors are cases in the product's format: `policy test` runs them as they are (its
  // engine judges the engine details and the engine_only cases).
  for (const suite of VECTOR_SUITES) {
    it(suite.name, async () => {
      const gate = await createCaseGate();
      const result = await runCaseFile(gate, await loadPolicy(suite.policyFile), suite.cases);
      expect(result.results.every(passed), formatTestReport([result], false).join('\n')).toBe(true);
      expect(result.results.length).toBeGreaterThan(3);
    });
  }
});
