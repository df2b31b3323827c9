/**
 * The CheckRequests the shipped Envoy configs make, through the real gate running the k8s
 * policy. What the filter sends is derived from the config file itself (raw headers, body as
 * bytes, the body bound and partial-body flag, the route's context_extensions, the health
 * exemption), so changing a setting changes what is tested. Envoy's own additions are
 * emulated: x-forwarded-proto and x-request-id, x-envoy-auth-partial-body, and with
 * use_remote_address the peer's x-forwarded-for and the removal of its x-envoy-* headers.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateFixture, type GateFixture } from '../../helpers/gate-fixture.js';
import { summarizeCheckResponse, type CheckSummary, type EnvoyRequestSpec } from '../../helpers/envoy-client.js';
import { EXT_AUTHZ_TYPE, extAuthzPerRoute, httpFilter, listener, loadEnvoyConfig, routeFor, type Obj } from './envoy-model.js';
import { EGRESS_LISTENER } from './envoy-wiring.js';

/** What the agent sends to its proxy. */
interface AgentRequest {
  method: string;
  host: string;
  path: string;
  headers?: Record<string, string | readonly string[]>;
  body?: string;
}

/** What Envoy does with `request` under `config`: no check (exempt route), a 413, or a Check. */
type EnvoyStep = { kind: 'exempt' } | { kind: 'rejected'; status: number } | { kind: 'check'; spec: EnvoyRequestSpec };

function envoyStep(config: Obj, request: AgentRequest): EnvoyStep {
  const hcm = listener(config, EGRESS_LISTENER).hcm;
  const authz = httpFilter(hcm, EXT_AUTHZ_TYPE)!;
  const view = routeFor(hcm, request.host, request.path);
  const per = view ? extAuthzPerRoute(view) : undefined;
  const methodOk = (view?.route.match.headers as Obj[] | undefined)?.every((h) => h.name !== ':method' || h.string_match.exact === request.method) ?? true;
  if (per?.disabled === true && methodOk) return { kind: 'exempt' };

  const headers: Record<string, string | readonly string[]> = { ...request.headers, 'x-forwarded-proto': 'http' };
  if (hcm.use_remote_address === true) {
    // The peer is external (wiring rule): its x-envoy-* headers are sanitized away, its address
    // becomes x-forwarded-for.
    for (const name of Object.keys(headers)) if (name.startsWith('x-envoy-')) delete headers[name];
    headers['x-forwarded-for'] = listener(config, EGRESS_LISTENER).address === '127.0.0.1' ? '127.0.0.1' : '10.0.0.7';
  }
  let body = request.body === undefined ? undefined : Buffer.from(request.body);
  let partialBody = false;
  const max = authz.with_request_body.max_request_bytes as number;
  if (body && body.length > max) {
    if (authz.with_request_body.allow_partial_message !== true) return { kind: 'rejected', status: 413 };
    body = body.subarray(0, max);
    partialBody = true;
    headers['content-length'] = String(Buffer.byteLength(request.body!));
  }
  const spec: EnvoyRequestSpec = {
    method: request.method,
    host: request.host,
    path: request.path,
    headers,
    rawHeaders: authz.encode_raw_headers === true,
    rawBody: authz.with_request_body.pack_as_bytes === true,
    partialBody,
    contextExtensions: (per?.check_settings?.context_extensions as Record<string, string> | undefined) ?? {},
  };
  if (body) spec.body = body;
  return { kind: 'check', spec };
}

