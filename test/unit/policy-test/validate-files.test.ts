import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withHint } from '../../../src/policy-test/issue-hints.js';
import { formatValidation, validatePolicyFiles, type FileValidation } from '../../../src/policy-test/validate-files.js';

const GOOD = 'version: "1"\ntools: [{ name: t, match: { path: /t } }]\nrules: [{ id: r, tools: [t], effect: allow }]\n';
const BAD = 'version: "1"\ntools: [{ name: t, match: { path: /t } }]\nrules:\n  - { id: r, tools: [nope], effect: alow }\n';

describe('policy validate', () => {
  let dir: string;
  let results: FileValidation[];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dutygate-validate-'));
    await writeFile(join(dir, 'good.yaml'), GOOD);
    await writeFile(join(dir, 'bad,1.yaml'), BAD);
    results = await validatePolicyFiles([join(dir, 'good.yaml'), join(dir, 'bad,1.yaml'), join(dir, 'missing.yaml')]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('validates every file on its own; every issue carries a hint', () => {
    expect(results.map((r) => r.issues.length)).toEqual([0, 1, 1]);
    expect(results[0]?.policyVersion).toMatch(/^1\+[0-9a-f]{12}$/);
    expect(results[1]?.issues[0]).toMatchObject({ line: 4, column: 37, key: 'rules[0].effect', hint: 'use one of the listed values exactly (case matters)' });
    expect(results[2]?.issues[0]).toMatchObject({ line: 1, column: 1, hint: 'check the path and that the file is readable' });
  });

  it('text: ok lines on stdout, file:line:column: key: message (hint) on stderr', () => {
    const { stdout, stderr } = formatValidation(results, 'text');
    expect(stdout).toEqual([`${join(dir, 'good.yaml')}: ok (policy_version ${results[0]?.policyVersion})`]);
    expect(stderr[0]).toBe(`${join(dir, 'bad,1.yaml')}:4:37: rules[0].effect: must be one of "allow", "deny", "approval_needed" (use one of the listed values exactly (case matters))`);
  });

  it('json: one document with every issue, for CI tooling', () => {
    const document = JSON.parse(formatValidation(results, 'json').stdout.join('\n')) as { ok: boolean; files: { ok: boolean; issues: { severity: string; line: number; hint: string }[] }[] };
    expect(document.ok).toBe(false);
    expect(document.files.map((f) => f.ok)).toEqual([true, false, false]);
    expect(document.files[1]?.issues[0]).toMatchObject({ severity: 'error', line: 4, column: 37, key: 'rules[0].effect', hint: 'use one of the listed values exactly (case matters)' });
  });

  it('github: workflow annotations with escaped properties', () => {
    const { stdout } = formatValidation(results, 'github');
    expect(stdout[1]).toBe(`::error file=${join(dir, 'bad%2C1.yaml')},line=4,col=37,title=dutygate policy::rules[0].effect: must be one of "allow", "deny", "approval_needed" (use one of the listed values exactly (case matters))`);
  });

  it.each([
    ["unknown tool 'nope'", 'rules[0].tools[0]', 'define it under tools: (name + match), or fix the spelling'],
    ['is required', 'rules[2].effect', 'add `effect:` here'],
    ['must be string', 'rules[0].approval.ttl', 'write a duration as a string, e.g. ttl: 15m'],
    ['must be number', 'rules[0].params.a.gt', 'write the number without quotes: numeric conditions never coerce strings'],
    ['Map keys must be unique', '', 'YAML syntax: check indentation (spaces, not tabs), quoting and duplicate keys'],
    ['something new', 'duties.payment.resource', 'see README "Policy reference" for `duties:`'],
  ])('hint for "%s" at %s', (message, key, hint) => {
    expect(withHint({ file: 'p.yaml', line: 1, column: 1, key, message }).hint).toBe(hint);
    expect(withHint({ file: 'p.yaml', line: 1, column: 1, key, message, hint: 'own' }).hint).toBe('own');
  });
});
