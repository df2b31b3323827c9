/**
 * `npm run demo`: the approvals loop end to end against a real gate started in this process
 * (memory state, fresh keys in a temp folder, the example policy): a planner delegates to a
 * finance agent, whose payment over the limit needs a human approval; the initiator cannot
 * approve her own workflow, a finance approver can; the agent polls, gets a single-use
 * override token, and its retry goes through exactly once.
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../config/load-config.js';
import { generateSigningKey } from '../../identity/generate-keys.js';
import { mintApproverToken, mintChildToken, mintDelegation } from '../../identity/mint-token.js';
import { createLogger } from '../../log/logger.js';
import { startGate } from '../../server/start-gate.js';
import { sendCheck, type CheckResult } from '../check-client.js';
import { writeLine } from '../output.js';

const POLICY = fileURLToPath(new URL('../../../examples/dev/policy.yaml', import.meta.url));
const AGENTS = { iss: 'https://tokens.demo.local', aud: 'dutygate' };
const APPROVERS = { iss: 'https://sso.demo.local', aud: 'dutygate-approvals' };

/** Runs the story; resolves true when every step behaved as told. */
export async function runDemo(): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), 'dutygate-demo-'));
  const agents = await generateSigningKey({ kid: 'agents-demo' });
  const approvers = await generateSigningKey({ kid: 'approvers-demo' });
  const override = await generateSigningKey({ kid: 'override-demo' });
  await writeFile(join(dir, 'agents.jwks.json'), JSON.stringify(agents.publicJwks));
  await writeFile(join(dir, 'approvers.jwks.json'), JSON.stringify(approvers.publicJwks));
  await writeFile(join(dir, 'override.private.jwk.json'), JSON.stringify(override.privateJwk), { mode: 0o600 });
  await copyFile(POLICY, join(dir, 'policy.yaml'));
  await writeFile(
    join(dir, 'dutygate.yaml'),
    [
      'grpc: { host: 127.0.0.1, port: 0 }',
      'http: { host: 127.0.0.1, port: 0 }',
      `identity: { issuers: [ { issuer: "${AGENTS.iss}", audience: ${AGENTS.aud}, jwks_file: ./agents.jwks.json } ] }`,
      `approvers: { issuers: [ { issuer: "${APPROVERS.iss}", audience: ${APPROVERS.aud}, jwks_file: ./approvers.jwks.json } ] }`,
      'policy: { file: ./policy.yaml, watch: false }',
      'overrides: { signing_key_file: ./override.private.jwk.json, ttl: 10m }',
      // frank and carol are the policy's two finance approvers, under their SSO names.
      'principals: { aliases: { "slack:U0FINANCE1": "sso:frank", "slack:U0FINANCE2": "sso:carol" } }',
      'audit: { decision_log: off }',
      'log: { level: silent }',
    ].join('\n'),
  );
  const gate = await startGate(await loadConfig(join(dir, 'dutygate.yaml'), {}), createLogger('silent'));
  const grpc = `127.0.0.1:${gate.grpcPort}`;
  const http = `http://127.0.0.1:${gate.httpPort}`;
  let ok = true;
  const expect = (what: string, good: boolean) => {
    ok &&= good;
    writeLine(`   ${good ? '✓' : '✗'} ${what}`);
  };

  try {
    writeLine(`dutygate demo — gate on grpc ${grpc}, http ${http}, policy ${gate.policy.current().policyVersion}\n`);
    // The planner's delegation attestation to finance-a: the x-agent-chain link, not a credential.
    const planner = await mintDelegation(agents.privateJwk, { iss: AGENTS.iss, agentId: 'planner', delegateeAgentId: 'finance-a', initiator: 'sso:carol' });
    const finance = () => mintChildToken(agents.privateJwk, planner, { ...AGENTS, agentId: 'finance-a', initiator: 'sso:carol' });
    const pay = async (amount: number, override?: string): Promise<CheckResult> =>
      sendCheck(grpc, {
        method: 'POST',
        url: new URL('http://payments.internal/payments'),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await finance()}`, 'x-agent-chain': planner, ...(override ? { 'x-dutygate-override': override } : {}) },
        body: JSON.stringify({ payment_id: 'pay_demo', amount, destination: 'acct_9f8e7d6c5b' }),
      });
    const body = (result: CheckResult) => (result.body ?? {}) as Record<string, unknown>;
    const api = async (path: string, token: string, decision?: string) => {
      const response = await fetch(`${http}${path}`, {
        method: decision ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(decision ? { body: JSON.stringify({ decision }) } : {}),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    writeLine('1. planner (for sso:carol) delegates to finance-a, which pays 9000 — over the 5000 limit');
    const asked = await pay(9000);
    const id = String(body(asked).approval_id);
    writeLine(`   → ${asked.httpStatus} ${String(body(asked).code)}: "${String(body(asked).clause)}"`);
    writeLine(`   → approval_id ${id}; status_url ${String(body(asked).status_url)}`);
    expect('the agent is told to wait for a human', body(asked).code === 'APPROVAL_REQUIRED');

    writeLine('\n2. finance-a polls its approval with its own agent token');
    const pending = await api(`/v1/approvals/${id}`, await finance());
    expect(`status ${String(pending.body.status)}, no override token yet`, pending.body.status === 'pending' && pending.body.override_token === undefined);

    writeLine('\n3. carol is a finance approver, but she initiated this workflow');
    const carol = await api(`/v1/approvals/${id}/decision`, await mintApproverToken(approvers.privateJwk, { ...APPROVERS, sub: 'sso:carol' }), 'approve');
    expect(`her approval is refused: ${carol.status} ${String(carol.body.code)}`, carol.body.code === 'APPROVER_IS_INITIATOR');

    writeLine('\n4. frank (finance) approves');
    const frank = await api(`/v1/approvals/${id}/decision`, await mintApproverToken(approvers.privateJwk, { ...APPROVERS, sub: 'sso:frank' }), 'approve');
    expect(`status ${String(frank.body.status)} (${String(frank.body.approvals)} of ${String(frank.body.quorum)})`, frank.body.status === 'approved');

    writeLine('\n5. finance-a polls again and gets a single-use override token');
    const approved = await api(`/v1/approvals/${id}`, await finance());
    const token = String(approved.body.override_token);
    expect(`status ${String(approved.body.status)}, override token valid until ${String(approved.body.override_expires_at)}`, approved.body.status === 'approved' && token.split('.').length === 3);

    writeLine('\n6. a tampered retry (amount 90000) with that token');
    const tampered = await pay(90000, token);
    expect(`denied: ${tampered.httpStatus} ${String(body(tampered).code)} — and the token is not spent by it`, body(tampered).code === 'OVERRIDE_MISMATCH');

    writeLine('\n7. the real retry (9000) with x-dutygate-override');
    const retry = await pay(9000, token);
    const metadata = (retry.metadata ?? {}) as Record<string, unknown>;
    expect(`allowed (lifted_by ${String(metadata.lifted_by)}, approval ${String(metadata.approval_id)})`, retry.allowed && metadata.lifted_by === 'override');

    writeLine('\n8. the same retry again');
    const again = await pay(9000, token);
    expect(`denied: ${again.httpStatus} ${String(body(again).code)} — exactly one retry goes through`, body(again).code === 'OVERRIDE_SPENT');

    writeLine(ok ? '\nThe loop is complete.' : '\nSomething did not go as described (see ✗ above).');
    return ok;
  } finally {
    await gate.close();
    await rm(dir, { recursive: true, force: true });
  }
}
