import type { CheckOutcome } from '../../../src/check/outcome.js';

/** The decision id of the response-builder tests' outcomes. */
export const DECISION_ID = '6f1c2a4e-8d3b-4f5a-9c7e-1b2d3e4f5a6b';

/** A delegated allow with every id present: the base the response tests vary. */
export const ALLOW_OUTCOME: CheckOutcome = {
  decision: 'allow',
  code: 'OK',
  decisionId: DECISION_ID,
  phase: 'policy',
  policyVersion: '2026-11-21.1+0123456789ab',
  agentId: 'finance-exec',
  parentAgentId: 'planner',
  shadow: false,
  wouldBlock: false,
};
