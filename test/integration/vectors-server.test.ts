/**
 * The policy vectors (test/vectors/*), run through the real gate over gRPC with Envoy's protos:
 * tokens minted for each case's agent and attested ancestors, prior ledger entries seeded into
 * the gate's state store, and the Envoy response compared with the expected decision.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';
import type { PolicyCase } from '../../src/policy-test/policy-case.js';
import { loadVectorSuites } from '../vectors/vector-suites.js';

/** Mints the case's ancestors (root first) and the agent token that names the last of them. */
async function tokensFor(f: GateFixture, vector: PolicyCase): Promise<{ token: string; chain?: string[] }> {
  const { agent } = vector;
  const initiator = agent.initiator === undefined ? {} : { initiator: agent.initiator };
  const { token, chain } = await f.mintDelegated(agent.id, agent.ancestors, initiator);
  return chain.length > 0 ? { token, chain } : { token };
}

/** What Envoy would be told (an approval_needed case creates an approval: APPROVAL_REQUIRED). */
function expectedOnTheWire(vector: PolicyCase): { allowed: boolean; code: string | undefined } {
  const { decision, code } = vector.expect;
  return { allowed: decision === 'allow' || decision === 'sanitize', code };
}

for (const suite of await loadVectorSuites()) {
  describe(`vectors through the gRPC server: ${suite.name}`, async () => {
    const policy = await readFile(suite.policyFile, 'utf8');
    const cases = suite.cases.cases.filter((vector) => vector.engineOnly === undefined);

    it.each(cases.map((vector) => [vector.name, vector] as const))('%s', async (_name, vector) => {
      const f = await startGateFixture(policy);
      try {
        const now = Date.now();
        for (const entry of vector.ledger) {
          const step = { duty: entry.duty, resource: entry.resource, step: entry.step, distinct: [], enforced: false };
          const actor = { agentId: entry.agentId, ...(entry.initiator === undefined ? {} : { initiator: entry.initiator }) };
          expect(await f.gate.state.commitDutySteps([step], actor, now)).toBeUndefined();
        }
        const { request } = vector;
        const r = await f.check({
          method: request.method,
          host: request.host,
          path: request.query ? `${request.path}?${request.query}` : request.path,
          headers: request.headers,
          ...(request.body === undefined ? {} : { body: request.body }),
          partialBody: request.bodyTruncated,
          ...(await tokensFor(f, vector)),
        });
        const want = expectedOnTheWire(vector);
        expect(r.grpcCode === 0, JSON.stringify(r.body)).toBe(want.allowed);
        if (want.allowed) {
          expect(r.metadata.code).toBe('OK');
          if (vector.expect.wouldBlock !== undefined && vector.expect.shadow) expect(r.metadata.would_block).toBe(vector.expect.wouldBlock);
          for (const [name, value] of Object.entries(vector.expect.setHeaders ?? {})) expect(r.headers[name]?.value).toBe(value);
          for (const name of vector.expect.removeHeaders ?? []) expect(r.headersToRemove).toContain(name);
        } else {
          expect(r.body?.code).toBe(want.code);
          if (vector.expect.decision === 'approval_needed') {
            expect(r.body?.decision).toBe('approval_needed');
            expect(r.body?.approval_id).toMatch(/^apr_/);
            expect(r.headers['x-dutygate-approval-id']?.value).toBe(r.body?.approval_id);
          }
          if (vector.expect.rule) expect(r.body?.rule_id).toBe(vector.expect.rule);
          if (vector.expect.clause) expect(String(r.body?.source)).toMatch(new RegExp(`#/clauses/${vector.expect.clause}$`));
          if (vector.expect.clause === null) expect(r.body?.clause).toBeNull();
        }
      } finally {
        await f.close();
      }
    });
  });
}
