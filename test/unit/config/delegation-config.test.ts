import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load-config.js';
import { FILE, issuesOf, withIssuer } from './fixtures.js';

const TWO_ISSUERS = (first: string, second: string) =>
  [
    'identity:',
    '  issuers:',
    `    - { name: a, issuer: https://a.example, audience: dutygate, jwks_file: a.json${first} }`,
    `    - { name: b, issuer: https://b.example, audience: dutygate, jwks_file: b.json${second} }`,
    'policy: { file: policy.yaml }',
    '',
  ].join('\n');

describe('config: identity.issuers[].delegation (RFC 8693 act claims or x-agent-chain)', () => {
  it('is absent by default (x-agent-chain) and maps act', () => {
    expect(parseConfig(withIssuer('jwks_file: k.json'), FILE, {}).identity.issuers[0]?.delegation).toBeUndefined();
    expect(parseConfig(withIssuer('jwks_file: k.json', 'delegation: act'), FILE, {}).identity.issuers[0]?.delegation).toBe('act');
  });

  it('accepts every agent issuer on act, or every one on chain', () => {
    expect(issuesOf(TWO_ISSUERS(', delegation: act', ', delegation: act'))).toEqual([]);
    expect(issuesOf(TWO_ISSUERS(', delegation: chain', ''))).toEqual([]);
  });

  it.each([
    ['act then an issuer without the key (chain)', TWO_ISSUERS(', delegation: act', ''), '4:7', 'identity.issuers[1]'],
    ['chain then act', TWO_ISSUERS(', delegation: chain', ', delegation: act'), '4:96', 'identity.issuers[1].delegation'],
  ])('refuses mixed forms: %s', (_name, text, position, key) => {
    const issues = issuesOf(text);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain(`${FILE}:${position}: ${key}: mixes delegation forms`);
    expect(issues[0]).toContain('set delegation: act on every agent issuer');
  });

  it('refuses delegation on an approver issuer', () => {
    const text = `${withIssuer('jwks_file: k.json')}approvers: { issuers: [ { issuer: https://sso.example, audience: approvals, jwks_file: s.json, delegation: act } ] }\n`;
    expect(issuesOf(text)).toEqual([expect.stringContaining('approvers.issuers[0].delegation: applies to agent issuers only')]);
  });

  it('refuses an unknown form', () => {
    expect(issuesOf(withIssuer('jwks_file: k.json', 'delegation: nested'))[0]).toContain('identity.issuers[0].delegation: must be one of "chain", "act"');
  });
});
