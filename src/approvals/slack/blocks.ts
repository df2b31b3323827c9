/**
 * The Block Kit message of one approval (docs/design.md §6): agent, chain, tool, masked params, every
 * approval rule with its verbatim clause and progress, policy version, expiry, and Approve / Deny
 * buttons with confirm dialogs.
 * Re-rendered in place from the stored record as votes arrive and on the outcome or expiry.
 * Everything an agent controls (ids, params) is escaped: a param must not @-mention a channel
 * or forge a link in front of an approver.
 */
import { ruleProgress } from '../../state/approval-progress.js';
import type { ApprovalRecord } from '../../state/approval-record.js';
import { reasonRequired } from '../reason-rule.js';
import { paramsBlocks } from './params-display.js';

/** `action_id`s of the two buttons. */
export const APPROVE_ACTION = 'dutygate_approve';
export const DENY_ACTION = 'dutygate_deny';

/** A Block Kit block (kept loose: Slack validates the shape). */
export type Block = Record<string, unknown>;

/** The message: fallback text (notifications, screen readers) and blocks. */
export interface ApprovalMessage {
  readonly text: string;
  readonly blocks: Block[];
}

/** Slack refuses a section text over 3000 characters; escaping can make text longer. */
const MAX_SECTION_TEXT = 2_800;
/** Rules shown with their clause; Slack takes at most 50 blocks, and the API lists every rule. */
const MAX_RULE_SECTIONS = 10;

/** Escapes Slack mrkdwn control characters (`&`, `<`, `>`), per Slack's formatting docs. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escaped, then cut to what a section may hold (cut after escaping: escaping lengthens). */
function sectionText(raw: string, room: number = MAX_SECTION_TEXT): string {
  const escaped = escapeMrkdwn(raw);
  return escaped.length > room ? `${escaped.slice(0, room).replace(/&[a-z]{0,3}$/, '')}…` : escaped;
}

