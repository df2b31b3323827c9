import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Code } from '../../src/errors.js';
import type { DecisionKind, LedgerEntry, RequestChanges } from '../../src/policy/types.js';
import type { HttpRequest } from '../../src/request/http-request.js';
import { parseYaml } from '../../src/yaml/parse-yaml.js';
import { SourceError } from '../../src/yaml/source-issue.js';
import { compileSchema } from '../../src/yaml/validate-schema.js';
import { CASES_SCHEMA } from './cases-schema.js';

/**
 * Policy vectors as data: each folder under `test/vectors/` holds a `policy.yaml` and a
 * `cases.yaml` (requests, prior duty-ledger entries, expected decisions). The same data runs
 * against `mapRequest` + `evaluate` (vectors.test.ts) and through the real gRPC server.
 */

/** The calling agent, as its verified token and chain would present it. */
export interface VectorAgent {
  readonly id: string;
  readonly parentId?: string;
  /** Attested chain, root first, direct parent last (defaults to `[parent]` when a parent is named). */
  readonly ancestors: readonly string[];
  readonly initiator?: string;
}

/** The HTTP request the agent sends (what Envoy puts in the CheckRequest). */
export interface VectorRequest {
  readonly method: string;
  readonly host: string;
  readonly path: string;
  /** Without the `?`. */
  readonly query: string;
  /** Lower-case names; `content-type: application/json` is added when `body` was a YAML value. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body bytes as UTF-8 text, or undefined for none. */
  readonly body?: string;
  readonly bodyTruncated: boolean;
}

/** What the decision must be. Absent fields are not checked; `null` means "must be absent". */
export interface VectorExpectation {
  readonly kind: DecisionKind;
  readonly code: Code;
  /** The mapped tool name; `null` when the request maps to no tool or its body is refused. */
  readonly tool?: string | null;
  readonly rule?: string | null;
  /** Clause name. */
  readonly clause?: string | null;
  readonly shadow?: boolean;
  readonly wouldBlock?: boolean;
  readonly shadowCode?: Code;
  readonly changes?: RequestChanges | null;
  /** Every matched approval rule (issue 12 item 3), in policy order. */
  readonly approvals?: readonly { readonly rule: string; readonly approvers: readonly string[]; readonly quorum: number; readonly ttlMs: number }[] | null;
  /** Steps committed when let through, as `duty/resource/step`. */
  readonly dutySteps?: readonly string[];
  readonly matchedRules?: readonly string[];
}

export interface VectorCase {
  readonly name: string;
  /** Why this case cannot be reproduced through the server (e.g. a chain identity rejects); undefined when it can. */
  readonly engineOnly?: string;
  readonly agent: VectorAgent;
  readonly request: VectorRequest;
  /** Duty-ledger entries recorded before this request. */
  readonly ledger: readonly LedgerEntry[];
  readonly expect: VectorExpectation;
}

export interface VectorSuite {
  /** Folder name, e.g. `payments`. */
  readonly name: string;
  /** Absolute path of the suite's policy file. */
  readonly policyFile: string;
  readonly cases: readonly VectorCase[];
}

/** The folder holding the suites. */
export const VECTORS_DIR = fileURLToPath(new URL('.', import.meta.url));

const validateCases = compileSchema(CASES_SCHEMA);

/** Loads every suite (a folder with `policy.yaml` and `cases.yaml`), sorted by name. */
export function loadVectorSuites(dir: string = VECTORS_DIR): VectorSuite[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'cases.yaml')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => loadSuite(join(dir, name), name));
}

function loadSuite(folder: string, name: string): VectorSuite {
  const file = join(folder, 'cases.yaml');
  const parsed = parseYaml(readFileSync(file, 'utf8'), file);
  const issues = parsed.issues.length > 0 ? parsed.issues : validateCases(parsed);
  if (issues.length > 0) throw new SourceError('vector cases', issues);
  const raw = parsed.value as { cases: RawCase[] };
  return { name, policyFile: join(folder, 'policy.yaml'), cases: raw.cases.map(toCase) };
}

