/**
 * Issue 5 "done means": given only the exported spans and the policy file, reconstruct who did
 * what, under which rule and clause, who approved, and prove the record was not altered. The
 * auditor below uses nothing of dutygate but the policy compiler (to recompute the policy
 * version from the file): the chain is checked with node:crypto from its definition,
 * hash = sha256(prev_hash + "\n" + record).
 */
import { createHash } from 'node:crypto';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/policy/load-policy.js';
import { createTelemetry } from '../../src/telemetry/telemetry.js';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';
import { AUDIT_POLICY } from './audit-policy.js';

/** A span as an exporter ships it (the parts an auditor reads). */
interface ExportedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  links: { traceId: string; spanId: string }[];
  attributes: Record<string, unknown>;
}

const TRACE = '0af7651916cd43dd8448eb211c80319c';

describe('reconstructing a decision from the spans and the policy file alone', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let f: GateFixture;
  let exported: ExportedSpan[];
  let ids: { ask: string; approval: string; retry: string };

  beforeAll(async () => {
    // The record on the span (`audit.span_record: true`, not the default): spans alone suffice.
    f = await startGateFixture(AUDIT_POLICY, { telemetry: createTelemetry({ tracerProvider: provider }), configExtra: 'limits: { check_timeout: 5s }', audit: 'audit: { decision_log: off, span_record: true }' });
    const planner = await f.mintLink('planner', 'finance-a', { initiator: 'sso:carol' });
    const agent = async () => ({ token: await f.mintChild(planner, 'finance-a', { initiator: 'sso:carol' }), chain: [planner] });
    const request = { method: 'POST', host: 'payments.internal', path: '/payments', body: JSON.stringify({ payment_id: 'pay-9', amount: 9000, destination: 'acct_9f8e7d6c5b' }) };
    const headers = { 'content-type': 'application/json', traceparent: `00-${TRACE}-b7ad6b7169203331-01` };

    const ask = await f.check({ ...request, headers, ...(await agent()) });
    expect(ask.body).toMatchObject({ code: 'APPROVAL_REQUIRED' });
    const approval = String(ask.body?.approval_id);
    const vote = async (sub: string) =>
      fetch(`${f.httpUrl}/v1/approvals/${approval}/decision`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await f.mintApprover(sub)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ decision: 'approve', reason: 'invoice 4711 checked' }),
      });
    expect((await vote('sso:mallory')).status).toBe(403);
    expect((await vote('sso:frank')).status).toBe(200);
    const poll = await fetch(`${f.httpUrl}/v1/approvals/${approval}`, { headers: { authorization: `Bearer ${(await agent()).token}` } });
    const { override_token: override } = (await poll.json()) as { override_token: string };
    const retry = await f.check({ ...request, headers: { ...headers, 'x-dutygate-override': override }, ...(await agent()) });
    expect(retry.grpcCode).toBe(0);
    ids = { ask: String(ask.metadata.decision_id), approval, retry: String(retry.metadata.decision_id) };

    await f.gate.audit.settled();
    exported = JSON.parse(JSON.stringify(exporter.getFinishedSpans().map(exportSpan))) as ExportedSpan[];
  });
  afterAll(async () => {
    await f.close();
  });

  it('reconstructs who did what, under which rule and clause, and who approved', () => {
    const story = audit(exported, AUDIT_POLICY);
    const version = parsePolicy(AUDIT_POLICY, 'policy.yaml').policyVersion;
    expect(story).toEqual([
      `approval ${ids.approval} requested by check ${ids.ask} for finance-a (sso:carol): payments.create under rule finance-large-payments, clause PAYMENT_LIMIT "Payments above 5000 need a human approval from finance." [${version}]`,
      `check ${ids.ask}: finance-a (chain planner, for sso:carol) payments.create {"amount":9000,"payment_id":"pay-9"} -> approval_needed APPROVAL_REQUIRED, rule finance-large-payments, clause PAYMENT_LIMIT "Payments above 5000 need a human approval from finance.", approval ${ids.approval} [${version}]`,
      `approval ${ids.approval}: sso:mallory voted approve via api -> refused:APPROVER_NOT_LISTED ("invoice 4711 checked")`,
      `approval ${ids.approval}: sso:frank voted approve via api -> recorded ("invoice 4711 checked")`,
      `approval ${ids.approval}: approved`,
      `approval ${ids.approval}: override redeemed by check ${ids.retry}`,
      `check ${ids.retry}: finance-a (chain planner, for sso:carol) payments.create {"amount":9000,"payment_id":"pay-9"} -> allow OK, rule finance-large-payments, approval ${ids.approval} [${version}]`,
    ]);
  });

  it("joins the agent's trace and links every approval span to the check that raised it", () => {
    const checkSpan = (id: string) => exported.find((s) => s.name === 'dutygate.check' && s.attributes['dutygate.decision_id'] === id)!;
    const check = checkSpan(ids.ask);
    expect(check.traceId).toBe(TRACE);
    expect(check.parentSpanId).toBe('b7ad6b7169203331');
    const approvalSpans = exported.filter((s) => s.name.startsWith('dutygate.approval.'));
    expect(approvalSpans.map((s) => s.name).sort()).toEqual(['dutygate.approval.created', 'dutygate.approval.outcome', 'dutygate.approval.vote', 'dutygate.approval.vote']);
    for (const span of approvalSpans) expect(span.links).toEqual([{ traceId: TRACE, spanId: check.spanId }]);
    const retry = checkSpan(ids.retry);
    const redeemed = exported.find((s) => s.name === 'dutygate.override.redeemed')!;
    expect(redeemed.parentSpanId).toBe(retry.spanId);
    expect(redeemed.links).toEqual([{ traceId: TRACE, spanId: check.spanId }]);
  });

  it.each([
    ['a sealed record edited (the approver swapped)', (spans: ExportedSpan[]) => edit(spans, 'dutygate.approval.vote', 'sso:frank', (s) => ({ ...s, attributes: { ...s.attributes, 'dutygate.audit.record': String(s.attributes['dutygate.audit.record']).replace('sso:frank', 'sso:carol') } })), /altered: its record does not match its hash/],
    ['a visible attribute edited', (spans: ExportedSpan[]) => edit(spans, 'dutygate.approval.vote', 'sso:frank', (s) => ({ ...s, attributes: { ...s.attributes, 'dutygate.approver': 'sso:carol' } })), /dutygate.approver 'sso:carol' is not the sealed 'sso:frank'/],
    ['a span dropped', (spans: ExportedSpan[]) => spans.filter((s) => s.name !== 'dutygate.approval.outcome'), /seq \d+ is missing/],
    ['a record re-hashed after an edit', (spans: ExportedSpan[]) => edit(spans, 'dutygate.check', ids.ask, rehash((r) => ({ ...r, decision: 'allow', code: 'OK' }))), /does not link to seq/],
    ['the policy file changed', (spans: ExportedSpan[]) => spans, /was decided under .* not this policy file/, AUDIT_POLICY.replace('above 5000', 'above 50')],
  ])('proves the record was not altered: detects %s', (_name, tamper, error, policy = AUDIT_POLICY) => {
    expect(() => audit(tamper(structuredClone(exported)), policy)).toThrow(error);
  });
});

