import type { CompiledDuty, CompiledPolicy, CompiledRule, DutyStepSpec } from './compiled.js';
import { matchesAny, type NamePattern } from './glob.js';

/**
 * Rule and duty-step lookup by tool name. Every name known at load time (HTTP tools and literal
 * references such as `mcp:send_email`) gets its candidate list precomputed, so the common case
 * is one Map lookup and no allocation. Only a name first seen at request time (an MCP tool no
 * rule names literally) scans the wildcard rules.
 */

type Indexes = Pick<CompiledPolicy, 'rulesByTool' | 'wildcardRules' | 'stepsByTool' | 'wildcardSteps'>;

const NONE: readonly never[] = Object.freeze([]);

/** Builds the lookup tables once, at compile time. */
export function buildIndexes(rules: readonly CompiledRule[], duties: ReadonlyMap<string, CompiledDuty>, httpNames: readonly string[]): Indexes {
  const known = new Set(httpNames);
  for (const rule of rules) for (const pattern of rule.tools) if (!pattern.wildcard) known.add(pattern.source);
  const stepPatterns: { pattern: NamePattern; spec: DutyStepSpec }[] = [];
  for (const duty of duties.values()) {
    for (const { step, tools } of duty.steps) {
      const spec: DutyStepSpec = {
        duty: duty.name,
        step,
        distinct: duty.distinct,
        distinctBy: duty.distinctBy,
        isDistinct: duty.distinct.includes(step),
        resource: duty.resource,
        clause: duty.clause,
      };
      for (const pattern of tools) {
        stepPatterns.push({ pattern, spec });
        if (!pattern.wildcard) known.add(pattern.source);
      }
    }
  }

  const rulesByTool = new Map<string, readonly CompiledRule[]>();
  const stepsByTool = new Map<string, readonly DutyStepSpec[]>();
  for (const name of known) {
    rulesByTool.set(name, Object.freeze(rules.filter((rule) => matchesAny(rule.tools, name))));
    // A Set: two patterns of one step may both match the name.
    stepsByTool.set(name, Object.freeze([...new Set(stepPatterns.filter(({ pattern }) => pattern.test(name)).map(({ spec }) => spec))]));
  }
  return {
    rulesByTool,
    wildcardRules: rules.filter((rule) => rule.tools.some((pattern) => pattern.wildcard)),
    stepsByTool,
    wildcardSteps: stepPatterns.filter(({ pattern }) => pattern.wildcard),
  };
}

/** The rules whose `tools` match `name`, in policy order. */
export function rulesForTool(policy: CompiledPolicy, name: string): readonly CompiledRule[] {
  const known = policy.rulesByTool.get(name);
  if (known) return known;
  if (policy.wildcardRules.length === 0) return NONE;
  return policy.wildcardRules.filter((rule) => matchesAny(rule.tools, name));
}

/** The duty steps a call of `name` performs. */
export function stepSpecsForTool(policy: CompiledPolicy, name: string): readonly DutyStepSpec[] {
  const known = policy.stepsByTool.get(name);
  if (known) return known;
  if (policy.wildcardSteps.length === 0) return NONE;
  const specs: DutyStepSpec[] = [];
  for (const { pattern, spec } of policy.wildcardSteps) if (pattern.test(name) && !specs.includes(spec)) specs.push(spec);
  return specs;
}
