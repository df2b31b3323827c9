import { readFile } from 'node:fs/promises';
import type { Code } from '../errors.js';
import type { DecisionKind } from '../policy/types.js';
import { parseYaml, type ParsedYaml } from '../yaml/parse-yaml.js';
import { formatKeyPath, SourceError, type SourceIssue } from '../yaml/source-issue.js';
import { compileSchema } from '../yaml/validate-schema.js';
import { POLICY_CASES_SCHEMA } from './cases-schema.js';
import type { CaseAgent, CaseExpectation, CaseFile, CaseRequest, PolicyCase } from './policy-case.js';

const validateCases = compileSchema(POLICY_CASES_SCHEMA);

interface RawAgent {
  id?: string;
  parent?: string;
  ancestors?: string[];
  initiator?: string;
  issuer?: string;
}

interface RawMcp {
  tool?: string;
  arguments?: Record<string, unknown>;
  method?: string;
  params?: Record<string, unknown>;
  id?: string | number;
}

interface RawRequest {
  method?: string;
  url?: string;
  host?: string;
  path?: string;
  query?: string;
  headers?: Record<string, string>;
  body?: unknown;
  raw_body?: string;
  body_truncated?: boolean;
  mcp?: RawMcp;
}

interface RawCase {
  name: string;
  engine_only?: string;
  agent?: RawAgent;
  request?: RawRequest;
  ledger?: { duty: string; resource: string; step: string; agent: string; initiator?: string; ancestors?: string[] }[];
  override?: boolean;
  break_glass?: boolean;
  expect: Record<string, unknown> & { decision: DecisionKind };
}

/** Reads and validates a cases file (see {@link parseCases}). */
export async function loadCases(file: string): Promise<CaseFile> {
  return parseCases(await readFile(file, 'utf8'), file);
}

/**
 * Parses a `policy test` cases file: YAML, then the schema, then the rules that need several
 * values (each case names an agent and a path, one body kind, a chain ending with the parent,
 * unique names). Throws a `SourceError` listing every issue with its line and column.
 * `defaults.agent` applies to a case without `agent`; `defaults.request` is merged under each
 * case's request (headers key by key).
 */
export function parseCases(text: string, file: string): CaseFile {
  const parsed = parseYaml(text, file);
  if (parsed.issues.length > 0) throw new SourceError('policy test cases', parsed.issues);
  const schemaIssues = validateCases(parsed);
  if (schemaIssues.length > 0) throw new SourceError('policy test cases', schemaIssues);
  const raw = parsed.value as { defaults?: { agent?: RawAgent; request?: RawRequest }; cases: RawCase[] };
  const issues: SourceIssue[] = [];
  const report = (path: (string | number)[], message: string, hint?: string) =>
    issues.push({ file, ...parsed.positionOf(path, 'key'), key: formatKeyPath(path), message, ...(hint ? { hint } : {}) });
  const seen = new Set<string>();
  const cases = raw.cases.map((rawCase, index) => {
    if (seen.has(rawCase.name)) report(['cases', index, 'name'], `duplicate case name '${rawCase.name}'`, 'give every case its own name');
    seen.add(rawCase.name);
    return toCase(parsed, rawCase, index, raw.defaults ?? {}, report);
  });
  if (issues.length > 0) throw new SourceError('policy test cases', issues);
  return { file, cases };
}

type Report = (path: (string | number)[], message: string, hint?: string) => void;

function toCase(parsed: ParsedYaml, raw: RawCase, index: number, defaults: { agent?: RawAgent; request?: RawRequest }, report: Report): PolicyCase {
  const at = ['cases', index];
  // A case's agent replaces the default one (a merge could not take a parent away); a request
  // is merged key by key (host and method are shared, path and body are the case's own).
  const agent = toAgent(raw.agent ?? defaults.agent ?? {}, at, report);
  const requestRaw = { ...defaults.request, ...raw.request, headers: { ...defaults.request?.headers, ...raw.request?.headers } };
  return {
    name: raw.name,
    ...(raw.engine_only === undefined ? {} : { engineOnly: raw.engine_only }),
    line: parsed.positionOf(at, 'value').line,
    agent,
    request: toRequest(requestRaw, at, report),
    ledger: (raw.ledger ?? []).map((entry) => ({
      duty: entry.duty,
      resource: entry.resource,
      step: entry.step,
      agentId: entry.agent,
      ...(entry.initiator === undefined ? {} : { initiator: entry.initiator }),
      ...(entry.ancestors === undefined || entry.ancestors.length === 0 ? {} : { ancestors: entry.ancestors }),
      at: 0,
    })),
    override: raw.override ?? false,
    breakGlass: raw.break_glass ?? false,
    expect: toExpectation(raw.expect),
  };
}

