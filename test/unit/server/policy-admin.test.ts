import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/logger.js';
import { loadAdminAuth } from '../../../src/lib/admin-token.js';
import { startHttpServer, type HttpServer } from '../../../src/server/http-server.js';
import { createPolicyAdminRoutes } from '../../../src/server/policy-admin-routes.js';
import { createPolicySource, type PolicySource } from '../../../src/server/policy-source.js';

const TOKEN = 'admin-token-0123456789abcdef';
const policy = (version: string) => `version: "${version}"\ntools: [{ name: t, match: { path: /t } }]\nrules: [{ id: r, tools: [t], effect: allow }]\n`;

describe('admin token', () => {
  it.each([
    ['the token', `Bearer ${TOKEN}`, true],
    ['a lower-case scheme', `bearer ${TOKEN}`, true],
    ['trailing whitespace', `Bearer ${TOKEN}  `, true],
    ['no header', undefined, false],
    ['an empty bearer', 'Bearer ', false],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`, false],
    ['the token plus a character', `Bearer ${TOKEN}x`, false],
    ['another scheme', `Basic ${TOKEN}`, false],
    ['the bare token', TOKEN, false],
  ])('%s → %s', async (_name, header, ok) => {
    const auth = await loadAdminAuth({ token: TOKEN });
    expect(auth.verify(header)).toBe(ok);
  });

  it('reads a token file once, trimmed; refuses a short token', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dutygate-admin-'));
    try {
      await writeFile(join(dir, 'admin.token'), `${TOKEN}\n`);
      expect((await loadAdminAuth({ tokenFile: join(dir, 'admin.token') })).verify(`Bearer ${TOKEN}`)).toBe(true);
      await writeFile(join(dir, 'short.token'), 'short\n');
      await expect(loadAdminAuth({ tokenFile: join(dir, 'short.token') })).rejects.toThrow('is shorter than 16 characters');
      await expect(loadAdminAuth({ token: '' })).rejects.toThrow('shorter than 16');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('admin routes: GET /v1/policy/versions, POST /v1/policy/rollback', () => {
  let dir: string;
  let source: PolicySource;
  let on: HttpServer;
  let off: HttpServer;
  const call = async (server: HttpServer, method: string, path: string, options: { token?: string; body?: string } = {}) => {
    const response = await fetch(`http://127.0.0.1:${server.port}${path}`, {
      method,
      headers: options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown>, auth: response.headers.get('www-authenticate') };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dutygate-admin-routes-'));
    const file = join(dir, 'policy.yaml');
    await writeFile(file, policy('v1'));
    const log = createLogger('silent');
    source = await createPolicySource(file, { watch: false }, log);
    await writeFile(file, policy('v2'));
    await source.reload();
    on = await startHttpServer({ host: '127.0.0.1', port: 0, log, routes: createPolicyAdminRoutes({ policy: source, admin: await loadAdminAuth({ token: TOKEN }), log }) });
    off = await startHttpServer({ host: '127.0.0.1', port: 0, log, routes: createPolicyAdminRoutes({ policy: source, admin: undefined, log }) });
  });
  afterAll(async () => {
    await on.close();
    await off.close();
    source.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['GET', '/v1/policy/versions'],
    ['POST', '/v1/policy/rollback'],
  ])('%s %s: 403 ADMIN_DISABLED without admin config, 401 without the token', async (method, path) => {
    expect(await call(off, method, path, { token: TOKEN })).toMatchObject({ status: 403, body: { code: 'ADMIN_DISABLED' } });
    expect(await call(on, method, path)).toMatchObject({ status: 401, body: { code: 'ADMIN_UNAUTHORIZED' }, auth: 'Bearer realm="dutygate-admin"' });
    expect(await call(on, method, path, { token: 'wrong-token-0123456789' })).toMatchObject({ status: 401 });
    expect(source.current().version).toBe('v2');
  });

  it('lists versions, newest first, with the active one and counters', async () => {
    const { status, body } = await call(on, 'GET', '/v1/policy/versions', { token: TOKEN });
    expect(status).toBe(200);
    expect(body).toMatchObject({ policy_version: source.current().policyVersion, pinned: null, reload_error: null, stats: { loads: 2, reloads_refused: 0, rollbacks: 0, last_refused_at: null } });
    expect((body.versions as { version: string; active: boolean; origin: string }[]).map((v) => [v.version, v.active, v.origin])).toEqual([
      ['v2', true, 'reload'],
      ['v1', false, 'start'],
    ]);
  });

  it.each([
    ['not JSON', 'to=v1', 'body must be JSON: {"to": "<policy_version>"} or empty'],
    ['an array', '[]', 'body must be a JSON object'],
    ['an unknown field', '{"version":"v1"}', 'unknown field(s): version'],
    ['a non-string target', '{"to":1}', '"to" must be a policy_version string'],
    ['an oversized body', JSON.stringify({ to: 'x'.repeat(5_000) }), 'body larger than 4096 bytes'],
  ])('refuses a rollback body that is %s (400)', async (_name, body, message) => {
    expect(await call(on, 'POST', '/v1/policy/rollback', { token: TOKEN, body })).toEqual({ status: 400, body: { code: 'BAD_REQUEST', message }, auth: null });
  });

  it('rolls back (200, pinned), refuses when nothing older is kept (409), rolls forward by name', async () => {
    const [v2, v1] = source.versions().map((v) => v.policyVersion);
    expect(await call(on, 'POST', '/v1/policy/rollback', { token: TOKEN })).toMatchObject({ status: 200, body: { policy_version: v1, previous: v2, pinned: { policy_version: v1, file_version: v2 } } });
    expect(source.current().policyVersion).toBe(v1);
    expect(await call(on, 'POST', '/v1/policy/rollback', { token: TOKEN, body: '' })).toMatchObject({ status: 409, body: { code: 'ROLLBACK_UNAVAILABLE' } });
    expect(await call(on, 'POST', '/v1/policy/rollback', { token: TOKEN, body: JSON.stringify({ to: v2 }) })).toMatchObject({ status: 200, body: { policy_version: v2, pinned: null } });
    expect((await call(on, 'GET', '/v1/policy/versions', { token: TOKEN })).body).toMatchObject({ stats: { rollbacks: 2 } });
  });
});
