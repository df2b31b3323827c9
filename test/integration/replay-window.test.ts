/**
 * Issue 12 item 7 through the real gate: a spent jti stays claimed as long as the token still
 * verifies. jose compares token times in whole seconds, so a fractional `exp` (or a sub-second
 * clock skew) used to leave a window after the claim lapsed in which the same token verified
 * again and was allowed a second time. Red on main at 179aeca.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';

const POLICY = `version: "replay-window"
default: deny
tools:
  - { name: ping, match: { method: GET, path: /ping } }
rules:
  - { id: ping, tools: [ping], effect: allow }
`;

describe('no replay window from whole-second token times (issue 12 item 7)', () => {
  let f: GateFixture;
  let offsetMs = 0;

  beforeAll(async () => {
    f = await startGateFixture(POLICY, { now: () => Date.now() + offsetMs });
  });
  afterAll(async () => {
    await f.close();
  });

  it('a token whose exp is fractional is REPLAY at every instant it still verifies (default 5s skew)', async () => {
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + 30.5;
    const token = await f.mint('agent-1', { now: new Date(iat * 1000), extra: { exp } });
    offsetMs = 0;
    expect((await f.check({ method: 'GET', path: '/ping', token })).grpcCode).toBe(0);
    // jose accepts while floor(now) - 5 < exp, i.e. until iat + 36 s; the old claim lapsed at iat + 35.5 s.
    for (const at of [35.2, 35.7, 35.9]) {
      offsetMs = (iat + at) * 1000 - Date.now();
      const again = await f.check({ method: 'GET', path: '/ping', token });
      expect([at, again.httpStatus, again.body?.code]).toEqual([at, 401, 'REPLAY']);
    }
    offsetMs = (iat + 36.2) * 1000 - Date.now();
    expect((await f.check({ method: 'GET', path: '/ping', token })).body?.code).toBe('TOKEN_EXPIRED');
  });
});

describe('identity.clock_skew must be whole seconds', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dutygate-skew-'));
    await writeFile(join(dir, 'jwks.json'), '{"keys":[]}');
    await writeFile(join(dir, 'policy.yaml'), POLICY);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses 500ms with its line and the rounded-up value to use', async () => {
    const file = join(dir, 'dutygate.yaml');
    await writeFile(file, 'identity:\n  issuers:\n    - { issuer: "https://t", audience: d, jwks_file: ./jwks.json }\n  clock_skew: 500ms\npolicy: { file: ./policy.yaml }\n');
    await expect(loadConfig(file, {})).rejects.toThrow(/dutygate\.yaml:4:15: identity\.clock_skew: must be whole seconds \(token times are compared in seconds\); use 1s/);
  });
});