function toAgent(raw: RawAgent, at: (string | number)[], report: Report): CaseAgent {
  if (raw.id === undefined) report(at, 'agent.id is required (in the case or in defaults.agent)');
  const ancestors = raw.ancestors ?? (raw.parent === undefined ? [] : [raw.parent]);
  const last = ancestors[ancestors.length - 1];
  if (raw.ancestors !== undefined && raw.parent !== undefined && last !== raw.parent) {
    report([...at, 'agent', 'ancestors'], `the chain must end with the parent '${raw.parent}'`, 'ancestors are root first, direct parent last');
  }
  const parent = raw.parent ?? last;
  return {
    id: raw.id ?? '',
    ...(parent === undefined ? {} : { parentId: parent }),
    ancestors,
    ...(raw.initiator === undefined ? {} : { initiator: raw.initiator }),
    ...(raw.issuer === undefined ? {} : { issuer: raw.issuer }),
  };
}

function toRequest(raw: RawRequest, at: (string | number)[], report: Report): CaseRequest {
  const where = [...at, 'request'];
  const bodies = ['body', 'raw_body', 'mcp'].filter((key) => raw[key as keyof RawRequest] !== undefined);
  if (bodies.length > 1) report(where, `set one of body, raw_body or mcp, not ${bodies.join(' and ')}`);
  if (raw.url !== undefined && (raw.host !== undefined || raw.path !== undefined || raw.query !== undefined)) {
    report([...where, 'url'], 'set either url or host/path/query, not both');
  }
  if (raw.mcp && (raw.mcp.tool === undefined) === (raw.mcp.method === undefined)) {
    report([...where, 'mcp'], 'set exactly one of mcp.tool (a tools/call) or mcp.method (any other JSON-RPC method)');
  }
  const url = raw.url === undefined ? undefined : new URL(raw.url);
  const path = url?.pathname ?? raw.path ?? (raw.mcp ? '/mcp' : undefined);
  if (path === undefined) report(where, 'request needs a path (or url)', 'e.g. request: { method: POST, host: payments.internal, path: /payments }');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw.headers ?? {})) headers[name.toLowerCase()] = value;
  const body = bodyText(raw);
  if (body !== undefined && raw.raw_body === undefined) headers['content-type'] ??= 'application/json';
  if (raw.mcp) headers.accept ??= 'application/json, text/event-stream';
  return {
    method: (raw.method ?? (body === undefined ? 'GET' : 'POST')).toUpperCase(),
    // As src/authz/ does with `:authority`: lower-case, without the port.
    host: (url?.hostname ?? raw.host ?? 'localhost').toLowerCase().replace(/:\d+$/, ''),
    path: path ?? '/',
    query: url ? url.search.replace(/^\?/, '') : (raw.query ?? ''),
    headers,
    ...(body === undefined ? {} : { body }),
    bodyTruncated: raw.body_truncated ?? false,
  };
}

/** The body bytes: JSON of `body`, `raw_body` verbatim, or the JSON-RPC message `mcp` describes. */
function bodyText(raw: RawRequest): string | undefined {
  if (raw.raw_body !== undefined) return raw.raw_body;
  if (raw.body !== undefined) return JSON.stringify(raw.body);
  if (!raw.mcp) return undefined;
  const { tool, method, id } = raw.mcp;
  const params = tool !== undefined ? { name: tool, arguments: raw.mcp.arguments ?? {} } : raw.mcp.params;
  return JSON.stringify({ jsonrpc: '2.0', id: id ?? 1, method: tool !== undefined ? 'tools/call' : method, ...(params ? { params } : {}) });
}

function toExpectation(raw: Record<string, unknown>): CaseExpectation {
  const pick = <T>(key: string): T | undefined => (Object.hasOwn(raw, key) ? (raw[key] as T) : undefined);
  const out: Record<string, unknown> = { decision: raw.decision };
  const keys: [string, string][] = [
    ['code', 'code'],
    ['tool', 'tool'],
    ['rule', 'rule'],
    ['clause', 'clause'],
    ['reason', 'reason'],
    ['shadow', 'shadow'],
    ['would_block', 'wouldBlock'],
    ['lifted_by', 'liftedBy'],
    ['shadow_code', 'shadowCode'],
    ['set_headers', 'setHeaders'],
    ['remove_headers', 'removeHeaders'],
    ['set_query', 'setQuery'],
    ['remove_query', 'removeQuery'],
  ];
  for (const [from, to] of keys) if (Object.hasOwn(raw, from)) out[to] = pick(from);
  if (Object.hasOwn(raw, 'approvals')) {
    const approvals = pick<{ rule: string; approvers: string[]; quorum: number; ttl_ms: number }[] | null>('approvals');
    out.approvals = approvals === null || approvals === undefined ? null : approvals.map((each) => ({ rule: each.rule, approvers: each.approvers, quorum: each.quorum, ttlMs: each.ttl_ms }));
  }
  if (Object.hasOwn(raw, 'duty_steps')) out.dutySteps = pick('duty_steps');
  if (Object.hasOwn(raw, 'matched_rules')) out.matchedRules = pick('matched_rules');
  return out as unknown as CaseExpectation & { code?: Code };
}
