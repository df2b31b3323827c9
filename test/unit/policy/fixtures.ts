import type { CompiledPolicy } from '../../../src/policy/compile-policy.js';
import { parsePolicy } from '../../../src/policy/load-policy.js';
import type { EvaluationInput, LedgerEntry } from '../../../src/policy/types.js';

/** Compiles a policy from YAML text (as `policy.yaml`). */
export function policyOf(text: string): CompiledPolicy {
  return parsePolicy(text, 'policy.yaml');
}

/** An evaluation input for tool `name`; the agent defaults to a root agent `agent-a`. */
export function callOf(
  name: string,
  params: Record<string, unknown> = {},
  agent: Partial<EvaluationInput['agent']> = {},
  ledger: readonly LedgerEntry[] = [],
): EvaluationInput {
  return {
    agent: { id: 'agent-a', ancestors: agent.parentId === undefined ? [] : [agent.parentId], ...agent },
    tool: { name, entry: name.startsWith('mcp') ? 'mcp' : name, params },
    ledger,
  };
}
