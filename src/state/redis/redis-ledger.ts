import type { DutyActor } from '../../policy/duty-conflict.js';
import type { DutyStep, LedgerEntry } from '../../policy/types.js';
import { decodeKeyPart, encodeKeyPart } from '../key-parts.js';
import { DEFAULT_MAX_LEDGER_ENTRIES_PER_ACTOR, ledgerHoldersOf, ledgerLimitError } from '../ledger-limit.js';
import type { RedisClient } from './redis-client.js';
import type { RedisKeys } from './redis-keys.js';
import type { RedisScripts } from './redis-scripts.js';

/**
 * The duty ledger on Redis: one sorted set per duty and resource, member =
 * `3:<step>:<agentId>:[=<initiator>][:<ancestor>…]` with each name encoded by `encodeKeyPart`
 * (made by Node only, so a repeat is the same member and only refreshes its score; see
 * lua-ledger.ts for why not JSON), score = `at`. The ancestors are the performer's attested
 * chain, root first: the conflict rule compares lineages (issue 12). Members of the earlier
 * `2:<step>:<agentId>[:<initiator>]` and JSON forms are still read, without ancestors. The key expires `ttlMs` after its newest entry; older
 * entries are trimmed by each commit and hidden from reads. Each entry is also listed in its
 * actor's shares (agent, chain root, initiator), which the commit script caps at `maxPerActor`.
 */
export class RedisLedger {
  constructor(
    private readonly client: RedisClient,
    private readonly scripts: RedisScripts,
    private readonly keys: RedisKeys,
    private readonly ttlMs: number,
    private readonly maxPerActor: number = DEFAULT_MAX_LEDGER_ENTRIES_PER_ACTOR,
  ) {}

  async read(steps: readonly DutyStep[], nowMs: number): Promise<LedgerEntry[]> {
    const groups = this.group(steps);
    const min = `(${nowMs - this.ttlMs}`;
    // Concurrent commands on one client leave in a single auto-pipelined write.
    const replies = await Promise.all(groups.map((group) => this.client.zrangebyscore(group.key, min, '+inf', 'WITHSCORES')));
    const out: LedgerEntry[] = [];
    replies.forEach((reply, index) => {
      const group = groups[index] as Group;
      for (let i = 0; i < reply.length; i += 2) out.push(decodeEntry(group, reply[i] as string, reply[i + 1] as string));
    });
    return out;
  }

  async commit(steps: readonly DutyStep[], actor: DutyActor, nowMs: number): Promise<LedgerEntry | undefined> {
    if (steps.length === 0) return undefined;
    const groups = this.group(steps);
    // Names travel encoded: the script compares them with the encoded parts of members.
    const args: (string | number)[] = [nowMs, nowMs - this.ttlMs, this.ttlMs, encodeKeyPart(actor.agentId)];
    args.push(actor.initiator === undefined ? '0' : '1', actor.initiator === undefined ? '' : encodeKeyPart(actor.initiator));
    const ancestors = (actor.ancestors ?? []).map(encodeKeyPart);
    args.push(ancestors.length, ...ancestors, steps.length);
    for (const step of steps) {
      const keyIndex = groups.findIndex((group) => group.duty === step.duty && group.resource === step.resource) + 1;
      const distinct = step.distinct.map(encodeKeyPart);
      args.push(keyIndex, encodeKeyPart(step.step), step.enforced === false ? '0' : '1', step.distinctBy ?? 'lineage', encodeMember(step.step, actor), distinct.length, ...distinct);
    }
    const holders = ledgerHoldersOf(actor);
    args.push(this.maxPerActor, holders.length, ...holders.map((holder) => holder.kind));
    const reply = await this.scripts.commitDuty(
      [...groups.map((group) => group.key), ...holders.map((holder) => this.keys.ledgerShare(holder.kind, encodeKeyPart(holder.id)))],
      args,
    );
    if (!Array.isArray(reply)) return undefined;
    if (reply[0] === -1) {
      const kind = holders.find((holder) => holder.kind === reply[1])?.kind;
      if (kind === undefined) throw new Error(`the ledger commit script named an unknown share '${String(reply[1])}'`);
      throw ledgerLimitError(kind, this.maxPerActor);
    }
    const [keyIndex, member, at] = reply as [number, string, string];
    return decodeEntry(groups[keyIndex - 1] as Group, member, at);
  }

  /** Distinct (duty, resource) pairs of `steps`, in order of first appearance. */
  private group(steps: readonly DutyStep[]): Group[] {
    const groups: Group[] = [];
    for (const { duty, resource } of steps) {
      if (!groups.some((group) => group.duty === duty && group.resource === resource)) {
        groups.push({ duty, resource, key: this.keys.ledger(duty, resource) });
      }
    }
    return groups;
  }
}

interface Group {
  readonly duty: string;
  readonly resource: string;
  readonly key: string;
}

function encodeMember(step: string, actor: DutyActor): string {
  const initiator = actor.initiator === undefined ? '' : `=${encodeKeyPart(actor.initiator)}`;
  const ancestors = (actor.ancestors ?? []).map((ancestor) => `:${encodeKeyPart(ancestor)}`).join('');
  return `3:${encodeKeyPart(step)}:${encodeKeyPart(actor.agentId)}:${initiator}${ancestors}`;
}

/** What a member names (all but the key's duty and resource and the score's time). */
type MemberFields = Omit<LedgerEntry, 'duty' | 'resource' | 'at'>;

// Members repeat on every read of a busy key (a repeat only refreshes its score), so their
// decoded fields are kept: a read then splits and decodes only members it has not seen. The
// fields are frozen and shared; each entry is still a fresh object with its own time.
const MEMBER_CACHE_MAX = 20_000;
const decodedMembers = new Map<string, Readonly<MemberFields>>();

/** A member as an entry; `2:` and JSON members are the formats before issue 12 and 19, read for one ledger TTL. */
function decodeEntry(group: Group, member: string, at: string): LedgerEntry {
  let fields = decodedMembers.get(member);
  if (fields === undefined) {
    fields = Object.freeze(decodeMember(member));
    // Dropped whole when full: a cache miss costs one decode, never a wrong entry.
    if (decodedMembers.size >= MEMBER_CACHE_MAX) decodedMembers.clear();
    decodedMembers.set(member, fields);
  }
  const entry: { -readonly [K in keyof LedgerEntry]: LedgerEntry[K] } = { duty: group.duty, resource: group.resource, at: Number(at), step: fields.step, agentId: fields.agentId };
  if (fields.initiator !== undefined) entry.initiator = fields.initiator;
  if (fields.ancestors !== undefined) entry.ancestors = fields.ancestors;
  return entry;
}

function decodeMember(member: string): MemberFields {
  if (member.startsWith('3:')) {
    const [step, agentId, initiator, ...ancestors] = member.slice(2).split(':') as [string, string, string, ...string[]];
    return {
      step: decodeKeyPart(step),
      agentId: decodeKeyPart(agentId),
      ...(initiator === '' ? {} : { initiator: decodeKeyPart(initiator.slice(1)) }),
      ...(ancestors.length === 0 ? {} : { ancestors: Object.freeze(ancestors.map(decodeKeyPart)) }),
    };
  }
  const [step, agentId, initiator] = member.startsWith('2:')
    ? (member.slice(2).split(':').map(decodeKeyPart) as [string, string, string?])
    : (JSON.parse(member) as [string, string, string?]);
  return { step, agentId, ...(initiator === undefined ? {} : { initiator }) };
}
