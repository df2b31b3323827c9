/**
 * The params part of an approval message (issue 13, item 5; issue 19, item 10). One line per
 * top-level param, keys sorted (nested objects sorted too), values as JSON so a newline in a
 * value cannot forge a line; packed into code-block sections that Slack accepts; what does not
 * fit is counted, never silently dropped. Everything is mrkdwn-escaped, and backtick runs are
 * broken with a zero-width space so a value cannot close the code block and format the rest of
 * the message (`ok```\n*APPROVED BY CFO*`).
 */
import type { Block } from './blocks.js';

/** Room for param lines in one section (Slack refuses a section text over 3000 characters). */
const SECTION_ROOM = 2_700;
/** Total room for param lines: the message stays readable; the API lists the full display. */
const TOTAL_ROOM = 12_000;
/** Longest single param line; longer lines are cut and say so. */
const MAX_LINE = 1_200;

/** Escapes Slack mrkdwn control characters (`&`, `<`, `>`), per Slack's formatting docs. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A backtick followed by a zero-width space: three in a row can no longer form a fence. */
function unfence(text: string): string {
  return text.replace(/`/g, '`\u200b');
}

/** JSON with object keys sorted at every depth (arrays keep their order). */
function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${sortedJson(record[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function line(key: string, value: unknown): string {
  const name = /^[\w.-]+$/.test(key) ? key : JSON.stringify(key);
  const text = `${name}: ${sortedJson(value)}`;
  // Cut after escaping (escaping lengthens), never inside an entity.
  const escaped = escape(unfence(text));
  if (escaped.length <= MAX_LINE) return escaped;
  return `${escaped.slice(0, MAX_LINE).replace(/&[a-z]{0,3}$/, '')}… (param cut: ${text.length} characters in all)`;
}

/** The params sections of an approval message, from the masked display copy. */
export function paramsBlocks(display: Readonly<Record<string, unknown>>, approvalId: string): Block[] {
  const keys = Object.keys(display).sort();
  const sections: string[][] = [];
  let current: string[] = [];
  let size = 0;
  let total = 0;
  let shown = 0;
  for (const key of keys) {
    const text = line(key, display[key]);
    if (total + text.length > TOTAL_ROOM) break;
    if (size + text.length + 1 > SECTION_ROOM && current.length > 0) {
      sections.push(current);
      current = [];
      size = 0;
    }
    current.push(text);
    size += text.length + 1;
    total += text.length + 1;
    shown++;
  }
  if (current.length > 0 || sections.length === 0) sections.push(current);
  const hidden = keys.length - shown;
  const blocks: Block[] = sections.map((lines, i) => ({
    type: 'section',
    text: { type: 'mrkdwn', text: `${i === 0 ? `*Params* (${keys.length}, sorted; sensitive values masked)\n` : ''}\`\`\`${lines.length > 0 ? lines.join('\n') : '(none)'}\`\`\`` },
  }));
  if (hidden > 0) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: escape(`${hidden} more param${hidden === 1 ? '' : 's'} not shown here: GET /v1/approvals/${approvalId} lists every param`) }],
    });
  }
  return blocks;
}
