/**
 * Operating the gate: health and readiness, and policy hot reload — a good edit takes effect,
 * an invalid edit is refused while the last good policy keeps serving.
 */
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealthClient } from '../helpers/envoy-health-client.js';
import { eventually } from '../helpers/eventually.js';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';

const policy = (defaultEffect: 'deny' | 'allow', version: string) => `
version: "${version}"
default: ${defaultEffect}
tools:
  - name: wiki.read
    match: { method: GET, path: /wiki }
rules:
  - id: read-wiki
    tools: [wiki.read]
    effect: allow
`;

const ADMIN = 'admin-token-for-the-reload-test-0123';

describe('operations: health, readiness, hot reload', () => {
  let f: GateFixture;
  const readyz = async (token: string | null = ADMIN) => {
    const response = await fetch(`http://127.0.0.1:${f.gate.httpPort}/readyz`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    f = await startGateFixture(policy('deny', 'v1'), { watch: true, configExtra: `admin: { token: ${ADMIN} }` });
  });
  afterAll(async () => {
    await f.close();
  });

  it('reports SERVING over gRPC health and ready over HTTP', async () => {
    const health = createHealthClient(`127.0.0.1:${f.gate.grpcPort}`);
    try {
      expect(await health.check('')).toBe('SERVING');
      expect(await health.check('envoy.service.auth.v3.Authorization')).toBe('SERVING');
    } finally {
      health.close();
    }
    expect((await fetch(`http://127.0.0.1:${f.gate.httpPort}/healthz`)).status).toBe(200);
    const ready = await readyz();
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', state: { driver: 'memory', ok: true } });
    expect(ready.body.policy_version).toMatch(/^v1\+[0-9a-f]{12}$/);
  });

  // issue 19 item 9: /readyz is unauthenticated, and it showed reload errors (absolute paths,
  // Redis error text) to anyone.
  it('answers the status alone without the admin token, and details only with it', async () => {
    await writeFile(f.policyFile, 'version: "v1"\nrules: [ { id: x, tools: [nope], effect: allow } ]\n');
    try {
      await eventually(() => readyz(), (r) => r.body.policy_reload_error !== undefined);
      for (const token of [null, 'wrong-token-of-enough-length-0000']) {
        const anonymous = await readyz(token);
        expect(anonymous).toEqual({ status: 200, body: { status: 'ready' } });
      }
      expect(JSON.stringify((await readyz()).body)).toContain(f.policyFile);
    } finally {
      await writeFile(f.policyFile, policy('deny', 'v1'));
      await eventually(() => readyz(), (r) => r.body.policy_reload_error === undefined);
    }
  });

  it('answers 404 JSON for unknown HTTP routes', async () => {
    const response = await fetch(`http://127.0.0.1:${f.gate.httpPort}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses an invalid edit and keeps serving the last good policy', async () => {
    const before = f.gate.policy.current().policyVersion;
    await writeFile(f.policyFile, 'version: "v2"\ndefault: maybe\n');
    const ready = await eventually(readyz, (r) => r.body.policy_reload_error !== undefined);
    expect(String(ready.body.policy_reload_error)).toMatch(/policy\.yaml:2:10: default: must be one of/);
    expect(f.gate.policy.current().policyVersion).toBe(before);
    const r = await f.check({ method: 'GET', host: 'x', path: '/elsewhere', token: await f.mint('agent-1') });
    expect(r.body).toMatchObject({ code: 'NO_TOOL', policy_version: before });
  });

  it('applies a good edit without a restart', async () => {
    await writeFile(f.policyFile, policy('allow', 'v3'));
    await eventually(() => f.gate.policy.current().policyVersion, (v) => v.startsWith('v3+'));
    expect(f.gate.policy.current().policyVersion).toMatch(/^v3\+/);
    const r = await f.check({ method: 'GET', host: 'x', path: '/elsewhere', token: await f.mint('agent-2') });
    expect(r.grpcCode).toBe(0);
    expect(r.metadata.policy_version).toBe(f.gate.policy.current().policyVersion);
    expect((await readyz()).body.policy_reload_error).toBeUndefined();
  });
});
