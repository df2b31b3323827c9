import type { DecisionRecord } from '../audit/decision-record.js';
import type { Code, DenyCode } from '../errors.js';
import type { CompiledPolicy, CompiledTool } from '../policy/compiled.js';
import { rulesForTool, stepSpecsForTool } from '../policy/rule-index.js';
import type { ToolCall } from '../policy/types.js';
import { mapRequest } from '../policy/mapping/map-request.js';

/** How a recorded decision can be put to a candidate policy. */
export type ReplayInput =
  /** Re-evaluate this tool call (params as recorded raw). */
  | { readonly kind: 'call'; readonly tool: ToolCall }
  /** The candidate judges it without a tool call: no tool (`NO_TOOL`) or a refused body. */
  | { readonly kind: 'unmapped'; readonly code: DenyCode }
  /** Not a policy decision (identity, replay, chain, state, override token): no policy changes it. */
  | { readonly kind: 'not_policy' }
  /** A policy decision this log cannot reproduce, and why. */
  | { readonly kind: 'unevaluable'; readonly reason: string };

/** Codes a policy decides (or shapes, through `mode: shadow` and the default). */
const POLICY_CODES: ReadonlySet<Code> = new Set<Code>(['OK', 'NO_TOOL', 'NO_RULE', 'POLICY_DENY', 'SOD_SAME_AGENT', 'SOD_DUTY_CONFLICT', 'CHAIN_REQUIRED', 'APPROVAL_REQUIRED', 'APPROVAL_UNAVAILABLE']);
/** The mapper refused the body before any rule ran; the candidate would refuse it the same way. */
const REFUSED_BODY = /^(BODY_|MCP_)/;
const LIMITS = { maxBodyBytes: 65_536, maxJsonDepth: 32 };

/**
 * Works out what a candidate policy would be asked for a recorded decision. The record carries
 * the tool call (name, entry, raw params for `record_params`, hashes for the rest) and the
 * request target with unsafe path captures replaced by `{name}`:
 * - the tool entry still exists in the candidate with a matching method and host → the same
 *   tool call; otherwise the target is mapped again (no body: a `{name}` placeholder matches
 *   any capture), and a request that now maps to no tool gets the candidate's default;
 * - a param the candidate's rules or duties for this tool read (conditions, duty resources)
 *   that was recorded only as a hash makes the record unevaluable — never a guess.
 */
export function replayInput(candidate: CompiledPolicy, record: DecisionRecord): ReplayInput {
  if (record.agent_id === null || !(POLICY_CODES.has(record.code) || REFUSED_BODY.test(record.code))) return { kind: 'not_policy' };
  // A shadow allow carries the real decision's code in would_block_code.
  const code = record.would_block_code ?? record.code;
  if (record.tool === null) {
    if (REFUSED_BODY.test(code)) return { kind: 'unmapped', code: code as DenyCode };
    if (mapsToSomeEntry(candidate, record)) return { kind: 'unevaluable', reason: 'the candidate maps this request, which mapped to no tool, to a tool; its params were not recorded' };
    return { kind: 'unmapped', code: 'NO_TOOL' };
  }
  const entry = candidate.tools.find((tool) => tool.name === record.tool_entry);
  if (!entry || !sameTarget(entry, record)) {
    if (!mapsToSomeEntry(candidate, record)) return { kind: 'unmapped', code: 'NO_TOOL' };
    return { kind: 'unevaluable', reason: `tool entry '${record.tool_entry ?? record.tool}' is not in the candidate (or no longer matches ${record.method} ${record.host}); the request maps to another entry` };
  }
  const hashed = Object.keys(record.params_hashed ?? {});
  const needed = hashed.filter((name) => readByCandidate(candidate, record.tool as string).has(name));
  if (needed.length > 0) {
    return { kind: 'unevaluable', reason: `param(s) ${needed.map((n) => `'${n}'`).join(', ')} recorded only as hashes; list them in record_params of tools entry '${entry.name}' to dry-run them` };
  }
  // No prototype: a param named `__proto__` is just a param (as in the mapper).
  const params = Object.assign(Object.create(null) as Record<string, unknown>, record.params ?? {});
  return { kind: 'call', tool: { name: record.tool, entry: entry.name, params } };
}

/** Top-level param names the candidate reads for this tool: rule conditions and duty resources. */
function readByCandidate(candidate: CompiledPolicy, tool: string): Set<string> {
  const names = new Set<string>();
  for (const rule of rulesForTool(candidate, tool)) for (const condition of rule.params) names.add(condition.path[0] as string);
  for (const spec of stepSpecsForTool(candidate, tool)) names.add(spec.resource.path[0] as string);
  return names;
}

function sameTarget(entry: CompiledTool, record: DecisionRecord): boolean {
  return (entry.method === undefined || entry.method === record.method.toUpperCase()) && (entry.host === undefined || entry.host === record.host.toLowerCase());
}

/** Whether the candidate maps the recorded method, host and path to any entry (body left out). */
function mapsToSomeEntry(candidate: CompiledPolicy, record: DecisionRecord): boolean {
  const request = { method: record.method, host: record.host, path: record.path, query: '', headers: new Map<string, string>(), body: undefined, bodyTruncated: false, contextExtensions: {} };
  try {
    return mapRequest(candidate, request, LIMITS) !== undefined;
  } catch {
    // Only an MCP entry throws without a body: the request does map to it.
    return true;
  }
}
