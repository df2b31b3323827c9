import type { CompiledPolicy } from '../policy/compile-policy.js';

/** How a kept version came to be loaded. */
export type PolicyOrigin = 'start' | 'reload';

/** One good policy the gate loaded, kept for rollback. */
export interface PolicyVersionEntry {
  readonly policy: CompiledPolicy;
  /** When it was (last) loaded from the file, ms since the epoch. */
  readonly loadedAt: number;
  readonly origin: PolicyOrigin;
}

/**
 * The last N good policies, newest load first, distinct by `policy_version`. Loading content
 * equal to a kept version (a `git revert`) moves that entry to the front rather than keeping
 * two copies. Rollbacks do not reorder: "older" always means "loaded from the file earlier".
 */
export class PolicyHistory {
  private entries: PolicyVersionEntry[] = [];

  constructor(private readonly keep: number) {
    if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`keep must be a positive integer, got ${keep}`);
  }

  /** Records a policy loaded from the file. */
  add(policy: CompiledPolicy, loadedAt: number, origin: PolicyOrigin): void {
    this.entries = [{ policy, loadedAt, origin }, ...this.entries.filter((e) => e.policy.policyVersion !== policy.policyVersion)].slice(0, this.keep);
  }

  /** Newest load first. */
  list(): readonly PolicyVersionEntry[] {
    return this.entries;
  }

  /** The newest load: what the file held last time it was valid. */
  newest(): PolicyVersionEntry | undefined {
    return this.entries[0];
  }

  find(policyVersion: string): PolicyVersionEntry | undefined {
    return this.entries.find((entry) => entry.policy.policyVersion === policyVersion);
  }

  /** The kept version loaded just before `policyVersion`, if any. */
  olderThan(policyVersion: string): PolicyVersionEntry | undefined {
    const index = this.entries.findIndex((entry) => entry.policy.policyVersion === policyVersion);
    return index < 0 ? undefined : this.entries[index + 1];
  }
}