/** What an OTLP exporter would ship of a span. */
function exportSpan(span: ReadableSpan): ExportedSpan {
  return {
    name: span.name,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    ...(span.parentSpanContext ? { parentSpanId: span.parentSpanContext.spanId } : {}),
    links: span.links.map((link) => ({ traceId: link.context.traceId, spanId: link.context.spanId })),
    attributes: { ...span.attributes },
  };
}

const sha256 = (input: string) => createHash('sha256').update(input).digest('hex');
/** A record value as text (strings as they are). */
const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** Sealed record field behind each visible span attribute. */
const SEALED: Readonly<Record<string, string>> = {
  'agent.id': 'agent_id',
  'agent.parent_id': 'parent_agent_id',
  'agent.initiator': 'initiator',
  'dutygate.decision_id': 'decision_id',
  'dutygate.decision': 'decision',
  'dutygate.code': 'code',
  'dutygate.tool': 'tool',
  'dutygate.rule_id': 'rule_id',
  'dutygate.clause': 'clause',
  'dutygate.policy_version': 'policy_version',
  'dutygate.approval_id': 'approval_id',
  'dutygate.approver': 'principal',
  'dutygate.vote': 'vote',
  'jwt.jti': 'jti',
};

/**
 * The auditor: proves the spans form an unbroken chain whose records match what the spans
 * show, checks each record against the policy file, and tells the story in chain order.
 */
