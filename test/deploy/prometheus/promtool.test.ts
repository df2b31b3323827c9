/**
 * deploy/prometheus/dutygate.rules.yaml as Prometheus itself reads it: `promtool check rules`
 * and `promtool test rules` (the unit tests in dutygate.rules.test.yaml), plus what promtool
 * does not check: every alert has a test that fires it and one that leaves it quiet, and a
 * runbook paragraph in the README.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { requireBinary, run } from '../../helpers/promtool.js';

const DIR = resolve('deploy/prometheus');
const RULES = join(DIR, 'dutygate.rules.yaml');
const TESTS = join(DIR, 'dutygate.rules.test.yaml');

interface RuleFile {
  groups: { name: string; rules: { alert?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[];
}
interface TestFile {
  rule_files: string[];
  tests: { name: string; alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
}

/** The alert names of the rules file. */
export async function alertNames(): Promise<string[]> {
  const rules = parse(await readFile(RULES, 'utf8')) as RuleFile;
  return rules.groups.flatMap((group) => group.rules.flatMap((rule) => (rule.alert ? [rule.alert] : [])));
}

describe('alert rules, checked and unit-tested by promtool', () => {
  let promtool: string;
  let scratch: string;
  beforeAll(async () => {
    promtool = requireBinary('promtool');
    scratch = await mkdtemp(join(tmpdir(), 'dutygate-rules-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('promtool check rules accepts the rules file', async () => {
    const result = await run(promtool, ['check', 'rules', RULES]);
    expect(result.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(result.code).toBe(0);
  });

  it('promtool test rules passes every unit test', async () => {
    const result = await run(promtool, ['test', 'rules', TESTS]);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('every alert has a test that fires it and a test that leaves it quiet', async () => {
    const tests = parse(await readFile(TESTS, 'utf8')) as TestFile;
    expect(tests.rule_files).toEqual(['dutygate.rules.yaml']);
    const cases = tests.tests.flatMap((test) => test.alert_rule_test ?? []);
    const names = await alertNames();
    expect(names.length).toBeGreaterThanOrEqual(9);
    for (const name of names) {
      const mine = cases.filter((c) => c.alertname === name);
      expect(mine.some((c) => c.exp_alerts.length > 0), `${name}: a test where it fires`).toBe(true);
      expect(mine.some((c) => c.exp_alerts.length === 0), `${name}: a test where it stays quiet`).toBe(true);
    }
  });

  it('every alert has a severity, a summary and a runbook paragraph under its name in the README', async () => {
    const rules = parse(await readFile(RULES, 'utf8')) as RuleFile;
    const readme = await readFile('README.md', 'utf8');
    for (const rule of rules.groups.flatMap((group) => group.rules)) {
      if (!rule.alert) continue;
      expect(['critical', 'warning']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.runbook_url).toBe(`README.md#${rule.alert.toLowerCase()}`);
      expect(readme, `README runbook for ${rule.alert}`).toMatch(new RegExp(`^#### ${rule.alert}\\n\\n\\S`, 'm'));
    }
  });

  it('the checks can fail: a rule with a PromQL error and a test expecting a wrong alert are refused', async () => {
    const broken = (await readFile(RULES, 'utf8')).replace('expr: dutygate_state_store_up == 0', 'expr: dutygate_state_store_up == = 0');
    await writeFile(join(scratch, 'dutygate.rules.yaml'), broken);
    const check = await run(promtool, ['check', 'rules', join(scratch, 'dutygate.rules.yaml')]);
    expect(check.code).not.toBe(0);
    expect(check.output).toMatch(/parse error/);

    await writeFile(join(scratch, 'dutygate.rules.yaml'), await readFile(RULES, 'utf8'));
    // The quiet case of the state store alert, expected to fire: promtool must report it.
    const tests = (await readFile(TESTS, 'utf8')).replace("values: 1 1 0 1x10", "values: 1 1 1x10");
    const wrong = tests.replace(/(- name: 'DutygateStateStoreUnavailable fires[\s\S]*?values: )1 1 0x10/, '$11x12');
    await writeFile(join(scratch, 'dutygate.rules.test.yaml'), wrong);
    const test = await run(promtool, ['test', 'rules', join(scratch, 'dutygate.rules.test.yaml')]);
    expect(test.code).not.toBe(0);
    expect(test.output).toMatch(/FAILED/);
  });
});
