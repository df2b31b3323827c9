import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../log/logger.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import { loadPolicy } from '../policy/load-policy.js';
import { PolicyHistory, type PolicyOrigin } from './policy-history.js';

/** One kept policy version, as `/v1/policy/versions` reports it. */
export interface PolicyVersionInfo {
  /** `version+hash12`. */
  readonly policyVersion: string;
  readonly version: string;
  readonly hash: string;
  /** When it was (last) loaded from the file, ms since the epoch. */
  readonly loadedAt: number;
  readonly origin: PolicyOrigin;
  /** The version in force now. */
  readonly active: boolean;
}

/** Set while a rollback holds: the file's content is not applied until it changes. */
export interface PolicyPin {
  /** The version rolled back to (in force). */
  readonly policyVersion: string;
  /** The file's content at the rollback, ignored until the file holds something else. */
  readonly fileVersion: string;
  /** ms since the epoch. */
  readonly since: number;
}

/** Counters for metrics and `/readyz` (the telemetry side exports them). */
export interface PolicySourceStats {
  /** Good policies applied from the file, the first load included. */
  readonly loads: number;
  /** Reloads refused because the new file was invalid. */
  readonly reloadsRefused: number;
  readonly rollbacks: number;
  /** ms since the epoch of the last refused reload. */
  readonly lastRefusedAt?: number;
  /** ms since the epoch the policy in force took effect (load or rollback). */
  readonly activeSince: number;
}

/** What a rollback did. */
export type RollbackResult =
  | { readonly ok: true; readonly policyVersion: string; readonly previous: string; readonly pin?: PolicyPin }
  | { readonly ok: false; readonly reason: string };

/** The policy in force: hot-reloaded from its file, versioned, rollback-able. */
export interface PolicySource {
  /** The policy in force (never replaced by an invalid one). */
  current(): CompiledPolicy;
  /** Re-reads the file now; resolves true when a new valid policy took effect. */
  reload(): Promise<boolean>;
  /** The error of the last refused reload, cleared by the next good read of the file. */
  lastError(): string | undefined;
  /** The kept versions (`policy.keep_versions`), newest load first. */
  versions(): PolicyVersionInfo[];
  /**
   * Swaps the policy in force for a kept version: `to`, or else the one loaded just before the
   * current one. Atomic: every Check reads the policy once, so it sees the old or the new one,
   * never a mix. Rolling "back" to the file's newest version releases the pin.
   */
  rollback(to?: string): RollbackResult;
  /** The pin a rollback set, while it holds. */
  pin(): PolicyPin | undefined;
  stats(): PolicySourceStats;
  close(): void;
}

/** Options of {@link createPolicySource}. */
export interface PolicySourceOptions {
  readonly watch: boolean;
  /** How many good versions to keep for rollback (`policy.keep_versions`, default 10). */
  readonly keepVersions?: number;
  /** ms since the epoch (injected for tests). */
  readonly now?: () => number;
  /** The configured agent issuer names: a policy naming another in `issuers:` is refused. */
  readonly issuers?: readonly string[];
}

/** Debounce for file events: editors and Kubernetes ConfigMap updates write in several steps. */
const RELOAD_DEBOUNCE_MS = 100;
const DEFAULT_KEEP_VERSIONS = 10;

/**
 * Loads the policy (throwing if the first load fails: the gate must not start without one),
 * then, with `watch`, reloads it when its folder changes. Watching the folder rather than the
 * file survives editors that replace the file and ConfigMaps that swap a `..data` symlink.
 * An invalid edit is refused, logged, counted and kept in `lastError()`; the last good policy
 * serves. Every good policy is logged with its version and hash and kept (the last N) for
 * {@link PolicySource.rollback}.
 *
 * Rollback pins: after a rollback, the file's content at that moment is not re-applied by the
 * watcher (or `reload()`), or the rollback would be undone by the next file event. The pin is
 * released when the file holds a different valid policy (a fix was deployed), or by rolling
 * forward to the file's version. The pin lives in this process only: a restart loads the file.
 */
