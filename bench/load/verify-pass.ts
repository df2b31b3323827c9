/**
 * The verification pass before any timing: a sample of the mix sent at low concurrency, every
 * answer decoded in full and checked against its scenario's expected decisions. It proves the
 * server decides what the workload claims (and yields the decision mix the results report);
 * a gate that answers INTERNAL or REPLAY here would make every later number meaningless.
 */
import { SCENARIOS } from '../workload/scenarios.js';
import type { DecisionClass, Scenario } from '../workload/scenarios.js';
import type { RequestSlice } from '../workload/workload.js';
import type { CheckClient } from './check-client.js';
import { summarizeResponse } from './read-response.js';

/** What the pass saw. */
export interface VerifyResult {
  readonly requests: number;
  /** Share of each decision class. */
  readonly mix: Readonly<Record<DecisionClass, number>>;
  /** Count per reason code (OK, POLICY_DENY, APPROVAL_REQUIRED, …). */
  readonly codes: Readonly<Record<string, number>>;
  readonly mismatches: number;
  /**
   * 14 UNAVAILABLE answers (INTERNAL, STATE_UNAVAILABLE): the gate failing closed on its own
   * deadline, as it must when starved of CPU; counted apart from wrong decisions.
   */
  readonly failedClosed: number;
  /** Up to ten mismatches, for the report. */
  readonly examples: readonly string[];
}

/** Options of {@link verifyServer}. */
export interface VerifyOptions {
  /** The floor decides nothing: every valid token is allowed. */
  readonly expectAllAllowed: boolean;
  readonly concurrency: number;
}

/** Sends the whole slice and checks every answer. */
export async function verifyServer(client: CheckClient, slice: RequestSlice, options: VerifyOptions): Promise<VerifyResult> {
  const mixCounts: Record<DecisionClass, number> = { allow: 0, deny: 0, approval_needed: 0 };
  const codes: Record<string, number> = {};
  const examples: string[] = [];
  let mismatches = 0;
  let failedClosed = 0;
  let next = 0;

  const one = async (): Promise<void> => {
    while (next < slice.bytes.length) {
      const index = next++;
      const scenario = SCENARIOS[slice.scenario[index] as number] as Scenario;
      const answer = await new Promise<{ status?: number; decision: string; code: string }>((resolve) => {
        // A generous deadline: this pass checks decisions, not speed.
        client.send(
          slice.bytes[index] as Buffer,
          (error, response) => {
            if (error !== null || response === undefined) resolve({ decision: 'rpc_error', code: error?.details ?? 'no response' });
            else resolve(summarizeResponse(response));
          },
          10_000,
        );
      });
      codes[answer.code] = (codes[answer.code] ?? 0) + 1;
      if (answer.status === UNAVAILABLE) {
        failedClosed++;
        continue;
      }
      const kind = classOf(answer.decision);
      if (kind !== undefined) mixCounts[kind]++;
      const expected: readonly DecisionClass[] = options.expectAllAllowed ? ['allow'] : scenario.expect;
      if (kind === undefined || !expected.includes(kind)) {
        mismatches++;
        if (examples.length < 10) examples.push(`${scenario.name}: expected ${expected.join('|')}, got ${answer.decision} ${answer.code}`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, one));
  const total = Math.max(1, slice.bytes.length - failedClosed);
  return {
    requests: slice.bytes.length,
    failedClosed,
    mix: { allow: mixCounts.allow / total, deny: mixCounts.deny / total, approval_needed: mixCounts.approval_needed / total },
    codes,
    mismatches,
    examples,
  };
}

const UNAVAILABLE = 14;

function classOf(decision: string): DecisionClass | undefined {
  if (decision === 'allow' || decision === 'sanitize') return 'allow';
  if (decision === 'deny' || decision === 'approval_needed') return decision;
  return undefined;
}
