import type { DenyCode } from '../errors.js';
import type { CompiledPolicy } from './compiled.js';
import type { Decision } from './types.js';

/**
 * The decision for a request that produced no tool call: it maps to no tool (`NO_TOOL`, judged by
 * the policy default, so `default: allow` lets it through) or its body was refused by the mapper
 * (BODY_*, MCP_*: always a deny, whatever the default). Like `evaluate()`, it honours
 * `mode: shadow`: the real decision is reported in `shadowCode` and the call is let through.
 * Unmapped denies carry no clause (no rule was involved); `reason` says what happened.
 */
export function decideUnmapped(policy: CompiledPolicy, code: DenyCode, reason?: string): Decision {
  const allowed = code === 'NO_TOOL' && policy.default === 'allow';
  const shadow = policy.mode === 'shadow';
  const base = { matchedRules: [], dutySteps: [], ...(reason === undefined ? {} : { reason }) };
  if (allowed) return { ...base, kind: 'allow', code: 'OK', shadow, wouldBlock: false, ...(shadow ? { shadowKind: 'allow', shadowCode: 'OK' } : {}) };
  if (shadow) return { ...base, kind: 'allow', code: 'OK', shadow, wouldBlock: true, shadowKind: 'deny', shadowCode: code };
  return { ...base, kind: 'deny', code, shadow: false, wouldBlock: false };
}