interface RawCase {
  name: string;
  engine_only?: string;
  agent: { id: string; parent?: string; ancestors?: string[]; initiator?: string };
  request: { method?: string; host?: string; path: string; query?: string; headers?: Record<string, string>; body?: unknown; raw_body?: string; body_truncated?: boolean };
  ledger?: { duty: string; resource: string; step: string; agent: string; initiator?: string; ancestors?: string[] }[];
  expect: {
    kind: DecisionKind;
    code: Code;
    tool?: string | null;
    rule?: string | null;
    clause?: string | null;
    shadow?: boolean;
    would_block?: boolean;
    shadow_code?: Code;
    changes?: { set_headers?: Record<string, string>; remove_headers?: string[]; set_query?: Record<string, string>; remove_query?: string[] } | null;
    approvals?: { rule: string; approvers: string[]; quorum: number; ttl_ms: number }[] | null;
    duty_steps?: string[];
    matched_rules?: string[];
  };
}

function toCase(raw: RawCase): VectorCase {
  const { agent, request, expect: want } = raw;
  const jsonBody = request.body !== undefined;
  const headers = { ...(jsonBody ? { 'content-type': 'application/json' } : {}), ...request.headers };
  const body = jsonBody ? JSON.stringify(request.body) : request.raw_body;
  return {
    name: raw.name,
    ...(raw.engine_only === undefined ? {} : { engineOnly: raw.engine_only }),
    agent: {
      id: agent.id,
      ...(agent.parent === undefined ? {} : { parentId: agent.parent }),
      ancestors: agent.ancestors ?? (agent.parent === undefined ? [] : [agent.parent]),
      ...(agent.initiator === undefined ? {} : { initiator: agent.initiator }),
    },
    request: {
      method: request.method ?? 'POST',
      host: request.host ?? 'tools.internal',
      path: request.path,
      query: request.query ?? '',
      headers,
      ...(body === undefined ? {} : { body }),
      bodyTruncated: request.body_truncated ?? false,
    },
    ledger: (raw.ledger ?? []).map((entry) => ({
      duty: entry.duty,
      resource: entry.resource,
      step: entry.step,
      agentId: entry.agent,
      ...(entry.initiator === undefined ? {} : { initiator: entry.initiator }),
      ...(entry.ancestors === undefined || entry.ancestors.length === 0 ? {} : { ancestors: entry.ancestors }),
      at: 0,
    })),
    expect: {
      kind: want.kind,
      code: want.code,
      ...pick(want, 'tool', 'rule', 'clause', 'shadow'),
      ...(want.would_block === undefined ? {} : { wouldBlock: want.would_block }),
      ...(want.shadow_code === undefined ? {} : { shadowCode: want.shadow_code }),
      ...(want.changes === undefined ? {} : { changes: want.changes && toChanges(want.changes) }),
      ...(want.approvals === undefined
        ? {}
        : { approvals: want.approvals && want.approvals.map((each) => ({ rule: each.rule, approvers: each.approvers, quorum: each.quorum, ttlMs: each.ttl_ms })) }),
      ...(want.duty_steps === undefined ? {} : { dutySteps: want.duty_steps }),
      ...(want.matched_rules === undefined ? {} : { matchedRules: want.matched_rules }),
    },
  };
}

function pick<T extends object, K extends keyof T>(value: T, ...keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (value[key] !== undefined) out[key] = value[key];
  return out;
}

function toChanges(raw: NonNullable<RawCase['expect']['changes']>): RequestChanges {
  return { setHeaders: raw.set_headers ?? {}, removeHeaders: raw.remove_headers ?? [], setQuery: raw.set_query ?? {}, removeQuery: raw.remove_query ?? [] };
}

/** The neutral request `src/authz/` would build from the CheckRequest for this vector. */
export function toHttpRequest(request: VectorRequest): HttpRequest {
  return {
    method: request.method,
    host: request.host,
    path: request.path,
    query: request.query,
    headers: new Map(Object.entries(request.headers)),
    body: request.body === undefined ? undefined : new TextEncoder().encode(request.body),
    bodyTruncated: request.bodyTruncated,
    contextExtensions: {},
  };
}
