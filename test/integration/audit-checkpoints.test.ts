/**
 * Signed checkpoints end to end, and the README "Audit" worked example as an auditor runs it: a
 * whole gate (loopback gRPC, the real OpenTelemetry SDK with an in-memory exporter, the decision
 * log in a file) takes checkpoints on its interval and at shutdown and serves its live head to
 * the admin; then the built `dutygate audit verify` is run on the log and on tampered copies of
 * it: cut, edited, spliced, and cut together with its checkpoints (caught by `--head`).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalRecord } from '../../src/audit/canonical-record.js';
import type { AuditRecord } from '../../src/audit/decision-record.js';
import { generateSigningKey } from '../../src/identity/generate-keys.js';
import { auditLinkHash } from '../../src/state/audit-hash.js';
import { createTelemetry } from '../../src/telemetry/telemetry.js';
import { eventually } from '../helpers/eventually.js';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';
import { runCli } from '../helpers/run-cli.js';
import { AUDIT_POLICY } from './audit-policy.js';

const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
const dutygate = (...args: string[]) => runCli(args, { DUTYGATE_ADMIN_TOKEN: ADMIN_TOKEN });
/** Either kind of line, loosely: a record (with `audit`) or a checkpoint (with `seq`, `hash`). */
interface Line {
  readonly [key: string]: unknown;
  readonly type: string;
  readonly seq: number;
  readonly hash: string;
  readonly reason: string;
  readonly audit: { seq: number; hash: string; prev_hash: string };
}
const parse = (line: string) => JSON.parse(line) as Line;
const isCheckpoint = (line: string) => parse(line).type === 'checkpoint';