/** Renders `record` as it stands at `nowMs` (buttons only while pending). */
export function renderApprovalMessage(record: ApprovalRecord, nowMs: number): ApprovalMessage {
  const pending = record.status === 'pending' && record.expiresAt > nowMs;
  const status = pending ? 'pending' : record.status === 'pending' ? 'expired' : record.status;
  const title = record.kind === 'break_glass' ? `Break-glass request for agent ${record.agentId}` : `Approval needed: ${record.tool ?? 'unknown tool'} by ${record.agentId}`;
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } },
    { type: 'section', fields: fields(record) },
  ];
  if (record.kind === 'call') {
    blocks.push(...paramsBlocks(record.display ?? {}, record.approvalId));
  } else {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Reason*\n${sectionText(record.reason ?? '')}` } });
  }
  blocks.push(...ruleBlocks(record));
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(progress(record)) }] });
  const reasons = reasonsText(record);
  if (reasons) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: sectionText(reasons) } });
  if (pending) {
    blocks.push({ type: 'actions', block_id: `dutygate:${record.approvalId}`, elements: buttons(record) });
  } else {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: outcomeText(record, status) } });
  }
  // The fallback text is mrkdwn (notifications); the header block is plain_text, shown as is.
  return { text: escapeMrkdwn(`${title} — ${status}`), blocks };
}

function fields(record: ApprovalRecord): Block[] {
  // A field holds at most 2000 characters (a 32-link chain of 256-character ids would not fit).
  const field = (label: string, value: string) => ({ type: 'mrkdwn', text: `*${label}*\n${sectionText(value, 1_900)}` });
  const expires = Math.floor(record.expiresAt / 1000);
  const out = [
    field('Agent', record.agentId),
    field('Chain', record.chain.length > 0 ? [...record.chain, record.agentId].join(' → ') : '(none)'),
    field('Initiator', record.initiator ?? '(none)'),
  ];
  const ruleIds = record.rules?.map((rule) => rule.ruleId) ?? (record.ruleId === undefined ? [] : [record.ruleId]);
  if (record.kind === 'call') out.push(field('Tool', record.tool ?? ''), field(ruleIds.length > 1 ? `Rules (${ruleIds.length}, each must approve)` : 'Rule', ruleIds.join(', ')));
  else out.push(field('Grant', `${Math.round((record.grantTtlMs ?? 0) / 60_000)} min`));
  out.push(field('Policy version', record.policyVersion));
  // Slack renders <!date^…> in each reader's time zone; the text after | is the fallback.
  out.push({ type: 'mrkdwn', text: `*Expires*\n<!date^${expires}^{date_short_pretty} {time}|${new Date(record.expiresAt).toISOString()}>` });
  return out.slice(0, 10);
}

/**
 * The clause of every rule the approval covers, each with its own progress (issue 12 item 3): an
 * approver sees which rules still wait and for whom. A record without rules shows its one clause.
 */
function ruleBlocks(record: ApprovalRecord): Block[] {
  const rules = record.rules;
  if (!rules || rules.length === 0) {
    const clause = record.clause;
    return clause ? [{ type: 'section', text: { type: 'mrkdwn', text: `>${sectionText(clause.text, 2_400)}\n_${sectionText(clause.source, 300)}_` } }] : [];
  }
  const progress = ruleProgress(record);
  // Several rules share the message: each clause gets less room than a lone one.
  const room = rules.length === 1 ? 2_400 : 1_000;
  const blocks: Block[] = rules.slice(0, MAX_RULE_SECTIONS).map((rule, i) => {
    const done = progress[i];
    const approvedBy = done && done.approvedBy.length > 0 ? `: ${done.approvedBy.join(', ')}` : '';
    const head = `*${sectionText(rule.ruleId, 200)}* · ${done?.approvedBy.length ?? 0} of ${rule.quorum} from ${sectionText(rule.approvers.join(', '), 600)}${sectionText(approvedBy, 600)}`;
    const clause = rule.clause ? `\n>${sectionText(rule.clause.text, room)}\n_${sectionText(rule.clause.source, 300)}_` : '';
    return { type: 'section', text: { type: 'mrkdwn', text: `${done?.met ? ':white_check_mark: ' : ''}${head}${clause}` } };
  });
  const more = rules.length - MAX_RULE_SECTIONS;
  if (more > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(`${more} more rule(s) not shown here: GET /v1/approvals/${record.approvalId} lists every rule`) }] });
  return blocks;
}

function buttons(record: ApprovalRecord): Block[] {
  const what = record.kind === 'break_glass' ? `the break-glass grant for ${record.agentId}` : `${record.tool ?? 'this call'} by ${record.agentId}`;
  const confirm = (title: string, verb: string) => ({
    title: { type: 'plain_text', text: title },
    text: { type: 'mrkdwn', text: `${verb} ${escapeMrkdwn(what)}?` },
    confirm: { type: 'plain_text', text: title },
    deny: { type: 'plain_text', text: 'Cancel' },
  });
  // A vote that needs a reason opens the reason modal, which is its own confirmation (with a
  // Cancel): a confirm dialog before it would ask twice.
  const approve = reasonRequired(record, 'approve') ? {} : { confirm: confirm('Approve', 'Approve') };
  const deny = reasonRequired(record, 'deny') ? {} : { confirm: { ...confirm('Deny', 'Deny'), style: 'danger' } };
  return [
    { type: 'button', action_id: APPROVE_ACTION, style: 'primary', value: record.approvalId, text: { type: 'plain_text', text: 'Approve' }, ...approve },
    { type: 'button', action_id: DENY_ACTION, style: 'danger', value: record.approvalId, text: { type: 'plain_text', text: 'Deny' }, ...deny },
  ];
}

function progress(record: ApprovalRecord): string {
  const approvals = record.votes.filter((vote) => vote.decision === 'approve');
  const who = approvals.map((vote) => vote.principal).join(', ');
  const each = (record.rules?.length ?? 0) > 1 ? ' · every rule above must be met' : '';
  return `${approvals.length} of ${record.quorum} approval(s)${who ? `: ${who}` : ''}${each} · ${record.approvalId}`;
}

/** Every vote that gave a reason (issue 17 item 1), one line each, oldest first. */
function reasonsText(record: ApprovalRecord): string | undefined {
  const lines = record.votes.filter((vote) => vote.reason !== undefined).map((vote) => `${vote.principal} (${vote.decision}): ${vote.reason ?? ''}`);
  return lines.length > 0 ? `Reasons\n${lines.join('\n')}` : undefined;
}

function outcomeText(record: ApprovalRecord, status: string): string {
  const denier = record.votes.find((vote) => vote.decision === 'deny');
  switch (status) {
    case 'approved':
      return `:white_check_mark: *Approved* by ${escapeMrkdwn(record.votes.filter((vote) => vote.decision === 'approve').map((vote) => vote.principal).join(', '))}`;
    case 'denied':
      return `:no_entry: *Denied* by ${escapeMrkdwn(denier?.principal ?? 'an approver')}${denier?.reason ? `: ${escapeMrkdwn(denier.reason)}` : ''}`;
    case 'cancelled':
      return `:no_entry_sign: *Cancelled* by ${escapeMrkdwn(record.cancelledBy ?? 'the requester')}; votes are no longer counted`;
    default:
      return ':hourglass: *Expired* without a decision';
  }
}
