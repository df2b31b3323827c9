import { BUILTIN_RESOURCE_CLAUSE } from './builtin-clauses.js';
import type { CompiledDuty } from './compiled.js';
import { compileGlob } from './glob.js';
import { didYouMean, type KeyPath, type PolicyIssues } from './policy-issues.js';
import type { RawDuty } from './raw-policy.js';
import { compileResourceRule, type ResourceRule } from './resource-rule.js';
import { toolRefError, type ToolUniverse } from './tool-refs.js';
import type { ClauseRef } from './types.js';

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** What a duty is checked against. */
export interface DutyContext {
  readonly universe: ToolUniverse;
  readonly issues: PolicyIssues;
  readonly clauses: ReadonlyMap<string, ClauseRef>;
}

/** Stands in for a resource rule that did not compile (the policy is refused anyway). */
const NEVER: ResourceRule = { kind: 'pattern', path: [], expr: '(invalid)', regex: /(?!)/ };

/**
 * Checks one `duties:` entry (reporting every problem at its position) and compiles it. A duty
 * with issues still compiles (so rules naming it are not reported as naming an unknown duty),
 * but the issues refuse the policy.
 */
export function compileDuty(name: string, raw: RawDuty, ctx: DutyContext): CompiledDuty {
  const { issues } = ctx;
  const at = ['duties', name];
  const add = (path: KeyPath, message: string, hint?: string) => issues.add([...at, ...path], message, { hint });
  if (!NAME.test(name)) issues.add(at, `'${name}' is not a valid duty name (letters, digits, _ . -)`, { at: 'key' });
  const resource = compileResourceRule(raw.resource, add);
  const stepOf = new Map<string, string>();
  const steps = Object.entries(raw.steps).map(([step, refs]) => {
    if (!NAME.test(step)) issues.add([...at, 'steps', step], `'${step}' is not a valid step name (letters, digits, _ . -)`, { at: 'key' });
    refs.forEach((ref, i) => {
      const error = toolRefError(ref, ctx.universe);
      if (error) add(['steps', step, i], error.message, error.hint);
      // One call performing two steps would conflict with itself, or make the SoD matrix ambiguous.
      const other = stepOf.get(ref);
      if (other !== undefined && other !== step) add(['steps', step, i], `tool '${ref}' is already step '${other}' of duty '${name}'`);
      stepOf.set(ref, step);
    });
    return { step, tools: refs.map(compileGlob) };
  });
  raw.distinct.forEach((step, i) => {
    if (!Object.hasOwn(raw.steps, step)) add(['distinct', i], `unknown step '${step}' of duty '${name}'`, didYouMean(step, Object.keys(raw.steps)));
  });
  let clause = ctx.clauses.get('SOD_RESOURCE_INVALID') ?? BUILTIN_RESOURCE_CLAUSE;
  if (raw.clause !== undefined) {
    const named = ctx.clauses.get(raw.clause);
    if (named) clause = named;
    else add(['clause'], `unknown clause '${raw.clause}'`, didYouMean(raw.clause, ctx.clauses.keys()));
  }
  return { name, resource: resource ?? NEVER, steps, distinct: raw.distinct, distinctBy: raw.distinct_by ?? 'lineage', clause };
}
