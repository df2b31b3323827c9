import type { ApprovalRecord, ApprovalStatus, ApprovalVote, CancelResult, FollowUpStep, VoteResult } from '../approval-record.js';
import { approvalLimitError, DEFAULT_MAX_PENDING_APPROVALS } from '../approval-limit.js';
import { ruleProgress } from '../approval-progress.js';
import { approvalRetainUntil, DEFAULT_LIST_LIMIT, withDerivedStatus } from '../approval-status.js';
import type { RedisClient } from './redis-client.js';
import type { RedisKeys } from './redis-keys.js';
import type { RedisScripts } from './redis-scripts.js';

/** Bounds of the approval indexes (records themselves expire by TTL). */
export interface RedisApprovalsOptions {
  readonly retentionMs: number;
  /** Most ids kept per status index (default 100,000); older ones are trimmed. */
  readonly indexCap?: number;
  /** Pending approvals per agent and per initiator (default 20); beyond it create throws APPROVAL_LIMIT. */
  readonly maxPending?: number;
}

/** Ids read per round while listing. */
const LIST_PAGE = 200;

/**
 * Approval records on Redis (layout in lua-approvals.ts). Every change is one script; reads
 * are single commands. Records expire `retentionMs` after their expiry or grant end.
 */
export class RedisApprovals {
  private readonly indexCap: number;
  private readonly maxPending: number;

  constructor(
    private readonly client: RedisClient,
    private readonly scripts: RedisScripts,
    private readonly keys: RedisKeys,
    private readonly options: RedisApprovalsOptions,
  ) {
    this.indexCap = options.indexCap ?? 100_000;
    this.maxPending = options.maxPending ?? DEFAULT_MAX_PENDING_APPROVALS;
  }

  async create(record: ApprovalRecord, nowMs: number): Promise<{ record: ApprovalRecord; created: boolean }> {
    const { votes, status, decidedAt, grantExpiresAt, notification, remindedAt, escalatedAt, ...base } = record;
    const fields: (string | number)[] = ['base', JSON.stringify({ ...base, votes })];
    fields.push('status', status, 'expiresAt', record.expiresAt, 'createdAt', record.createdAt, 'quorum', countQuorum(record));
    fields.push('kind', record.kind, 'grantTtlMs', record.grantTtlMs ?? '', 'agentId', record.agentId, 'requestKey', record.requestKey);
    fields.push('initiator', record.initiator ?? '');
    fields.push('nvotes', 0, 'napprove', votes.filter((vote) => vote.decision === 'approve').length);
    for (const vote of votes) fields.push(`p:${vote.principal}`, vote.decision);
    fields.push(...ruleFields(record));
    if (decidedAt !== undefined) fields.push('decidedAt', decidedAt);
    if (grantExpiresAt !== undefined) fields.push('grantExpiresAt', grantExpiresAt);
    if (notification !== undefined) fields.push('notification', JSON.stringify(notification));
    if (remindedAt !== undefined) fields.push('remindedAt', remindedAt);
    if (escalatedAt !== undefined) fields.push('escalatedAt', escalatedAt);
    const recordTtl = Math.max(1, approvalRetainUntil(record, this.options.retentionMs) - nowMs);
    const indexStatus = status === 'expired' ? 'pending' : status;
    const keys = [this.keys.approval(record.approvalId), this.keys.requestKey(record.requestKey), this.keys.statusIndex(indexStatus), this.keys.pendingOf('agent', record.agentId)];
    if (record.initiator !== undefined) keys.push(this.keys.pendingOf('initiator', record.initiator));
    const reply = (await this.scripts.createApproval(keys, [
      this.keys.approvals,
      nowMs,
      record.approvalId,
      status,
      recordTtl,
      record.expiresAt - nowMs,
      this.indexCap,
      record.createdAt,
      this.maxPending,
      ...fields,
    ])) as [number, (string[] | string)?];
    if (reply[0] === 1) return { record, created: true };
    if (reply[0] === 2) throw approvalLimitError(reply[1] === 'initiator' ? 'initiator' : 'agent', this.maxPending);
    return { record: withDerivedStatus(fromHash((reply[1] as string[] | undefined) ?? []) as ApprovalRecord, nowMs), created: false };
  }

