/**
 * The built `dutygate` command as a user runs it: keys, tokens, serve (one ready line, SIGTERM
 * exits 0), check (exit 0 allow / 2 deny), policy validate (exit 1 with file:line:column).
 * Needs `npm run build` first (`npm test` does it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { CLI_PATH, runCli } from '../helpers/run-cli.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';



const dutygate = (...args: string[]) => runCli(args);

// Each test starts the built CLI up to seven times (a Node start each, ~0.5 s idle, several
// seconds on a loaded 2-core runner while other test files run): 20 s per test was too tight.
describe('dutygate CLI', { timeout: 60_000 }, () => {
  let dir: string;
  let server: ChildProcess;
  let address: string;
  let mint: (...args: string[]) => Promise<string>;
  const lines: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dutygate-cli-'));
    expect((await dutygate('keys', 'generate', '--out', join(dir, 'keys'), '--name', 'agents')).code).toBe(0);
    await copyFile(new URL('../../examples/dev/policy.yaml', import.meta.url), join(dir, 'policy.yaml'));
    const config = (await readFile(new URL('../../examples/dev/dutygate.yaml', import.meta.url), 'utf8'))
      .replace('port: 9191', 'port: 0')
      .replace('port: 8181', 'port: 0')
      .replace(/approvers:\n(.*\n){4}/, '')
      .replace(/overrides:.*\n/, '');
    await writeFile(join(dir, 'dutygate.yaml'), config);
    mint = async (...args) => {
      const result = await dutygate('token', 'mint', '--key', join(dir, 'keys/agents.private.jwk.json'), '--iss', 'https://tokens.dev.local', '--aud', 'dutygate', ...args);
      expect(result.code).toBe(0);
      return result.stdout.trim();
    };
    server = spawn(process.execPath, [CLI_PATH, 'serve', '--config', join(dir, 'dutygate.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`gate did not start: ${lines.join('\n')}`)), 15_000);
      server.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        lines.push(...chunk.split('\n').filter(Boolean));
        const ready = lines.map((l) => JSON.parse(l) as { msg: string; grpc?: string }).find((l) => l.msg.startsWith('dutygate listening'));
        if (ready?.grpc) {
          clearTimeout(timer);
          resolve(ready.grpc);
        }
      });
    });
  });

  afterAll(async () => {
    if (server.exitCode === null) server.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('serve prints exactly one ready line naming both listeners', () => {
    const ready = lines.filter((l) => l.includes('dutygate listening'));
    expect(ready).toHaveLength(1);
    expect(ready[0]).toMatch(/grpc 127\.0\.0\.1:\d+, http 127\.0\.0\.1:\d+/);
  });

  it('check: allow exits 0, the replay exits 2 with REPLAY', async () => {
    const planner = await mint('--agent-id', 'planner', '--initiator', 'sso:carol', '--delegate-to', 'finance-a');
    const finance = await mint('--agent-id', 'finance-a', '--initiator', 'sso:carol', '--parent-link', planner);
    const args = ['check', '--addr', address, '-X', 'POST', '-u', 'http://payments.internal/payments', '-t', finance, '--chain', planner, '-d', '{"payment_id":"pay_1","amount":120,"destination":"acct_9f8e7d6c5b"}'];
    const allowed = await dutygate(...args);
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ allowed: true, headers: { 'x-agent-id': 'finance-a', 'x-parent-agent-id': 'planner' }, metadata: { decision: 'allow' } });
    const replay = await dutygate(...args);
    expect(replay.code).toBe(2);
    expect(JSON.parse(replay.stdout)).toMatchObject({ allowed: false, httpStatus: 401, body: { code: 'REPLAY' } });
  });

  // issue 19 item 1: the planner's chain link was a working planner credential.
  it('token mint: a delegation attestation is no credential, and a credential is no parent link', async () => {
    const link = await mint('--agent-id', 'planner', '--initiator', 'sso:carol', '--delegate-to', 'finance-a');
    const asCredential = await dutygate('check', '--addr', address, '-X', 'POST', '-u', 'http://payments.internal/payments/pay_7/approve', '-t', link);
    expect(asCredential.code).toBe(2);
    expect(JSON.parse(asCredential.stdout)).toMatchObject({ httpStatus: 401, body: { code: 'TOKEN_TYPE' } });
    const credential = await mint('--agent-id', 'planner', '--initiator', 'sso:carol');
    const child = await dutygate('token', 'mint', '--key', join(dir, 'keys/agents.private.jwk.json'), '--iss', 'https://tokens.dev.local', '--aud', 'dutygate', '--agent-id', 'finance-a', '--parent-link', credential);
    expect(child.code).not.toBe(0);
    expect(child.stderr).toMatch(/not a delegation attestation/);
  });

  // issue 12 item 4: a link's bare delegatee is an agent of the link's own issuer; another
  // issuer's delegatee must be named.
  it('token mint --delegate-iss names the delegatee issuer of a link (delegatee_iss)', async () => {
    const link = await mint('--agent-id', 'planner', '--delegate-to', 'finance-a', '--delegate-iss', 'https://tokens.partner.example');
    expect(decodeJwt(link)).toMatchObject({ agent_id: 'planner', delegatee_agent_id: 'finance-a', delegatee_iss: 'https://tokens.partner.example' });
    const alone = await dutygate('token', 'mint', '--key', join(dir, 'keys/agents.private.jwk.json'), '--iss', 'https://tokens.dev.local', '--aud', 'dutygate', '--agent-id', 'planner', '--delegate-iss', 'https://x.example');
    expect(alone.code).not.toBe(0);
    expect(alone.stderr).toMatch(/--delegate-iss needs --delegate-to/);
  });

  it('check: the README SoD example denies self-approval with the clause', async () => {
    const planner = await mint('--agent-id', 'planner', '--initiator', 'sso:carol', '--delegate-to', 'finance-a');
    const draft = await mint('--agent-id', 'finance-a', '--initiator', 'sso:carol', '--parent-link', planner);
    const base = ['check', '--addr', address, '-X', 'POST'];
    expect((await dutygate(...base, '-u', 'http://payments.internal/payments', '-t', draft, '--chain', planner, '-d', '{"payment_id":"pay_9","amount":1,"destination":"acct_9f8e7d6c5b"}')).code).toBe(0);
    const self = await mint('--agent-id', 'finance-a', '--initiator', 'sso:carol', '--parent-link', planner);
    const denied = await dutygate(...base, '-u', 'http://payments.internal/payments/pay_9/approve', '-t', self, '--chain', planner);
    expect(denied.code).toBe(2);
    expect(JSON.parse(denied.stdout).body).toMatchObject({ code: 'SOD_DUTY_CONFLICT', source: 'policy.yaml#/clauses/SOD_DUTY_CONFLICT' });
    const reviewer = await mint('--agent-id', 'reviewer', '--initiator', 'sso:erin');
    const approved = await dutygate(...base, '-u', 'http://payments.internal/payments/pay_9/approve', '-t', reviewer, '-H', 'x-debug: 1');
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ headers: { 'x-reviewed-by': 'dutygate' }, removedHeaders: expect.arrayContaining(['x-debug']) });
  });

  it('policy validate: exit 0 on a good policy, 1 with file:line:column on a bad one', async () => {
    const good = await dutygate('policy', 'validate', join(dir, 'policy.yaml'));
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/ok \(policy_version 2026-11-21\.1\+[0-9a-f]{12}\)/);
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'version: "1"\ndefault: deny\nrules:\n  - id: r\n    tools: [nope]\n    effect: alow\n');
    const result = await dutygate('policy', 'validate', bad);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6:13: .*effect`));
  });

  it('token mint refuses a missing agent id with a clear message', async () => {
    const result = await dutygate('token', 'mint', '--key', join(dir, 'keys/agents.private.jwk.json'), '--iss', 'x', '--aud', 'y');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--agent-id is required');
  });

  it.each([[], ['serve'], ['policy', 'validate'], ['keys', 'generate'], ['token', 'mint'], ['check'], ['dev', 'init']])('%s --help exits 0', async (...command) => {
    const result = await dutygate(...command, '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: dutygate');
  });

  it('serve refuses a bad config with file:line:column and exit 1', async () => {
    const bad = join(dir, 'bad-config.yaml');
    await writeFile(bad, 'grpc: { port: "x" }\nidentity: { issuers: [] }\npolicy: { file: ./p.yaml }\n');
    const result = await dutygate('serve', '--config', bad);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${bad}:1:15: grpc.port`);
  });

  it('SIGTERM drains and exits 0', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
  });
});