export async function createPolicySource(file: string, options: PolicySourceOptions | boolean, log: Logger): Promise<PolicySource> {
  const opts: PolicySourceOptions = typeof options === 'boolean' ? { watch: options } : options;
  const now = opts.now ?? Date.now;
  const history = new PolicyHistory(opts.keepVersions ?? DEFAULT_KEEP_VERSIONS);
  const compileOptions = opts.issuers ? { issuers: opts.issuers } : {};
  let policy = await loadPolicy(file, compileOptions);
  let activeSince = now();
  history.add(policy, activeSince, 'start');
  let error: string | undefined;
  let pinned: PolicyPin | undefined;
  let loads = 1;
  let reloadsRefused = 0;
  let rollbacks = 0;
  let lastRefusedAt: number | undefined;
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  log.info({ policy_version: policy.policyVersion, version: policy.version, hash: policy.hash, file }, 'policy loaded');

  const activate = (next: CompiledPolicy): void => {
    policy = next;
    activeSince = now();
  };

  const reload = async (): Promise<boolean> => {
    let next: CompiledPolicy;
    try {
      next = await loadPolicy(file, compileOptions);
    } catch (cause) {
      error = cause instanceof Error ? cause.message : String(cause);
      reloadsRefused++;
      lastRefusedAt = now();
      log.error({ err: error, policy_version: policy.policyVersion, reloads_refused: reloadsRefused }, 'policy reload refused; the last good policy keeps serving');
      return false;
    }
    error = undefined;
    if (pinned && next.policyVersion === pinned.fileVersion) return false;
    if (pinned) log.info({ policy_version: next.policyVersion, pinned: pinned.policyVersion }, 'policy file changed; rollback pin released');
    pinned = undefined;
    // The history follows the file's real content, also when it changes back to what already
    // serves (a revert after a rollback): the newest entry is what a later rollback pins against.
    if (history.newest()?.policy.policyVersion !== next.policyVersion) history.add(next, now(), 'reload');
    if (next.policyVersion === policy.policyVersion) return false;
    const previous = policy.policyVersion;
    activate(next);
    loads++;
    log.info({ policy_version: next.policyVersion, version: next.version, hash: next.hash, previous }, 'policy reloaded');
    return true;
  };

  const rollback = (to?: string): RollbackResult => {
    const target = to === undefined ? history.olderThan(policy.policyVersion) : history.find(to);
    if (!target) {
      const kept = history.list().map((entry) => entry.policy.policyVersion).join(', ');
      return { ok: false, reason: to === undefined ? `no version older than ${policy.policyVersion} is kept (kept: ${kept})` : `version ${to} is not kept (kept: ${kept})` };
    }
    const previous = policy.policyVersion;
    const fileVersion = history.newest()?.policy.policyVersion ?? previous;
    pinned = target.policy.policyVersion === fileVersion ? undefined : { policyVersion: target.policy.policyVersion, fileVersion, since: now() };
    if (target.policy.policyVersion !== previous) {
      activate(target.policy);
      rollbacks++;
    }
    log.warn({ policy_version: policy.policyVersion, previous, pinned: pinned !== undefined }, 'policy rolled back');
    return { ok: true, policyVersion: policy.policyVersion, previous, ...(pinned ? { pin: pinned } : {}) };
  };

  if (opts.watch) {
    const name = basename(file);
    watcher = watch(dirname(file), (_event, changed) => {
      if (changed !== null && changed !== name && !changed.startsWith('..')) return;
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), RELOAD_DEBOUNCE_MS);
    });
    watcher.on('error', (cause) => log.error({ err: String(cause) }, 'policy watch failed'));
  }

  return {
    current: () => policy,
    reload,
    lastError: () => error,
    versions: () =>
      history.list().map(({ policy: kept, loadedAt, origin }) => ({
        policyVersion: kept.policyVersion,
        version: kept.version,
        hash: kept.hash,
        loadedAt,
        origin,
        active: kept.policyVersion === policy.policyVersion,
      })),
    rollback,
    pin: () => pinned,
    stats: () => ({ loads, reloadsRefused, rollbacks, activeSince, ...(lastRefusedAt === undefined ? {} : { lastRefusedAt }) }),
    close: () => {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
