/**
 * The approvals port of the Check pipeline (docs/design.md §6): what the approval phase asks of
 * the approvals module (src/approvals/approval-gate.ts implements it). Declared here so that the
 * pipeline depends on the port, not on approvals.
 */
import type { AgentClaims } from '../identity/types.js';
import type { Deadline } from '../lib/deadline.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import type { Decision, ToolCall } from '../policy/types.js';
import type { HttpRequest } from '../request/http-request.js';

/** An `approval_needed` outcome and everything known about its call. */
export interface ApprovalNeededCall {
  readonly decision: Decision;
  readonly policy: CompiledPolicy;
  readonly token: AgentClaims;
  /** The initiator after `principals.aliases`. */
  readonly initiator?: string;
  /** Attested ancestors' agent ids, root first. */
  readonly chain: readonly string[];
  readonly tool: ToolCall;
  /** The HTTP request: what the approver is shown and the override binds (method, host, path, query and body digests). */
  readonly request: Pick<HttpRequest, 'method' | 'host' | 'path' | 'query' | 'body'>;
  /** The `x-dutygate-override` header, if sent. */
  readonly overrideToken?: string;
  readonly decisionId: string;
  readonly traceparent?: string;
}

/** What became of an `approval_needed` outcome. */
export type ApprovalResolution =
  /** An override token or a break-glass grant lets this call through. */
  | { readonly kind: 'lifted'; readonly via: 'override' | 'break_glass'; readonly approvalId: string }
  /** The agent must wait for approvers and poll `statusUrl`. */
  | { readonly kind: 'pending'; readonly approvalId: string; readonly statusUrl: string; readonly expiresAt: number };

/** The approvals port of the Check pipeline. */
export interface ApprovalGate {
  /**
   * Resolves an `approval_needed` decision under the Check's deadline: no state call is started
   * once it has passed, and an approval whose Check lost the race is withdrawn, not announced.
   *
   * @throws DutygateError OVERRIDE_* for a presented override token that does not fit this call
   *   or was spent; STATE_UNAVAILABLE when the store does not answer in time; INTERNAL when the
   *   deadline passed before a state call.
   */
  resolve(call: ApprovalNeededCall, nowMs: number, deadline: Deadline): Promise<ApprovalResolution>;
}
