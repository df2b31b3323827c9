import { DutygateError } from '../../errors.js';
import { findDutyConflict, ledgerEntryOf, ledgerKey, type DutyActor } from '../../policy/duty-conflict.js';
import type { DutyStep, LedgerEntry } from '../../policy/types.js';
import { encodeKeyPart } from '../key-parts.js';

/**
 * The duty ledger of one process: per duty and resource, who performed which step, oldest
 * first. One entry per (step, agent, initiator, ancestors): a repeat refreshes its time and moves it to
 * the end instead of piling up, exactly like the Redis sorted set does. Entries older than
 * `ttlMs` are invisible and swept; a ledger full of live entries fails closed.
 */
export class MemoryLedger {
  private readonly byKey = new Map<string, LedgerEntry[]>();
  private size = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  read(steps: readonly DutyStep[], nowMs: number): LedgerEntry[] {
    const oldest = nowMs - this.ttlMs;
    const out: LedgerEntry[] = [];
    for (const key of new Set(steps.map((step) => ledgerKey(step.duty, step.resource)))) {
      for (const entry of this.byKey.get(key) ?? []) if (entry.at > oldest) out.push(entry);
    }
    return out;
  }

  /** The conflicting entry (nothing recorded), or undefined once every step is recorded. */
  commit(steps: readonly DutyStep[], actor: DutyActor, nowMs: number): LedgerEntry | undefined {
    // Same refusal as the Redis driver, so both drivers keep the same ledger.
    for (const name of [actor.agentId, actor.initiator ?? '', ...(actor.ancestors ?? [])]) encodeKeyPart(name);
    const conflict = findDutyConflict(this.read(steps, nowMs), steps, actor);
    if (conflict) return conflict;
    // Only new entries need room: a repeat refreshes its entry in place.
    if (this.size + steps.length > this.maxEntries) this.sweep(nowMs);
    if (this.size + this.countNew(steps, actor) > this.maxEntries) throw new DutygateError('STATE_UNAVAILABLE', 'the duty ledger is full');
    for (const step of steps) {
      const entry = ledgerEntryOf(step, actor, nowMs);
      const key = ledgerKey(step.duty, step.resource);
      const list = this.byKey.get(key) ?? [];
      const same = list.findIndex((old) => sameEntry(old, entry.step, actor));
      if (same >= 0) list.splice(same, 1);
      else this.size++;
      list.push(entry);
      this.byKey.set(key, list);
    }
    return undefined;
  }

  private countNew(steps: readonly DutyStep[], actor: DutyActor): number {
    const seen = new Set<string>();
    for (const step of steps) {
      const key = ledgerKey(step.duty, step.resource);
      if (!this.byKey.get(key)?.some((old) => sameEntry(old, step.step, actor))) seen.add(`${key}\u0000${step.step}`);
    }
    return seen.size;
  }

  /** Forgets entries older than the TTL. */
  sweep(nowMs: number): void {
    const oldest = nowMs - this.ttlMs;
    for (const [key, entries] of this.byKey) {
      const kept = entries.filter((entry) => entry.at > oldest);
      this.size -= entries.length - kept.length;
      if (kept.length === 0) this.byKey.delete(key);
      else if (kept.length !== entries.length) this.byKey.set(key, kept);
    }
  }

  clear(): void {
    this.byKey.clear();
    this.size = 0;
  }
}

function sameEntry(entry: LedgerEntry, step: string, actor: DutyActor): boolean {
  return entry.step === step && entry.agentId === actor.agentId && entry.initiator === actor.initiator && sameList(entry.ancestors, actor.ancestors);
}

function sameList(a: readonly string[] = [], b: readonly string[] = []): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}
