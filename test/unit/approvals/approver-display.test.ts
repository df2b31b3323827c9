/**
 * Issue 13, item 5 (and issue 19, item 10's code fence): approvers see what they approve. Every
 * key appears, sorted; masked values say so; truncation is marked; what does not fit is counted;
 * `__proto__` is a key like any other; a value cannot close the message's code block.
 */
import { describe, expect, it } from 'vitest';
import { maskParams } from '../../../src/approvals/mask-params.js';
import { renderApprovalMessage } from '../../../src/approvals/slack/blocks.js';
import type { ApprovalRecord } from '../../../src/state/approval-record.js';
import { approvalRecordOf } from '../../helpers/approval-record.js';

const T0 = 1_800_000_000_000;
const record = (params: Record<string, unknown>, mask: string[] = []): ApprovalRecord =>
  approvalRecordOf(T0, { approvalId: 'apr_display', display: maskParams(params, mask) });

/** The mrkdwn text of every params section, joined. */
function paramsText(params: Record<string, unknown>, mask: string[] = []): string {
  const blocks = renderApprovalMessage(record(params, mask), T0).blocks;
  return blocks
    .map((block) => (block.text as { text?: string } | undefined)?.text ?? '')
    .filter((text) => text.includes('```') || text.startsWith('*Params'))
    .join('\n');
}

describe('what approvers are shown', () => {
  it('shows every key, sorted, also past the 50th', () => {
    const params: Record<string, unknown> = {};
    for (let i = 59; i >= 0; i--) params[`k${String(i).padStart(2, '0')}`] = i;
    params.amount = 9000;
    const text = paramsText(params);
    for (let i = 0; i < 60; i++) expect(text).toContain(`k${String(i).padStart(2, '0')}`);
    expect(text.indexOf('amount')).toBeLessThan(text.indexOf('k00'));
    expect(text.indexOf('k00')).toBeLessThan(text.indexOf('k59'));
  });

  it('says a value is masked', () => {
    const text = paramsText({ card: '4111111111111111', password: 'hunter2' }, ['card']);
    expect(text).not.toContain('4111111111111111');
    expect(text).not.toContain('hunter2');
    expect(text.match(/masked/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it('marks a cut string with how much was cut', () => {
    const text = paramsText({ note: `${'a'.repeat(300)}TAIL` });
    expect(text).not.toContain('TAIL');
    expect(text).toMatch(/104 more characters/);
  });

  it('shows a __proto__ param', () => {
    const params = JSON.parse('{"__proto__":{"admin":true},"amount":1}') as Record<string, unknown>;
    const text = paramsText(params);
    expect(text).toContain('__proto__');
    expect(text).toContain('admin');
  });

  it('counts what does not fit instead of dropping it silently', () => {
    const params: Record<string, unknown> = {};
    for (let i = 0; i < 400; i++) params[`key_${i}`] = 'v'.repeat(190);
    const message = renderApprovalMessage(record(params), T0);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    for (const block of message.blocks) expect(((block.text as { text?: string } | undefined)?.text ?? '').length).toBeLessThanOrEqual(3000);
    const text = JSON.stringify(message.blocks);
    expect(text).toMatch(/(\d+) more params? not shown/);
    const hidden = Number(/(\d+) more params? not shown/.exec(text)![1]);
    const shown = new Set([...text.matchAll(/key_\d+/g)].map((m) => m[0])).size;
    expect(shown + hidden).toBe(400);
  });

  it('a value cannot close the code block (issue 19, item 10)', () => {
    const text = paramsText({ memo: 'ok```\n*APPROVED BY CFO* <!here>\n```' });
    // Exactly one opening and one closing fence per params section: the value adds none.
    const sections = text.split('\n*Params');
    for (const section of sections) expect(section.match(/```/g)?.length ?? 0).toBeLessThanOrEqual(2);
    expect(text).not.toContain('<!here>');
  });
});