const PAYMENT = JSON.stringify({ payment_id: 'pay_1', amount: 120, destination: 'acct_9f8e7d6c5b' });
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe.each(['envoy/sidecar.yaml', 'envoy/central-gate.yaml'])('CheckRequests from %s through the real gate', (file) => {
  const config = loadEnvoyConfig(file);
  let gate: GateFixture;

  beforeAll(async () => {
    gate = await startGateFixture(readFileSync('k8s/base/policy.yaml', 'utf8'));
  });
  afterAll(async () => {
    await gate.close();
  });

  async function send(request: AgentRequest): Promise<CheckSummary> {
    const step = envoyStep(config, request);
    if (step.kind !== 'check') throw new Error(`expected a Check, Envoy would ${step.kind === 'exempt' ? 'skip the gate' : `answer ${step.status}`}`);
    return summarizeCheckResponse(await gate.client.check(step.spec));
  }

  async function financeHeaders(): Promise<Record<string, string | readonly string[]>> {
    const planner = await gate.mintLink('planner', 'finance-a', { initiator: 'sso:carol' });
    const finance = await gate.mintChild(planner, 'finance-a', { initiator: 'sso:carol' });
    return { authorization: `Bearer ${finance}`, 'x-agent-chain': planner, 'content-type': 'application/json' };
  }

  it('allows a payment within policy, with trace headers, and strips the credentials upstream', async () => {
    const headers = { ...(await financeHeaders()), traceparent: TRACEPARENT, tracestate: 'vendor=1', baggage: ['team=finance', 'run=7'] };
    const result = await send({ method: 'POST', host: 'payments.internal', path: '/payments', headers, body: PAYMENT });
    expect(result.grpcCode).toBe(0);
    expect(result.headers['x-agent-id']?.value).toBe('finance-a');
    expect(result.headers['x-parent-agent-id']?.value).toBe('planner');
    expect(result.headersToRemove).toEqual(expect.arrayContaining(['authorization', 'x-agent-chain', 'x-dutygate-override']));
    expect(result.metadata).toMatchObject({ decision: 'allow', agent_id: 'finance-a' });
  });

  it('denies a body Envoy had to cut at max_request_bytes (BODY_TOO_LARGE), instead of judging half a payment', async () => {
    const padded = JSON.stringify({ payment_id: 'pay_2', amount: 120, destination: 'acct_9f8e7d6c5b', note: 'x'.repeat(70_000) });
    const step = envoyStep(config, { method: 'POST', host: 'payments.internal', path: '/payments', headers: await financeHeaders(), body: padded });
    expect(step.kind === 'check' && step.spec.partialBody).toBe(true);
    const result = summarizeCheckResponse(await gate.client.check((step as { spec: EnvoyRequestSpec }).spec));
    expect([result.grpcCode, result.httpStatus, result.body?.code]).toEqual([7, 400, 'BODY_TOO_LARGE']);
  });

  it('gates MCP tools/call by tool name: read allowed, delete denied with its clause', async () => {
    const call = (name: string) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: { path: '/srv/a.txt' } } });
    const mcp = async (name: string) =>
      send({
        method: 'POST',
        host: 'mcp.internal',
        path: '/mcp',
        headers: { authorization: `Bearer ${await gate.mint('files-agent')}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: call(name),
      });
    expect((await mcp('read_file')).grpcCode).toBe(0);
    const denied = await mcp('delete_file');
    expect([denied.httpStatus, denied.body?.code, denied.body?.clause]).toEqual([403, 'POLICY_DENY', 'Agents never delete files through MCP tools.']);
  });

  it('checks a host with no route too: the policy answers NO_TOOL', async () => {
    const step = envoyStep(config, { method: 'POST', host: 'exfil.example', path: '/upload', headers: {} });
    expect(step.kind === 'check' && step.spec.contextExtensions).toEqual({});
    const result = await send({ method: 'POST', host: 'exfil.example', path: '/upload', headers: { authorization: `Bearer ${await gate.mint('finance-a')}` } });
    expect([result.httpStatus, result.body?.code]).toEqual([403, 'NO_TOOL']);
  });

  it('answers a call without a token with 401 and a Bearer challenge', async () => {
    const result = await send({ method: 'POST', host: 'payments.internal', path: '/payments', body: PAYMENT, headers: { 'content-type': 'application/json' } });
    expect([result.grpcCode, result.httpStatus, result.body?.code]).toEqual([16, 401, 'TOKEN_MISSING']);
    expect(result.headers['www-authenticate']?.value).toBe('Bearer realm="dutygate"');
  });

  it('skips the gate only for GET /healthz, which would otherwise need a token', async () => {
    expect(envoyStep(config, { method: 'GET', host: 'payments.internal', path: '/healthz' }).kind).toBe('exempt');
    expect(envoyStep(config, { method: 'POST', host: 'payments.internal', path: '/healthz' }).kind).toBe('check');
    expect(envoyStep(config, { method: 'GET', host: 'payments.internal', path: '/healthz/x' }).kind).toBe('check');
    const probed = await send({ method: 'POST', host: 'payments.internal', path: '/healthz' });
    expect(probed.body?.code).toBe('TOKEN_MISSING');
  });
});
