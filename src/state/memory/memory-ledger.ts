import { DutygateError } from '../../errors.js';
import { findDutyConflict, ledgerEntryOf, ledgerKey, type DutyActor } from '../../policy/duty-conflict.js';
import type { DutyStep, LedgerEntry } from '../../policy/types.js';
import { encodeKeyPart } from '../key-parts.js';
import { DEFAULT_MAX_LEDGER_ENTRIES_PER_ACTOR, ledgerHoldersOf, ledgerLimitError } from '../ledger-limit.js';
import type { LedgerHolder } from '../ledger-limit.js';

/** Keys a commit into a full ledger looks at for expired entries before it refuses. */
const LEDGER_SWEEP_STEP_FULL = 256;

/**
 * The duty ledger of one process: per duty and resource, who performed which step, oldest
 * first. One entry per (step, agent, initiator, ancestors): a repeat refreshes its time and moves it to
 * the end instead of piling up, exactly like the Redis sorted set does. Entries older than
 * `ttlMs` are invisible and swept; a ledger full of live entries fails closed.
 *
 * Each entry also counts against its actor's shares (agent, chain root, initiator; see
 * ledger-limit.ts): a commit that would take a share past `maxPerActor` is refused with
 * LEDGER_LIMIT, so one agent spraying fresh resource ids fills its own share, not the ledger
 * every other actor's commits need. Shares count entries held, so an expired entry frees its
 * room when the sweep's clock hand reaches it (one turn over a million keys: about four minutes).
 */
export class MemoryLedger {
  private readonly byKey = new Map<string, LedgerEntry[]>();
  private size = 0;
  /** The sweep's position in `byKey` (a live Map iterator). */
  private cursor: Iterator<[string, LedgerEntry[]]> | undefined;
  /** Entries held per share (`a:` agent, `r:` chain root, `i:` initiator + name); no zero counts kept. */
  private readonly held = new Map<string, number>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly maxPerActor: number = DEFAULT_MAX_LEDGER_ENTRIES_PER_ACTOR,
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
    let added = this.countNew(steps, actor);
    if (this.size + added > this.maxEntries) throw new DutygateError('STATE_UNAVAILABLE', 'the duty ledger is full');
    const holders = ledgerHoldersOf(actor);
    // Shares count entries held, expired ones included until swept: a share that looks full
    // gets the same few steps of the clock hand as a full ledger before the refusal (and the
    // new entries are counted again: the sweep may have taken an expired twin of one).
    if (added > 0 && this.overfilled(holders, added) !== undefined) {
      this.sweepSome(nowMs, LEDGER_SWEEP_STEP_FULL);
      added = this.countNew(steps, actor);
      const over = this.overfilled(holders, added);
      if (over !== undefined) throw ledgerLimitError(over.kind, this.maxPerActor);
    }
    if (added > 0) for (const holder of holders) this.held.set(shareKey(holder), this.heldBy(holder) + added);
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

  /** The first share (agent, chain root, initiator: the Redis script's order) `added` more entries would overfill. */
  private overfilled(holders: readonly LedgerHolder[], added: number): LedgerHolder | undefined {
    return holders.find((holder) => this.heldBy(holder) + added > this.maxPerActor);
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
      const kept: LedgerEntry[] = [];
      for (const entry of list) {
        if (entry.at > oldest) kept.push(entry);
        else this.release(entry);
      }
      this.size -= list.length - kept.length;
      // Deleting behind a live Map iterator is safe; replacing a value keeps the key in place.
      if (kept.length === 0) this.byKey.delete(key);
      else this.byKey.set(key, kept);
    }
    return looked;
  }

  /** Entries `holder` holds now, expired ones not yet swept included (tests and diagnostics). */
  heldBy(holder: LedgerHolder): number {
    return this.held.get(shareKey(holder)) ?? 0;
  }

  clear(): void {
    this.byKey.clear();
    this.held.clear();
    this.size = 0;
  }

  /** Gives back the shares a forgotten entry used. */
  private release(entry: LedgerEntry): void {
    for (const holder of ledgerHoldersOf(entry)) {
      const key = shareKey(holder);
      const left = (this.held.get(key) ?? 0) - 1;
      if (left > 0) this.held.set(key, left);
      else this.held.delete(key);
    }
  }
}

function shareKey(holder: LedgerHolder): string {
  return `${holder.kind[0] as string}:${holder.id}`;
}

function sameEntry(entry: LedgerEntry, step: string, actor: DutyActor): boolean {
  return entry.step === step && entry.agentId === actor.agentId && entry.initiator === actor.initiator && sameList(entry.ancestors, actor.ancestors);
}

function sameList(a: readonly string[] = [], b: readonly string[] = []): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}
