import type { CompiledPolicy, DutyStepSpec } from './compiled.js';
import { resolveParam } from './conditions.js';
import { sameActor } from './duty-conflict.js';
import { stepSpecsForTool } from './rule-index.js';
import type { DutyStep, EvaluationInput, ToolCall } from './types.js';

/**
 * The duty steps a tool call performs, each on the resource named by its duty's `resource`
 * expression (`params.payment_id`). The caller reads the ledger for these resources before
 * `evaluate()` and commits the steps once the call is let through. A step whose resource is
 * missing (or not a string or finite number) is left out: `evaluate()` denies a rule's `duty`
 * requirement in that case rather than skip the check.
 */
export function dutyStepsFor(policy: CompiledPolicy, tool: ToolCall): DutyStep[] {
  const specs = stepSpecsForTool(policy, tool.name);
  const steps: DutyStep[] = [];
  for (const spec of specs) {
    const resource = resourceOf(spec, tool);
    if (resource !== undefined) steps.push({ duty: spec.duty, resource, step: spec.step, distinct: spec.distinct });
  }
  return steps;
}

/** The resource id of `spec` in this call, or undefined when it cannot be named. */
export function resourceOf(spec: DutyStepSpec, tool: ToolCall): string | undefined {
  const value = resolveParam(tool.params, spec.resourcePath);
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Why `require: { duty }` fails for this call, or undefined when it holds. */
export function dutyViolation(policy: CompiledPolicy, duty: string, input: EvaluationInput): string | undefined {
  for (const spec of stepSpecsForTool(policy, input.tool.name)) {
    if (spec.duty !== duty || !spec.isDistinct) continue;
    const resource = resourceOf(spec, input.tool);
    if (resource === undefined) {
      return `duty '${duty}' cannot be checked: its resource ${spec.resourceExpr} is missing or not a string or number`;
    }
    for (const entry of input.ledger) {
      if (entry.duty !== duty || entry.resource !== resource || entry.step === spec.step) continue;
      if (!spec.distinct.includes(entry.step)) continue;
      const actor = sameActor(entry, { agentId: input.agent.id, initiator: input.agent.initiator, ancestors: input.agent.ancestors });
      if (actor) return `${actor} already performed step '${entry.step}' of ${duty} ${JSON.stringify(resource)}; '${spec.step}' needs a different actor`;
    }
  }
  return undefined;
}
