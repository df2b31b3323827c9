import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load-config.js';
import { BASE, FILE, issuesOf } from './fixtures.js';

const issuersConfig = (entries: readonly string[], extra = '') =>
  ['identity:', '  issuers:', ...entries.map((entry) => `    - { ${entry} }`), ...(extra === '' ? [] : [`  ${extra}`]), 'policy: { file: policy.yaml }', ''].join('\n');
const CORP = 'issuer: https://corp.example, audience: dutygate, jwks_file: corp.json';
const PARTNER = 'issuer: https://partner.example, audience: dutygate, jwks_file: partner.json';

describe('config: identity.issuers[].name and identity.home_issuer (issuers are namespaces)', () => {
  it('names a sole unnamed issuer default and makes it home: its agents keep bare ids', () => {
    const { identity } = parseConfig(BASE, FILE, {});
    expect(identity.issuers[0]?.name).toBe('default');
    expect(identity.homeIssuer).toBe('default');
  });

  it('keeps the names of several issuers; home only when home_issuer says so', () => {
    const named = parseConfig(issuersConfig([`name: corp, ${CORP}`, `name: partner, ${PARTNER}`]), FILE, {});
    expect(named.identity.issuers.map((issuer) => issuer.name)).toEqual(['corp', 'partner']);
    expect(named.identity.homeIssuer).toBeUndefined();
    const home = parseConfig(issuersConfig([`name: corp, ${CORP}`, `name: partner, ${PARTNER}`], 'home_issuer: corp'), FILE, {});
    expect(home.identity.homeIssuer).toBe('corp');
  });

  it.each<[string, string, string]>([
    ['an unnamed issuer among several', issuersConfig([`name: corp, ${CORP}`, PARTNER]), `${FILE}:4:7: identity.issuers[1]: needs a name`],
    ['two issuers of one name', issuersConfig([`name: corp, ${CORP}`, `name: corp, ${PARTNER}`]), `${FILE}:4:15: identity.issuers[1].name: 'corp' is already the name of identity.issuers[0]`],
    ['a name with the separator', issuersConfig([`name: "a|b", ${CORP}`]), `${FILE}:3:15: identity.issuers[0].name: must be a lower-case name such as partner`],
    ['an upper-case name', issuersConfig([`name: Corp, ${CORP}`]), `${FILE}:3:15: identity.issuers[0].name: must be a lower-case name such as partner`],
    ['a home_issuer naming no issuer', issuersConfig([`name: corp, ${CORP}`, `name: partner, ${PARTNER}`], 'home_issuer: crop'), `${FILE}:5:16: identity.home_issuer: 'crop' names no agent issuer (one of: corp, partner)`],
    [
      'a name on an approver issuer',
      `${BASE}approvers: { issuers: [ { name: sso, issuer: https://sso.example, audience: approvals, jwks_file: s.json } ] }\n`,
      `${FILE}:8:27: approvers.issuers[0].name: applies to agent issuers only`,
    ],
  ])('refuses %s with its line', (_name, text, expected) => {
    const issues = issuesOf(text);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain(expected);
  });
});
