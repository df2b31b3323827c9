import { DutygateError } from '../../errors.js';
import type { DutyStep, LedgerEntry } from '../../policy/types.js';
import { findDutyConflict, ledgerKey } from '../../policy/duty-conflict.js';
import type { DutyActor, StateStore } from '../state-store.js';
import { JtiSet } from './jti-set.js';

/** Options of the memory driver. */
export interface MemoryStoreOptions {
  /** Upper bound on unexpired jti entries; also bounds ledger entries. */
  readonly maxJtiEntries: number;
  readonly ledgerTtlMs: number;
  /** Sweep interval for expired entries (default 1s). Set 0 to sweep only on demand (tests). */
  readonly sweepIntervalMs?: number;
  /** Clock for the background sweep (default Date.now). */
  readonly now?: () => number;
}

/**
 * The embedded state driver: one process, no I/O. Every method completes its check-and-set
 * synchronously before its promise resolves, so concurrent Checks in this process see each
 * claim atomically.
 */
export function createMemoryStore(options: MemoryStoreOptions): StateStore {
  const jtis = new JtiSet(options.maxJtiEntries);
  const ledger = new Map<string, LedgerEntry[]>();
  let ledgerSize = 0;
  const now = options.now ?? Date.now;
  const interval = options.sweepIntervalMs ?? 1000;

  const sweepLedger = (nowMs: number): void => {
    const oldest = nowMs - options.ledgerTtlMs;
    for (const [key, entries] of ledger) {
      const kept = entries.filter((entry) => entry.at > oldest);
      ledgerSize -= entries.length - kept.length;
      if (kept.length === 0) ledger.delete(key);
      else if (kept.length !== entries.length) ledger.set(key, kept);
    }
  };

  const timer =
    interval > 0
      ? setInterval(() => {
          const nowMs = now();
          jtis.sweep(nowMs);
          sweepLedger(nowMs);
        }, interval)
      : undefined;
  timer?.unref();

  const entriesFor = (steps: readonly DutyStep[], nowMs: number): LedgerEntry[] => {
    const oldest = nowMs - options.ledgerTtlMs;
    const out: LedgerEntry[] = [];
    for (const key of new Set(steps.map((step) => ledgerKey(step.duty, step.resource)))) {
      for (const entry of ledger.get(key) ?? []) if (entry.at > oldest) out.push(entry);
    }
    return out;
  };

  return {
    driver: 'memory',

    claimJti(jti, expiresAtMs, nowMs) {
      const result = jtis.claim(jti, expiresAtMs, nowMs);
      if (result === 'full') {
        return Promise.reject(new DutygateError('REPLAY_CAPACITY', 'the replay store is full of unexpired tokens'));
      }
      return Promise.resolve(result === 'claimed');
    },

    readLedger(steps, nowMs) {
      return Promise.resolve(entriesFor(steps, nowMs));
    },

    commitDutySteps(steps, actor: DutyActor, nowMs) {
      const conflict = findDutyConflict(entriesFor(steps, nowMs), steps, actor);
      if (conflict) return Promise.resolve(conflict);
      if (ledgerSize + steps.length > options.maxJtiEntries) sweepLedger(nowMs);
      if (ledgerSize + steps.length > options.maxJtiEntries) {
        return Promise.reject(new DutygateError('STATE_UNAVAILABLE', 'the duty ledger is full'));
      }
      for (const step of steps) {
        const entry: LedgerEntry = {
          duty: step.duty,
          resource: step.resource,
          step: step.step,
          agentId: actor.agentId,
          ...(actor.initiator === undefined ? {} : { initiator: actor.initiator }),
          at: nowMs,
        };
        const key = ledgerKey(step.duty, step.resource);
        const list = ledger.get(key);
        if (list) list.push(entry);
        else ledger.set(key, [entry]);
        ledgerSize++;
      }
      return Promise.resolve(undefined);
    },

    ping() {
      return Promise.resolve();
    },

    close() {
      if (timer) clearInterval(timer);
      jtis.clear();
      ledger.clear();
      ledgerSize = 0;
      return Promise.resolve();
    },
  };
}
