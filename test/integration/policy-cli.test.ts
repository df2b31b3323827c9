/**
 * The built `dutygate policy …` commands as CI and an operator run them: validate (--json,
 * --format github), test (summary, --junit, exit codes), dry-run (--fail-on), shadow-report,
 * versions and rollback against a running gate. Needs `npm run build` first (`npm test` does it).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';
import { BASE, record } from '../unit/policy-replay/fixtures.js';

const EXAMPLES = new URL('../../examples/policies/', import.meta.url).pathname;
const ADMIN = 'cli-admin-token-0123456789';

const dutygate = (args: string[], env: Record<string, string> = {}) => runCli(args, { DUTYGATE_ADMIN_TOKEN: '', ...env });

describe('dutygate policy CLI', { timeout: 90_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dutygate-policy-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('validate --json: one document, exit 1, every issue with line, column and hint', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'version: "1"\nrules:\n  - { id: r, tools: [nope], effect: allow }\n');
    const result = await dutygate(['policy', 'validate', '--json', join(EXAMPLES, 'payments/policy.yaml'), bad]);
    expect(result.code).toBe(1);
    const document = JSON.parse(result.stdout) as { ok: boolean; files: { ok: boolean; issues: Record<string, unknown>[] }[] };
    expect(document.ok).toBe(false);
    expect(document.files.map((f) => f.ok)).toEqual([true, false]);
    expect(document.files[1]?.issues).toEqual([{ severity: 'error', file: bad, line: 3, column: 22, key: 'rules[0].tools[0]', message: "unknown tool 'nope'", hint: 'define it under tools: (name + match), or fix the spelling' }]);
    const github = await dutygate(['policy', 'validate', '--format', 'github', bad]);
    expect(github.stdout).toContain(`::error file=${bad},line=3,col=22,title=dutygate policy::rules[0].tools[0]: unknown tool 'nope'`);
  });

  // issue 12 item 4: a rule's issuers: must name a configured agent issuer, checked with its line.
  it('validate --config: a rule naming an unconfigured issuer is an issue at its line', async () => {
    const config = join(dir, 'two-issuers.yaml');
    await writeFile(
      config,
      [
        'identity:',
        '  issuers:',
        '    - { name: corp, issuer: https://corp.example, audience: dutygate, jwks_file: ./corp.json }',
        '    - { name: partner, issuer: https://partner.example, audience: dutygate, jwks_file: ./partner.json }',
        'policy: { file: ./policy.yaml }',
        '',
      ].join('\n'),
    );
    const policy = join(dir, 'issuers.yaml');
    await writeFile(policy, 'version: "1"\ntools:\n  - { name: pay, match: { path: /pay } }\nrules:\n  - { id: r, tools: [pay], issuers: [corp, partnr], effect: allow }\n');
    const checked = await dutygate(['policy', 'validate', '--config', config, policy]);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain(`${policy}:5:44: rules[0].issuers[1]: unknown issuer 'partnr' (did you mean 'partner'?)`);
    // Without the configuration only the form of a name can be checked.
    expect((await dutygate(['policy', 'validate', policy])).code).toBe(0);
  });

  it('test: a passing example folder exits 0 and writes JUnit', async () => {
    const junit = join(dir, 'reports', 'junit.xml');
    const result = await dutygate(['policy', 'test', join(EXAMPLES, 'payments'), '--junit', junit]);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^ok: 22 passed, 0 failed, 22 cases in 1 file\(s\) \(policy_version payments-2026-11-21\.1\+[0-9a-f]{12}\)$/m);
    expect(await readFile(junit, 'utf8')).toMatch(/<testsuites name="dutygate policy test" tests="22" failures="0" errors="0"/);
  });

  it('test: a failing case exits 1, names file:line and what the gate decided', async () => {
    const cases = join(dir, 'cases.yaml');
    await writeFile(cases, 'cases:\n  - name: wrong on purpose\n    agent: { id: marketing-bot }\n    request: { method: POST, host: payments.internal, path: /payments, body: { payment_id: pay_9, amount: 1, destination: acct_9f8e7d6c5b } }\n    expect: { decision: allow }\n');
    const junit = join(dir, 'failing.xml');
    const result = await dutygate(['policy', 'test', join(EXAMPLES, 'payments/policy.yaml'), cases, '--junit', junit]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`FAIL  ${cases}:2  wrong on purpose\n      decision: expected "allow", got "deny"\n      got: deny NO_RULE (tool payments.create, no rule, reason: no rule allows tool 'payments.create')`);
    expect(await readFile(junit, 'utf8')).toContain('failures="1"');
  });

  it('test: an invalid cases file exits 1 with file:line:column', async () => {
    const cases = join(dir, 'bad-cases.yaml');
    await writeFile(cases, 'cases:\n  - name: x\n    agent: { id: a }\n    request: { path: /x }\n    expect: { decison: allow }\n');
    const result = await dutygate(['policy', 'test', join(EXAMPLES, 'payments/policy.yaml'), cases]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${cases}:5:15: cases[0].expect.decison: unknown key 'decison' (did you mean 'decision'?)`);
  });

  it('dry-run: reports the change, and --fail-on turns it into exit 1', async () => {
    const candidate = join(dir, 'candidate.yaml');
    await writeFile(candidate, BASE.replace('amount: { max: 5000 }', 'amount: { max: 1000 }').replace('amount: { gt: 5000 }', 'amount: { gt: 1000 }'));
    const log = join(dir, 'decisions.jsonl');
    await writeFile(log, `${[record({ params: { payment_id: 'p1', amount: 3000 } }), record(), record({ agent_id: null, tool: null, decision: 'deny', code: 'TOKEN_EXPIRED', rule_id: null }), record({ params: { payment_id: 'p3' }, params_hashed: { amount: 'ab'.repeat(32) } })].map((r) => JSON.stringify(r)).join('\n')}\n`);
    const report = await dutygate(['policy', 'dry-run', '--policy', candidate, '--log', log]);
    expect(report.code).toBe(0);
    expect(report.stdout).toContain('  re-evaluated 2: 1 unchanged, 1 changed\n    allow → approval_needed (new approval): 1\n');
    expect(report.stdout).toContain('  not policy decisions (identity, replay, chain, state, override): 1');
    expect(report.stdout).toContain('  large: 1 (allow-to-approval 1)');
    expect(report.stdout).toMatch(/ {2}could not be re-evaluated: 1\n {4}1 × param\(s\) 'amount' recorded only as hashes; list them in record_params of tools entry 'payments.create' to dry-run them \(e\.g\. decision d-\d+\)\n/);
    const gated = await dutygate(['policy', 'dry-run', '--policy', candidate, '--log', log, '--fail-on', 'allow-to-deny,new-approval']);
    expect(gated.code).toBe(1);
    expect(gated.stderr).toContain('dry-run gate failed: allow-to-approval 1');
    const passing = await dutygate(['policy', 'dry-run', '--policy', candidate, '--log', log, '--fail-on', 'deny-to-allow', '--json']);
    expect(passing.code).toBe(0);
    expect(JSON.parse(passing.stdout)).toMatchObject({ failed: false, evaluated: 2, changed: { 'allow-to-approval': 1 } });
    expect((await dutygate(['policy', 'dry-run', '--policy', candidate, '--log', log, '--fail-on', 'everything'])).stderr).toContain("--fail-on: unknown kind 'everything'");
  });

  it('shadow-report --json over a window', async () => {
    const log = join(dir, 'shadow.jsonl');
    await writeFile(log, `${[record({ shadow: true, would_block: true, would_block_code: 'NO_RULE', rule_id: null }), record()].map((r) => JSON.stringify(r)).join('\n')}\n`);
    const result = await dutygate(['policy', 'shadow-report', '--log', log, '--since', '2026-11-21', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ decisions: 2, wouldBlock: 1, byRule: { '(default)': { wouldBlock: 1, codes: { NO_RULE: 1 } } } });
  });

  it('policy --help lists every subcommand', async () => {
    const result = await dutygate(['policy', '--help']);
    expect(result.code).toBe(0);
    for (const command of ['validate', 'test', 'dry-run', 'shadow-report', 'versions', 'rollback']) expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  describe('versions and rollback against a running gate', () => {
    let f: GateFixture;
    beforeAll(async () => {
      f = await startGateFixture(BASE, { configExtra: `admin: { token: ${ADMIN} }` });
      await writeFile(f.policyFile, BASE.replace('version: "v1"', 'version: "v2"'));
      await f.gate.policy.reload();
    });
    afterAll(async () => {
      await f.close();
    });

    it('refuses without a token, and with a wrong one', async () => {
      expect((await dutygate(['policy', 'versions', '--url', f.httpUrl])).stderr).toContain('no admin token: pass --token-file FILE or set DUTYGATE_ADMIN_TOKEN');
      const wrong = await dutygate(['policy', 'rollback', '--url', f.httpUrl], { DUTYGATE_ADMIN_TOKEN: 'wrong-token-0123456789' });
      expect(wrong.code).toBe(1);
      expect(JSON.parse(wrong.stdout)).toMatchObject({ status: 401, code: 'ADMIN_UNAUTHORIZED' });
      expect(f.gate.policy.current().version).toBe('v2');
    });

    it('lists versions, rolls back (token from a file), then refuses a second rollback', async () => {
      const listed = await dutygate(['policy', 'versions', '--url', f.httpUrl], { DUTYGATE_ADMIN_TOKEN: ADMIN });
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(new RegExp(`^${f.httpUrl}: policy_version v2\\+[0-9a-f]{12} in force\\n  loads 2, refused reloads 0, rollbacks 0\\n  \\* v2\\+[0-9a-f]{12}  loaded .* \\(reload\\)\\n    v1\\+[0-9a-f]{12}  loaded .* \\(start\\)\\n$`));
      const tokenFile = join(dir, 'admin.token');
      await writeFile(tokenFile, `${ADMIN}\n`);
      const rolled = await dutygate(['policy', 'rollback', '--url', f.httpUrl, '--token-file', tokenFile]);
      expect(rolled.code).toBe(0);
      expect(rolled.stdout).toMatch(/: policy_version v1\+[0-9a-f]{12} in force, was v2\+[0-9a-f]{12} \(pinned until the policy file changes\)\n$/);
      expect(f.gate.policy.current().version).toBe('v1');
      const again = await dutygate(['policy', 'rollback', '--url', f.httpUrl, '--token-file', tokenFile]);
      expect(again.code).toBe(1);
      expect(JSON.parse(again.stdout)).toMatchObject({ status: 409, code: 'ROLLBACK_UNAVAILABLE' });
    });
  });
});
