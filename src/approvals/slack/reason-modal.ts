/**
 * The reason modal (issue 17 item 1): a click on a button whose vote `approval.require_reason`
 * covers opens it (`views.open` with the click's `trigger_id`), and the vote counts only when it
 * is submitted. `private_metadata` carries what the submission needs — approval id, vote and
 * the channel to answer in — and comes back inside Slack's signed `view_submission`; the voter
 * is checked again then, so the modal grants nothing by itself.
 */
import { MAX_REASON_LENGTH } from '../reason-rule.js';
import { escapeMrkdwn, type Block } from './blocks.js';

/** `callback_id` of the modal; `block_id` / `action_id` of its one input. */
export const REASON_CALLBACK = 'dutygate_reason';
export const REASON_BLOCK = 'reason';
export const REASON_INPUT = 'reason_input';

/** What the modal remembers between the click and the submission. */
export interface ReasonModalState {
  readonly approvalId: string;
  readonly decision: 'approve' | 'deny';
  /** Where to tell the voter (alone) why a submission did not count. */
  readonly channel?: string;
}

/** The modal view for `views.open`. */
export function renderReasonModal(state: ReasonModalState, what: string): Block {
  const verb = state.decision === 'approve' ? 'Approve' : 'Deny';
  return {
    type: 'modal',
    callback_id: REASON_CALLBACK,
    private_metadata: JSON.stringify({ approval_id: state.approvalId, decision: state.decision, ...(state.channel === undefined ? {} : { channel: state.channel }) }),
    title: { type: 'plain_text', text: `${verb} with a reason` },
    submit: { type: 'plain_text', text: verb },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${verb} ${escapeMrkdwn(what).slice(0, 2_800)}? The policy asks why; your reason is kept with your vote and shown to the requester.` } },
      {
        type: 'input',
        block_id: REASON_BLOCK,
        label: { type: 'plain_text', text: 'Reason' },
        element: { type: 'plain_text_input', action_id: REASON_INPUT, multiline: true, max_length: MAX_REASON_LENGTH },
      },
    ],
  };
}

/** Reads `private_metadata` back; undefined when it is not ours (fail closed: nothing is counted). */
export function parseReasonModalState(metadata: string): ReasonModalState | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(metadata);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const { approval_id: approvalId, decision, channel } = parsed as Record<string, unknown>;
  if (typeof approvalId !== 'string' || (decision !== 'approve' && decision !== 'deny')) return undefined;
  return { approvalId, decision, ...(typeof channel === 'string' ? { channel } : {}) };
}