describe('signed audit checkpoints and `dutygate audit verify`', () => {
  const exporter = new InMemorySpanExporter();
  let dir: string;
  let f: GateFixture;
  let lines: string[];
  let liveHead: Line;
  let headAnswer: { status: number; body: Record<string, unknown> };
  let unauthorized: number;
  let liveVerify: Awaited<ReturnType<typeof dutygate>>;
  const file = async (name: string, content: readonly string[]) => {
    const path = join(dir, name);
    await writeFile(path, `${content.join('\n')}\n`);
    return path;
  };
  const check = () => f.check({ method: 'POST', host: 'payments.internal', path: '/export', body: '{}', headers: { 'content-type': 'application/json' } });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dutygate-checkpoints-'));
    const key = await generateSigningKey({ kid: 'audit-1' });
    await writeFile(join(dir, 'audit.jwks.json'), JSON.stringify(key.publicJwks));
    await writeFile(join(dir, 'audit.private.jwk.json'), JSON.stringify(key.privateJwk));
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    f = await startGateFixture(AUDIT_POLICY, {
      telemetry: createTelemetry({ tracerProvider: provider }),
      audit: `audit: { decision_log: "${join(dir, 'decisions.jsonl')}", checkpoints: { signing_key_file: "${join(dir, 'audit.private.jwk.json')}", interval: 100ms } }`,
      configExtra: `admin: { token: ${ADMIN_TOKEN} }`,
    });
    for (let i = 0; i < 4; i++) await check();
    await f.gate.audit.settled();
    // An interval checkpoint of seq 4 (the timer runs every 100 ms; a loaded machine may be slow).
    await eventually(() => exporter.getFinishedSpans().filter((s) => s.name === 'dutygate.audit.checkpoint' && s.attributes['dutygate.audit.seq'] === 4).length, (n) => n > 0, 15_000);
    for (let i = 0; i < 4; i++) await check();
    await f.gate.audit.settled();
    unauthorized = (await fetch(`${f.httpUrl}/v1/audit/head`)).status;
    const response = await fetch(`${f.httpUrl}/v1/audit/head`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    headAnswer = { status: response.status, body: (await response.json()) as Record<string, unknown> };
    await eventually(async () => (await readFile(join(dir, 'decisions.jsonl'), 'utf8')).split('\n').filter((l) => l.includes('"type":"decision"')).length, (n) => n >= 8);
    // What an auditor runs against a live gate: the log must reach the head the gate holds now.
    liveVerify = await dutygate('audit', 'verify', join(dir, 'decisions.jsonl'), '--key', join(dir, 'audit.jwks.json'), '--head', f.httpUrl);
    await f.close();
    lines = (await readFile(join(dir, 'decisions.jsonl'), 'utf8')).split('\n').filter(Boolean);
    liveHead = headAnswer.body as unknown as Line;
  }, 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes interval checkpoints to the log and as spans, and a shutdown checkpoint last', () => {
    const checkpoints = lines.filter(isCheckpoint).map(parse);
    expect(checkpoints.some((c) => c.reason === 'interval' && c.seq === 4)).toBe(true);
    expect(checkpoints.at(-1)).toMatchObject({ reason: 'shutdown', seq: 8, policy_version: expect.stringMatching(/^audit-1\+/), kid: 'audit-1' });
    expect(isCheckpoint(lines.at(-1)!)).toBe(true);
    const span = exporter.getFinishedSpans().find((s) => s.name === 'dutygate.audit.checkpoint' && s.attributes['dutygate.audit.seq'] === 4);
    expect(span?.attributes).toMatchObject({ 'dutygate.audit.hash': expect.stringMatching(/^[0-9a-f]{64}$/), 'dutygate.audit.checkpoint.jws': expect.any(String), 'dutygate.audit.checkpoint.reason': 'interval' });
  });

  it('serves the live head, signed, to the admin only', () => {
    expect(unauthorized).toBe(401);
    expect(headAnswer).toMatchObject({ status: 200, body: { type: 'checkpoint', reason: 'request', seq: 8 } });
    expect(liveHead.hash).toBe(parse(lines.filter((l) => !isCheckpoint(l)).at(-1)!).audit.hash);
  });

  it('verifies a log against the live head of a running gate (--head <url>)', () => {
    expect(liveVerify).toMatchObject({ code: 0, stdout: expect.stringMatching(/^ok: 8 records \(seq 1\.\.8\)[\s\S]*head: the log reaches the expected head/) });
  });

  describe('the README worked example', () => {
    const key = () => join(dir, 'audit.jwks.json');

    it('1. the untouched log verifies, every checkpoint checked', async () => {
      const result = await dutygate('audit', 'verify', await file('ok.jsonl', lines), '--key', key());
      expect(result).toMatchObject({ code: 0, stdout: expect.stringMatching(/^ok: 8 records \(seq 1\.\.8\), head 8:[0-9a-f]{64}\ncheckpoints: \d+ signed, newest seq 8 at /) });
    });

    it('2. records cut from the end: the checkpoint after them names the gap', async () => {
      const cut = lines.filter((line) => isCheckpoint(line) || parse(line).audit.seq < 7);
      const result = await dutygate('audit', 'verify', await file('cut.jsonl', cut), '--key', key());
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/\/cut\.jsonl:\d+: truncated \(seq 7\): the log ends at seq 6; the signed checkpoint at \S*\/cut\.jsonl:\d+ attests seq [78]: seq 7(\.\.8)? missing\n$/);
    });

    it('3. the checkpoint edited to match the cut: its signature fails', async () => {
      const cut = lines.filter((line) => isCheckpoint(line) || parse(line).audit.seq < 7).map((line) => {
        const c = parse(line);
        return isCheckpoint(line) && c.seq === 8 ? JSON.stringify({ ...c, seq: 6, hash: parse(lines.find((l) => !isCheckpoint(l) && parse(l).audit.seq === 6)!).audit.hash }) : line;
      });
      const result = await dutygate('audit', 'verify', await file('forged.jsonl', cut), '--key', key());
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/\/forged\.jsonl:\d+: forged \(seq 6\): the checkpoint signature does not verify/);
    });

    it('4. the end cut together with its checkpoints: only the saved head shows it', async () => {
      const lastKept = lines.findIndex((line) => !isCheckpoint(line) && parse(line).audit.seq === 6);
      const cut = lines.slice(0, lastKept + 1);
      expect((await dutygate('audit', 'verify', await file('cut-all.jsonl', cut), '--key', key())).code).toBe(0);
      const head = await file('head.json', [JSON.stringify(liveHead)]);
      const result = await dutygate('audit', 'verify', await file('cut-all.jsonl', cut), '--key', key(), '--head', head);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`/cut-all\\.jsonl:${lastKept + 1}: truncated \\(seq 7\\): the log ends at seq 6; the head from .*head\\.json attests seq 8`));
    });

    it('5. a record edited in place', async () => {
      const index = lines.findIndex((line) => !isCheckpoint(line) && parse(line).audit.seq === 3);
      const edited = lines.map((line, i) => (i === index ? line.replace('"decision":"deny"', '"decision":"allow"') : line));
      const result = await dutygate('audit', 'verify', await file('edited.jsonl', edited), '--key', key());
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`/edited\\.jsonl:${index + 1}: edited \\(seq 3, decision [0-9a-f-]+\\): its content does not match its hash`));
    });

    it('6. records replaced and the chain re-hashed after them (a splice): the checkpoints contradict it', async () => {
      let prev = '';
      const spliced = lines.map((line) => {
        if (isCheckpoint(line)) return line;
        const record = parse(line);
        if (record.audit.seq < 6) {
          prev = record.audit.hash;
          return line;
        }
        const { audit: _old, ...content } = { ...record, decision: 'allow', code: 'OK' };
        const hash = auditLinkHash(prev, canonicalRecord(content as unknown as AuditRecord));
        const out = JSON.stringify({ ...content, audit: { seq: record.audit.seq, hash, prev_hash: prev } });
        prev = hash;
        return out;
      });
      expect((await dutygate('audit', 'verify', await file('spliced-nokey.jsonl', spliced.filter((l) => !isCheckpoint(l))))).code).toBe(0);
      const result = await dutygate('audit', 'verify', await file('spliced.jsonl', spliced), '--key', key());
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/\/spliced\.jsonl:\d+: spliced \(seq [56], decision [0-9a-f-]+\): seq [678] \(\S*\/spliced\.jsonl:\d+\) is not the record the signed checkpoint at \S*\/spliced\.jsonl:\d+ attests: the chain was rewritten from seq [56] to [678]/);
    });

    it('refuses to call a log with checkpoints ok without the key to check them', async () => {
      expect(await dutygate('audit', 'verify', await file('nokey.jsonl', lines))).toMatchObject({ code: 2, stderr: expect.stringMatching(/unverified \(seq \d+\): a signed checkpoint, and no key to check it with: pass --key/) });
    });
  });
});
