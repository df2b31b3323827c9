/**
 * One audit chain for the fleet: two gates sharing one real Redis each write their own decision
 * log; the chain (seq and hashes) runs across both, so the merged logs verify and either log
 * alone shows the other's records as gaps. Each replica signs checkpoints of that one head.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCheckpointVerifier } from '../../src/audit/checkpoint.js';
import { verifyAuditEvidence } from '../../src/audit/verify-evidence.js';
import { verifyAuditLog } from '../../src/audit/verify-log.js';
import { generateSigningKey, type SigningKey } from '../../src/identity/generate-keys.js';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';
import { deleteTestKeys, freshPrefix, REDIS_BACKENDS } from '../helpers/redis-test.js';
import { AUDIT_POLICY } from './audit-policy.js';

describe.each(REDIS_BACKENDS)('audit chain across replicas on $name', (backend) => {
  const prefix = freshPrefix('audit');
  const config = [backend.stateYaml(prefix, 'timeout: 2s'), 'limits: { check_timeout: 5s }'].join('\n');
  let dir: string;
  let a: GateFixture;
  let b: GateFixture;
  const logs: { file: string; text: string }[] = [];
  let key: SigningKey;

  beforeAll(async () => {
    // Outside the fixtures' folders, which close() removes.
    dir = await mkdtemp(join(tmpdir(), 'dutygate-audit-replicas-'));
    key = await generateSigningKey({ kid: 'audit-1' });
    await writeFile(join(dir, 'audit.private.jwk.json'), JSON.stringify(key.privateJwk));
    const audit = (name: string) => `audit: { decision_log: "${join(dir, name)}", checkpoints: { signing_key_file: "${join(dir, 'audit.private.jwk.json')}", interval: 1h } }`;
    a = await startGateFixture(AUDIT_POLICY, { configExtra: config, audit: audit('a.jsonl') });
    b = await startGateFixture(AUDIT_POLICY, { configExtra: config, audit: audit('b.jsonl'), agentKeys: a.agentKeys });
    const check = async (gate: GateFixture, i: number) => {
      const { token, chain } = await a.mintDelegated(`finance-${i}`, ['planner']);
      await gate.check({ method: 'POST', host: 'payments.internal', path: '/payments', body: JSON.stringify({ payment_id: `p-${i}`, amount: i }), token, chain, headers: { 'content-type': 'application/json' } });
    };
    // Concurrently on both replicas, then a few in turn so each log surely has the other's gaps.
    await Promise.all(Array.from({ length: 24 }, (_, i) => check(i % 3 === 0 ? b : a, i)));
    for (let i = 24; i < 30; i++) {
      await check(i % 3 === 0 ? b : a, i);
      await Promise.all([a.gate.audit.settled(), b.gate.audit.settled()]);
    }
    // Closing flushes the decision logs.
    await Promise.all([a.close(), b.close()]);
    for (const name of ['a.jsonl', 'b.jsonl']) logs.push({ file: name, text: await readFile(join(dir, name), 'utf8') });
  }, 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await deleteTestKeys();
  });

  it('seals 30 decisions from two replicas into one gap-free chain', () => {
    expect(verifyAuditLog(logs)).toMatchObject({ ok: true, records: 30, firstSeq: 1, lastSeq: 30, head: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const perReplica = logs.map((log) => log.text.split('\n').filter((line) => line !== '' && !line.includes('"type":"checkpoint"')).length);
    expect(perReplica).toEqual([20, 10]);
  });

  it("each replica's shutdown checkpoint signs the one shared head, and both logs verify against them", async () => {
    const last = (text: string) => JSON.parse(text.trim().split('\n').at(-1)!) as { type: string; reason: string; seq: number };
    expect(logs.map((log) => last(log.text))).toEqual([expect.objectContaining({ type: 'checkpoint', reason: 'shutdown', seq: 30 }), expect.objectContaining({ type: 'checkpoint', reason: 'shutdown', seq: 30 })]);
    const result = await verifyAuditEvidence(logs, { verifier: createCheckpointVerifier(key.publicJwks) });
    expect(result).toMatchObject({ ok: true, records: 30, lastCheckpoint: { seq: 30 }, unattested: 0 });
    // The tail cut from both logs, the checkpoints left: named at the last remaining record.
    const cut = logs.map((log) => ({ ...log, text: log.text.split('\n').filter((line) => !/"seq":(29|30),"hash"/.test(line) || line.includes('"type":"checkpoint"')).join('\n') }));
    expect(await verifyAuditEvidence(cut, { verifier: createCheckpointVerifier(key.publicJwks) })).toMatchObject({ ok: false, finding: { kind: 'truncated', seq: 29 } });
  });

  it("shows the other replica's records as gaps when one log is checked alone", () => {
    expect(verifyAuditLog([logs[0]!])).toMatchObject({ ok: false, finding: { kind: 'dropped' } });
  });
});
