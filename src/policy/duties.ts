import type { CompiledPolicy, DutyStepSpec } from './compiled.js';
import { sameActor } from './duty-conflict.js';
import { resolveResource } from './resource-rule.js';
import { stepSpecsForTool } from './rule-index.js';
import type { DutyStep, EvaluationInput, ToolCall } from './types.js';

/** A duty step of this call whose resource cannot be named (SOD_RESOURCE_INVALID). */
export interface InvalidResource {
  readonly spec: DutyStepSpec;
  readonly reason: string;
}

/**
 * The duty steps a tool call performs, each on the resource its duty's resource rule names. The
 * caller reads the ledger for these resources before `evaluate()` and commits the steps once the
 * call is let through. A step whose resource cannot be named is left out here; `evaluate()`
 * denies the whole call for it (see `resolveDutySteps`), so it is never silently unrecorded.
 */
export function dutyStepsFor(policy: CompiledPolicy, tool: ToolCall): DutyStep[] {
  return resolveDutySteps(policy, tool).steps;
}

/**
 * The duty steps of this call and the first whose resource is missing or does not fit its rule,
 * in one pass (each resource is resolved once).
 */
export function resolveDutySteps(policy: CompiledPolicy, tool: ToolCall): { readonly steps: DutyStep[]; readonly invalid?: InvalidResource } {
  const steps: DutyStep[] = [];
  let invalid: InvalidResource | undefined;
  for (const spec of stepSpecsForTool(policy, tool.name)) {
    const result = resolveResource(spec.resource, tool.params);
    if (result.ok) steps.push({ duty: spec.duty, resource: result.resource, step: spec.step, distinct: spec.distinct, distinctBy: spec.distinctBy });
    else invalid ??= { spec, reason: `step '${spec.step}' of duty '${spec.duty}': ${result.reason}` };
  }
  return invalid === undefined ? { steps } : { steps, invalid };
}

/** Why `require: { duty }` fails for this call, or undefined when it holds. */
export function dutyViolation(policy: CompiledPolicy, duty: string, input: EvaluationInput): string | undefined {
  for (const spec of stepSpecsForTool(policy, input.tool.name)) {
    if (spec.duty !== duty || !spec.isDistinct) continue;
    const result = resolveResource(spec.resource, input.tool.params);
    if (!result.ok) return `duty '${duty}' cannot be checked: ${result.reason}`;
    const resource = result.resource;
    for (const entry of input.ledger) {
      if (entry.duty !== duty || entry.resource !== resource || entry.step === spec.step) continue;
      if (!spec.distinct.includes(entry.step)) continue;
      const actor = sameActor(entry, { agentId: input.agent.id, ancestors: input.agent.ancestors, ...(input.agent.initiator === undefined ? {} : { initiator: input.agent.initiator }) }, spec.distinctBy);
      if (actor) return `${actor} already performed step '${entry.step}' of ${duty} ${JSON.stringify(resource)}; '${spec.step}' needs a different actor`;
    }
  }
  return undefined;
}