function audit(spans: readonly ExportedSpan[], policyText: string): string[] {
  const policy = parsePolicy(policyText, 'policy.yaml');
  const chained = spans.filter((s) => typeof s.attributes['dutygate.audit.seq'] === 'number').sort((a, b) => Number(a.attributes['dutygate.audit.seq']) - Number(b.attributes['dutygate.audit.seq']));
  const story: string[] = [];
  let previous: { seq: number; hash: string } | undefined;
  for (const span of chained) {
    const seq = Number(span.attributes['dutygate.audit.seq']);
    const hash = text(span.attributes['dutygate.audit.hash']);
    const prevHash = text(span.attributes['dutygate.audit.prev_hash']);
    const sealed = text(span.attributes['dutygate.audit.record']);
    if (sha256(`${prevHash}\n${sealed}`) !== hash) throw new Error(`seq ${seq} altered: its record does not match its hash`);
    if (previous === undefined && seq === 1 && prevHash !== '0'.repeat(64)) throw new Error('seq 1 does not start the chain');
    if (previous && seq !== previous.seq + 1) throw new Error(`seq ${previous.seq + 1} is missing`);
    if (previous && prevHash !== previous.hash) throw new Error(`seq ${seq} does not link to seq ${previous.seq}`);
    previous = { seq, hash };
    const record = JSON.parse(sealed) as Record<string, unknown>;
    for (const [attribute, field] of Object.entries(SEALED)) {
      const shown = span.attributes[attribute];
      if (shown !== undefined && shown !== record[field]) throw new Error(`seq ${seq}: ${attribute} '${text(shown)}' is not the sealed '${text(record[field])}'`);
    }
    if (record.policy_version !== null && record.policy_version !== undefined && record.policy_version !== policy.policyVersion) {
      throw new Error(`seq ${seq} was decided under ${text(record.policy_version)}, not this policy file (${policy.policyVersion})`);
    }
    story.push(tell(record, policy));
  }
  return story;
}

function tell(r: Record<string, unknown>, policy: ReturnType<typeof parsePolicy>): string {
  const clause = (name: unknown) => (name ? `, clause ${text(name)} "${policy.clauses.get(text(name))?.text}"` : '');
  if (r.type === 'decision') {
    const who = `${text(r.agent_id)} (chain ${(r.chain as string[]).join(' > ')}, for ${text(r.initiator)})`;
    const approval = r.approval_id ? `, approval ${text(r.approval_id)}` : '';
    return `check ${text(r.decision_id)}: ${who} ${text(r.tool)} ${JSON.stringify(r.params)} -> ${text(r.decision)} ${text(r.code)}, rule ${text(r.rule_id)}${clause(r.clause)}${approval} [${text(r.policy_version)}]`;
  }
  const id = `approval ${text(r.approval_id)}`;
  switch (r.event) {
    case 'created':
      return `${id} requested by check ${text(r.decision_id)} for ${text(r.agent_id)} (${text(r.initiator)}): ${text(r.tool)} under rule ${text(r.rule_id)}${clause(r.clause)} [${text(r.policy_version)}]`;
    case 'vote':
      return `${id}: ${text(r.principal)} voted ${text(r.vote)} via ${text(r.via)} -> ${text(r.status)}${r.reason ? ` ("${text(r.reason)}")` : ''}`;
    case 'outcome':
      return `${id}: ${text(r.status)}`;
    case 'override_redeemed':
      return `${id}: override redeemed by check ${text(r.decision_id)}`;
    default:
      return `${id}: ${text(r.event)}`;
  }
}

function edit(spans: ExportedSpan[], name: string, marker: string, change: (span: ExportedSpan) => ExportedSpan): ExportedSpan[] {
  const index = spans.findIndex((s) => s.name === name && String(s.attributes['dutygate.audit.record']).includes(marker));
  if (index < 0) throw new Error(`no ${name} span with ${marker}`);
  return spans.map((s, i) => (i === index ? change(s) : s));
}

/** Edits the sealed record and recomputes its own hash (what a careful forger would do). */
function rehash(change: (record: Record<string, unknown>) => Record<string, unknown>) {
  return (span: ExportedSpan): ExportedSpan => {
    const record = JSON.stringify(change(JSON.parse(String(span.attributes['dutygate.audit.record'])) as Record<string, unknown>));
    const hash = sha256(`${String(span.attributes['dutygate.audit.prev_hash'])}\n${record}`);
    return { ...span, attributes: { ...span.attributes, 'dutygate.audit.record': record, 'dutygate.audit.hash': hash, 'dutygate.decision': 'allow', 'dutygate.code': 'OK' } };
  };
}