  async get(approvalId: string, nowMs: number): Promise<ApprovalRecord | undefined> {
    const hash = await this.client.hgetall(this.keys.approval(approvalId));
    const record = fromFields(hash);
    return record && withDerivedStatus(record, nowMs);
  }

  /**
   * Walks the status index newest first; drops ids whose record has expired away. Expired
   * approvals come from the expiry index, latest expiry first, so listing them never reads the
   * live pending records (issue 19 item 10).
   */
  async list(status: ApprovalStatus, nowMs: number, limit = DEFAULT_LIST_LIMIT): Promise<ApprovalRecord[]> {
    const expired = status === 'expired';
    const index = expired ? this.keys.expiring : this.keys.statusIndex(status);
    const out: ApprovalRecord[] = [];
    for (let start = 0; out.length < limit; start += LIST_PAGE) {
      const ids = expired
        ? await this.client.zrevrangebyscore(index, nowMs, '-inf', 'LIMIT', start, LIST_PAGE)
        : await this.client.zrevrange(index, start, start + LIST_PAGE - 1);
      if (ids.length === 0) break;
      const hashes = await Promise.all(ids.map((id) => this.client.hgetall(this.keys.approval(id))));
      const gone: string[] = [];
      hashes.forEach((hash, i) => {
        const record = fromFields(hash);
        if (!record) gone.push(ids[i] as string);
        else if (out.length < limit && withDerivedStatus(record, nowMs).status === status) out.push(withDerivedStatus(record, nowMs));
      });
      if (gone.length > 0) {
        await this.client.zrem(index, ...gone);
        start -= gone.length;
      }
      if (ids.length < LIST_PAGE) break;
    }
    return out;
  }

  async vote(approvalId: string, vote: ApprovalVote, nowMs: number): Promise<VoteResult> {
    const reply = (await this.scripts.recordVote(
      [this.keys.approval(approvalId)],
      [this.keys.approvals, nowMs, vote.principal, vote.decision, JSON.stringify(vote), approvalId, this.options.retentionMs, this.indexCap],
    )) as [VoteResult['outcome'], string[]?];
    const [outcome, flat] = reply;
    if (outcome === 'not_found') return { outcome };
    return { outcome, record: withDerivedStatus(fromHash(flat ?? []) as ApprovalRecord, nowMs) };
  }

  async cancel(approvalId: string, by: string, nowMs: number): Promise<CancelResult> {
    const reply = (await this.scripts.cancelApproval([this.keys.approval(approvalId)], [this.keys.approvals, nowMs, by, approvalId, this.indexCap])) as [CancelResult['outcome'], string[]?];
    const [outcome, flat] = reply;
    if (outcome === 'not_found') return { outcome };
    return { outcome, record: withDerivedStatus(fromHash(flat ?? []) as ApprovalRecord, nowMs) };
  }

  async claimFollowUp(approvalId: string, step: FollowUpStep, nowMs: number, everyMs: number | undefined): Promise<ApprovalRecord | undefined> {
    const field = step === 'remind' ? 'remindedAt' : 'escalatedAt';
    const flat = (await this.scripts.claimFollowUp([this.keys.approval(approvalId)], [field, nowMs, everyMs ?? ''])) as string[] | null;
    return flat ? withDerivedStatus(fromHash(flat) as ApprovalRecord, nowMs) : undefined;
  }

  async setNotification(approvalId: string, notification: { channel: string; ts: string }): Promise<void> {
    const json = JSON.stringify({ channel: notification.channel, ts: notification.ts });
    await this.scripts.setNotification([this.keys.approval(approvalId)], [json]);
  }

