import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load-config.js';
import { BASE, FILE, issuesOf } from './fixtures.js';

const at = (position: string, rest: string): string => `${FILE}:${position}: ${rest}`;
const TOKEN = 'a-long-enough-admin-token';

describe('config: policy.keep_versions and admin', () => {
  it('defaults: keep 10 versions, no admin', () => {
    const config = parseConfig(BASE, FILE, {});
    expect(config.policy.keepVersions).toBe(10);
    expect(config.admin).toBeUndefined();
  });

  it.each([
    ['keep_versions', BASE.replace('  file: policy.yaml\n', '  file: policy.yaml\n  keep_versions: 3\n'), { keepVersions: 3 }],
    ['admin token from the environment', `${BASE}admin: { token: "\${ADMIN}" }\n`, { admin: { token: TOKEN } }],
    ['admin token file, relative to the config', `${BASE}admin: { token_file: ./keys/admin.token }\n`, { admin: { tokenFile: '/etc/dutygate/keys/admin.token' } }],
  ])('maps %s', (_name, text, want) => {
    const config = parseConfig(text, FILE, { ADMIN: TOKEN });
    if ('keepVersions' in want) expect(config.policy.keepVersions).toBe(want.keepVersions);
    if ('admin' in want) expect(config.admin).toEqual(want.admin);
  });

  it.each<[string, string, string[]]>([
    ['keep_versions of 0', BASE.replace('  file: policy.yaml\n', '  file: policy.yaml\n  keep_versions: 0\n'), [at('8:18', 'policy.keep_versions: must be >= 1')]],
    ['keep_versions as a string', BASE.replace('  file: policy.yaml\n', '  file: policy.yaml\n  keep_versions: "5"\n'), [at('8:18', 'policy.keep_versions: must be integer')]],
    ['admin without a token', `${BASE}admin: {}\n`, [at('8:8', 'admin: admin needs token_file (or token) (e.g. admin: { token_file: ./keys/admin.token })')]],
    ['admin with both', `${BASE}admin: { token: ${TOKEN}, token_file: t }\n`, [at('8:44', 'admin.token_file: set either token or token_file, not both')]],
    ['a short admin token', `${BASE}admin: { token: short }\n`, [at('8:17', 'admin.token: must be at least 16 characters (e.g. openssl rand -hex 32)')]],
    ['an unknown admin key', `${BASE}admin: { tokn: x }\n`, [at('8:8', 'admin: admin needs token_file (or token) (e.g. admin: { token_file: ./keys/admin.token })'), at('8:10', "admin.tokn: unknown key 'tokn' (did you mean 'token'?)")]],
  ])('refuses %s', (_name, text, issues) => {
    expect(issuesOf(text)).toEqual(issues);
  });
});

describe('config: authzen', () => {
  it('is off by default', () => {
    expect(parseConfig(BASE, FILE, {}).authzen).toBeUndefined();
  });

  it.each([
    ['a token from the environment', `${BASE}authzen: { token: "\${PEP}" }\n`, { token: TOKEN, maxEvaluations: 16 }],
    ['a token file, relative to the config, and the PDP identifier', `${BASE}authzen: { token_file: ./keys/pep.token, pdp_url: "https://pdp.example/", max_evaluations: 4 }\n`, { tokenFile: '/etc/dutygate/keys/pep.token', pdpUrl: 'https://pdp.example', maxEvaluations: 4 }],
  ])('maps %s', (_name, text, want) => {
    expect(parseConfig(text, FILE, { PEP: TOKEN }).authzen).toEqual(want);
  });

  it.each<[string, string, string[]]>([
    ['no token', `${BASE}authzen: {}\n`, [at('8:10', 'authzen: authzen needs token_file (or token) (e.g. authzen: { token_file: ./keys/pep.token })')]],
    ['both', `${BASE}authzen: { token: ${TOKEN}, token_file: t }\n`, [at('8:46', 'authzen.token_file: set either token or token_file, not both')]],
    ['a short token', `${BASE}authzen: { token: short }\n`, [at('8:19', 'authzen.token: must be at least 16 characters (e.g. openssl rand -hex 32)')]],
    ['too many evaluations', `${BASE}authzen: { token: ${TOKEN}, max_evaluations: 1000 }\n`, [at('8:63', 'authzen.max_evaluations: must be <= 256')]],
  ])('refuses %s', (_name, text, issues) => {
    expect(issuesOf(text)).toEqual(issues);
  });
});
