import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../log/logger.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import { loadPolicy } from '../policy/load-policy.js';

/** The policy in force, hot-reloaded from its file. */
export interface PolicySource {
  /** The last good policy (never replaced by an invalid one). */
  current(): CompiledPolicy;
  /** Re-reads the file now; resolves true when a new valid policy took effect. */
  reload(): Promise<boolean>;
  /** The error of the last refused reload, cleared by the next good one. */
  lastError(): string | undefined;
  close(): void;
}

/** Debounce for file events: editors and Kubernetes ConfigMap updates write in several steps. */
const RELOAD_DEBOUNCE_MS = 100;

/**
 * Loads the policy (throwing if the first load fails: the gate must not start without one),
 * then, with `watch`, reloads it when its folder changes. Watching the folder rather than the
 * file survives editors that replace the file and ConfigMaps that swap a `..data` symlink.
 * An invalid edit is refused, logged and kept in `lastError()`; the last good policy serves.
 */
export async function createPolicySource(file: string, watchFile: boolean, log: Logger): Promise<PolicySource> {
  let policy = await loadPolicy(file);
  let error: string | undefined;
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  log.info({ policy_version: policy.policyVersion, file }, 'policy loaded');

  const reload = async (): Promise<boolean> => {
    try {
      const next = await loadPolicy(file);
      error = undefined;
      if (next.policyVersion === policy.policyVersion) return false;
      log.info({ policy_version: next.policyVersion, previous: policy.policyVersion }, 'policy reloaded');
      policy = next;
      return true;
    } catch (cause) {
      error = cause instanceof Error ? cause.message : String(cause);
      log.error({ err: error, policy_version: policy.policyVersion }, 'policy reload refused; the last good policy keeps serving');
      return false;
    }
  };

  if (watchFile) {
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
    close: () => {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
