import { compileDeclaredParams, type DeclaredParams } from './declared-params.js';
import { basename } from 'node:path';
import { compilePathTemplate } from './mapping/path-template.js';
import type { ParsedYaml } from '../yaml/parse-yaml.js';
import { parseDuration } from '../yaml/duration.js';
import { SourceError } from '../yaml/source-issue.js';
import { BUILTIN_CLAUSES } from './builtin-clauses.js';
import { compileDuty } from './compile-duty.js';
import type { CompiledDuty, CompiledPolicy, CompiledRule, CompiledTool } from './compiled.js';
import { compileRule } from './compile-rule.js';
import { policyHash } from './policy-hash.js';
import { PolicyIssues } from './policy-issues.js';
import type { RawPolicy, RawTool } from './raw-policy.js';
import { buildIndexes } from './rule-index.js';
import type { ToolUniverse } from './tool-refs.js';
import type { BreakGlassSpec, ClauseRef } from './types.js';

export type { CompiledPolicy } from './compiled.js';

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** What a policy is compiled against beyond its own text. */
export interface CompileOptions {
  /**
   * The configured agent issuer names (`identity.issuers[].name`): a rule's `issuers:` naming
   * another is refused with its line. Unset (no configuration at hand), names are checked for
   * form only.
   */
  readonly issuers?: readonly string[];
}

/**
 * Checks cross-references and values of a schema-valid policy and compiles it into the typed
 * structs the request path reads. Throws a `SourceError` listing every issue with its line and
 * column. `parsed.value` must already have passed `POLICY_SCHEMA`.
 */
export function compilePolicy(parsed: ParsedYaml, options: CompileOptions = {}): CompiledPolicy {
  const raw = parsed.value as RawPolicy;
  const issues = new PolicyIssues(parsed);
  const source = basename(parsed.file);

  const clauses = new Map<string, ClauseRef>();
  for (const [name, { text }] of Object.entries(raw.clauses ?? {})) {
    if (!NAME.test(name)) issues.add(['clauses', name], `'${name}' is not a valid clause name (letters, digits, _ . -)`, { at: 'key' });
    clauses.set(name, { name, text, source: `${source}#/clauses/${name}` });
  }

  const tools = compileTools(raw.tools ?? [], issues);
  // From the raw entries: a tool with a bad path is reported once, not again by every reference.
  const universe: ToolUniverse = {
    httpNames: (raw.tools ?? []).filter((tool) => tool.protocol !== 'mcp').map((tool) => tool.name),
    mcpEntries: (raw.tools ?? []).filter((tool) => tool.protocol === 'mcp').map((tool) => tool.name),
  };
  const duties = new Map<string, CompiledDuty>();
  for (const [name, duty] of Object.entries(raw.duties ?? {})) duties.set(name, compileDuty(name, duty, { universe, issues, clauses }));

  const mode = raw.mode ?? 'enforce';
  const rules: CompiledRule[] = [];
  const ids = new Set<string>();
  raw.rules.forEach((rawRule, index) => {
    if (ids.has(rawRule.id)) issues.add(['rules', index, 'id'], `duplicate rule id '${rawRule.id}'`);
    ids.add(rawRule.id);
    const rule = compileRule(rawRule, index, { issues, source, policyMode: mode, clauses, duties, universe, builtinClauses: BUILTIN_CLAUSES, ...(options.issuers ? { knownIssuers: options.issuers } : {}) });
    if (rule) rules.push(rule);
  });

  const breakGlass = raw.break_glass && compileBreakGlass(raw.break_glass, issues);

  if (issues.list.length > 0) throw new SourceError('policy', issues.list.sort((a, b) => a.line - b.line || a.column - b.column));

  const hash = policyHash(raw);
  const byMethod = new Map<string, CompiledTool[]>();
  for (const method of new Set(tools.flatMap((tool) => (tool.method ? [tool.method] : [])))) {
    byMethod.set(method, tools.filter((tool) => tool.method === undefined || tool.method === method));
  }
  return Object.freeze({
    file: parsed.file,
    version: raw.version,
    hash,
    policyVersion: `${raw.version}+${hash}`,
    mode,
    default: raw.default ?? 'deny',
    clauses,
    tools,
    toolsByMethod: byMethod,
    toolsAnyMethod: tools.filter((tool) => tool.method === undefined),
    duties,
    rules,
    ...buildIndexes(rules, duties, universe.httpNames),
    ...(breakGlass ? { breakGlass } : {}),
  });
}

