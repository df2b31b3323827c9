/**
 * The reason modal (issue 17 item 1): what it remembers in `private_metadata` comes back intact,
 * and anything else is refused (nothing is counted from a dialog dutygate did not open).
 */
import { describe, expect, it } from 'vitest';
import { parseReasonModalState, REASON_BLOCK, REASON_CALLBACK, REASON_INPUT, renderReasonModal } from '../../../src/approvals/slack/reason-modal.js';

describe('the reason modal', () => {
  it('round-trips the approval, the vote and the channel through private_metadata; escapes what the agent named', () => {
    const view = renderReasonModal({ approvalId: 'apr_1', decision: 'deny', channel: 'C0APPROVALS' }, 'payments.create by <!channel>');
    expect(view).toMatchObject({ type: 'modal', callback_id: REASON_CALLBACK, submit: { text: 'Deny' } });
    expect(parseReasonModalState(String(view.private_metadata))).toEqual({ approvalId: 'apr_1', decision: 'deny', channel: 'C0APPROVALS' });
    const blocks = view.blocks as { type: string; block_id?: string; element?: { action_id: string; max_length: number }; text?: { text: string } }[];
    expect(blocks[0]!.text!.text).toContain('&lt;!channel&gt;');
    expect(blocks.find((block) => block.type === 'input')).toMatchObject({ block_id: REASON_BLOCK, element: { action_id: REASON_INPUT, max_length: 1_000 } });
  });

  it.each([
    ['not JSON', 'apr_1:deny'],
    ['JSON null', 'null'],
    ['no approval id', '{"decision":"deny"}'],
    ['a decision that is no vote', '{"approval_id":"apr_1","decision":"abstain"}'],
    ['an approval id that is no string', '{"approval_id":1,"decision":"approve"}'],
  ])('refuses metadata that is %s', (_name, metadata) => {
    expect(parseReasonModalState(metadata)).toBeUndefined();
  });
});
