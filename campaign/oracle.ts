/**
 * The campaign oracle (issue 13): no crash, no RPC error, every answer under a second, no allow
 * the issuer did not sign as-is or the policy would not grant, every deny with a known code.
 */
import { CODES } from '../src/errors.js';
import type { Exchange } from './category.js';

/** Answers slower than this fail, whatever they say. */
export const MAX_ANSWER_MS = 1_000;

/** Failure kinds, one column each in the table. */
export type FailureKind = 'rpc' | 'slow' | 'wrong_allow' | 'wrong_deny' | 'no_code' | 'wrong_code';

/** Why one exchange fails the oracle, or undefined when it passes. */
export function judge(exchange: Exchange): { kind: FailureKind; detail: string } | undefined {
  if ('verdict' in exchange) return exchange.verdict.accepted ? { kind: 'wrong_allow', detail: exchange.verdict.detail } : undefined;
  const { answer, expect } = exchange;
  if (answer.rpcError !== undefined || answer.summary === undefined) return { kind: 'rpc', detail: answer.rpcError ?? 'no answer' };
  if (answer.ms >= MAX_ANSWER_MS) return { kind: 'slow', detail: `${Math.round(answer.ms)} ms` };
  const summary = answer.summary;
  if (summary.grpcCode === 0) {
    if (expect.allow === 'never') return { kind: 'wrong_allow', detail: 'allowed' };
    const problem = expect.check?.(summary);
    return problem === undefined ? undefined : { kind: 'wrong_allow', detail: problem };
  }
  const code = summary.body?.code;
  if (typeof code !== 'string' || !(code in CODES) || code === 'OK') return { kind: 'no_code', detail: `deny without a known code (${String(code)})` };
  if (expect.allow === 'must') return { kind: 'wrong_deny', detail: `denied ${code}` };
  if (expect.codes !== undefined && !expect.codes.includes(code)) return { kind: 'wrong_code', detail: `${code}, expected ${expect.codes.join('|')}` };
  return undefined;
}