/** `break_glass`: quorum 2 unless set (one person alone never opens the glass by default). */
function compileBreakGlass(raw: NonNullable<RawPolicy['break_glass']>, issues: PolicyIssues): BreakGlassSpec | undefined {
  const at = ['break_glass'];
  const quorum = raw.quorum ?? 2;
  if (quorum > raw.approvers.length) issues.add([...at, raw.quorum === undefined ? 'approvers' : 'quorum'], `quorum ${quorum} exceeds the ${raw.approvers.length} approver(s) listed`);
  const maxTtlMs = raw.max_ttl === undefined ? 60 * 60_000 : parseDuration(raw.max_ttl);
  const requestTtlMs = raw.request_ttl === undefined ? 15 * 60_000 : parseDuration(raw.request_ttl);
  if (maxTtlMs === undefined || maxTtlMs <= 0) issues.add([...at, 'max_ttl'], `'${raw.max_ttl}' is not a positive duration such as 1h`);
  if (requestTtlMs === undefined || requestTtlMs <= 0) issues.add([...at, 'request_ttl'], `'${raw.request_ttl}' is not a positive duration such as 15m`);
  if (maxTtlMs === undefined || requestTtlMs === undefined || quorum > raw.approvers.length) return undefined;
  return { approvers: raw.approvers, quorum, maxTtlMs, requestTtlMs };
}

function compileTools(raws: readonly RawTool[], issues: PolicyIssues): CompiledTool[] {
  const names = new Set<string>();
  const tools: CompiledTool[] = [];
  raws.forEach((raw, index) => {
    const at = ['tools', index];
    if (names.has(raw.name)) issues.add([...at, 'name'], `duplicate tool name '${raw.name}'`);
    names.add(raw.name);
    // `mcp.stream`, `mcp.method:…` are what MCP traffic maps to; an HTTP tool so named would be ambiguous.
    if (raw.name.startsWith('mcp.')) issues.add([...at, 'name'], `tool names starting with 'mcp.' are reserved for MCP traffic`);
    const path = compilePathTemplate(raw.match.path);
    if ('error' in path) {
      issues.add([...at, 'match', 'path'], path.error);
      return;
    }
    raw.record_params?.forEach((param, i) => {
      // Conditions reach nested params by dotted path; recording is per top-level param.
      if (param !== '*' && param.includes('.')) {
        issues.add([...at, 'record_params', i], `record_params names top-level params, not '${param}'`, { hint: `record '${param.split('.')[0]}'` });
      }
    });
    let declaredParams: DeclaredParams | undefined;
    if (raw.params !== undefined) {
      const compiled = compileDeclaredParams(raw.params);
      if ('error' in compiled) issues.add([...at, 'params', 'schema'], compiled.error);
      else if ((raw.protocol ?? 'http') === 'mcp') issues.add([...at, 'params'], 'params are declared per HTTP tool; an MCP entry carries many tools');
      else declaredParams = compiled;
    }
    tools.push({
      name: raw.name,
      protocol: raw.protocol ?? 'http',
      ...(raw.match.method === undefined ? {} : { method: raw.match.method.toUpperCase() }),
      ...(raw.match.host === undefined ? {} : { host: raw.match.host.toLowerCase() }),
      path,
      ...(raw.record_params === undefined ? {} : { recordParams: raw.record_params }),
      ...(declaredParams === undefined ? {} : { declaredParams }),
    });
  });
  return tools;
}