  async activeBreakGlass(agentId: string, nowMs: number): Promise<ApprovalRecord | undefined> {
    const flat = (await this.scripts.activeBreakGlass([this.keys.breakGlass(agentId)], [this.keys.approvals, nowMs])) as string[] | null;
    return flat ? fromHash(flat) : undefined;
  }
}

/**
 * The `quorum` hash field, which the vote script reads only for records without rules. For a
 * record with rules it is one more than all its approvers: a replica still running the script of
 * before rule sets (a rolling upgrade) decides by that count alone and so can never approve it;
 * the record waits for a replica that decides by rules. (`base` keeps the record's own quorum.)
 */
function countQuorum(record: ApprovalRecord): number {
  return record.rules && record.rules.length > 0 ? record.approvers.length + 1 : record.quorum;
}

/**
 * The per-rule counters the vote script decides with (issue 12 item 3): `nrules`; per rule *i*
 * (1-based) its quorum `rq:<i>` and approvals so far `rn:<i>`; per listed principal `a:<principal>`,
 * the space-separated indexes of the rules that list them; per escalation principal
 * `e:<principal>`, `<i>@<opensAtMs>` entries of the rules that escalate to them (issue 17 item 2).
 * Lua never decodes the rules' JSON.
 */
function ruleFields(record: ApprovalRecord): (string | number)[] {
  const rules = record.rules ?? [];
  const fields: (string | number)[] = ['nrules', rules.length];
  const progress = ruleProgress(record);
  const listedIn = new Map<string, number[]>();
  const escalatedIn = new Map<string, string[]>();
  rules.forEach((rule, i) => {
    fields.push(`rq:${i + 1}`, rule.quorum, `rn:${i + 1}`, progress[i]?.approvedBy.length ?? 0);
    for (const principal of rule.approvers) listedIn.set(principal, [...(listedIn.get(principal) ?? []), i + 1]);
    if (rule.escalateAfterMs === undefined) return;
    const opensAt = record.createdAt + rule.escalateAfterMs;
    for (const principal of rule.escalateTo ?? []) escalatedIn.set(principal, [...(escalatedIn.get(principal) ?? []), `${i + 1}@${opensAt}`]);
  });
  for (const [principal, indexes] of listedIn) fields.push(`a:${principal}`, indexes.join(' '));
  for (const [principal, entries] of escalatedIn) fields.push(`e:${principal}`, entries.join(' '));
  return fields;
}

/** A record from a flat HGETALL reply (as scripts return it). */
function fromHash(flat: readonly string[]): ApprovalRecord | undefined {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
  return fromFields(fields);
}

/** A record from its hash fields; undefined when the hash is gone. */
function fromFields(fields: Record<string, string>): ApprovalRecord | undefined {
  if (fields.base === undefined) return undefined;
  const base = JSON.parse(fields.base) as ApprovalRecord;
  const votes = [...base.votes];
  for (let n = 1; fields[`v:${n}`] !== undefined; n++) votes.push(JSON.parse(fields[`v:${n}`] as string) as ApprovalVote);
  return {
    ...base,
    status: fields.status as ApprovalStatus,
    votes,
    ...(fields.decidedAt === undefined ? {} : { decidedAt: Number(fields.decidedAt) }),
    ...(fields.grantExpiresAt === undefined ? {} : { grantExpiresAt: Number(fields.grantExpiresAt) }),
    ...(fields.cancelledBy === undefined ? {} : { cancelledBy: fields.cancelledBy }),
    ...(fields.remindedAt === undefined ? {} : { remindedAt: Number(fields.remindedAt) }),
    ...(fields.escalatedAt === undefined ? {} : { escalatedAt: Number(fields.escalatedAt) }),
    ...(fields.notification === undefined ? {} : { notification: JSON.parse(fields.notification) as { channel: string; ts: string } }),
  };
}
