import { DutygateError } from '../../errors.js';
import { findDutyConflict, ledgerEntryOf, ledgerKey, type DutyActor } from '../../policy/duty-conflict.js';
import type { DutyStep, LedgerEntry } from '../../policy/types.js';
import { encodeKeyPart } from '../key-parts.js';

/** Keys a commit into a full ledger looks at for expired entries before it refuses. */
const LEDGER_SWEEP_STEP_FULL = 256;

/**
 * The duty ledger of one process: per duty and resource, who performed which step, oldest
 * first. One entry per (step, agent, initiator, ancestors): a repeat refreshes its time and moves it to
 * the end instead of piling up, exactly like the Redis sorted set does. Entries older than
 * `ttlMs` are invisible and swept; a ledger full of live entries fails closed.
 */
export class MemoryLedger {
  private readonly byKey = new Map<string, LedgerEntry[]>();
  private size = 0;
  /** The sweep's position in `byKey` (a live Map iterator). */
  private cursor: Iterator<[string, LedgerEntry[]]> | undefined;

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
    // A few keys at a time, never every key: a ledger filled with live entries (an agent can
    // spray fresh resource ids) would otherwise be walked in full on every commit.
    if (this.size + steps.length > this.maxEntries) this.sweepSome(nowMs, LEDGER_SWEEP_STEP_FULL);
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

  /** Entries held, expired ones not yet swept included. */
  get entries(): number {
    return this.size;
  }

  /**
   * Forgets the expired entries of the next `keys` keys, continuing where the last call stopped
   * (a clock hand over the keys, wrapping around once per call at most), and returns how many
   * keys it looked at. The only sweep there is (the timer, and a commit into a full ledger):
   * bounded work per call however many keys an agent made, where a walk over every key stalled
   * the process (300k keys: 13–25 ms, every second) and ran on every commit once the ledger was full. Reads never see expired
   * entries, so reclaiming them late costs only memory until the hand comes round.
   */
  sweepSome(nowMs: number, keys: number): number {
    const oldest = nowMs - this.ttlMs;
    let looked = 0;
    let wrapped = false;
    while (looked < keys && this.byKey.size > 0) {
      this.cursor ??= this.byKey.entries();
      const next = this.cursor.next();
      if (next.done) {
        this.cursor = undefined;
        if (wrapped) break;
        wrapped = true;
        continue;
      }
      looked++;
      const [key, list] = next.value;
      // Oldest first: a key whose first entry is live has nothing to forget (no copy made).
      if ((list[0]?.at ?? -Infinity) > oldest) continue;
      const kept = list.filter((entry) => entry.at > oldest);
      this.size -= list.length - kept.length;
      // Deleting behind a live Map iterator is safe; replacing a value keeps the key in place.
      if (kept.length === 0) this.byKey.delete(key);
      else this.byKey.set(key, kept);
    }
    return looked;
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
