import { ACTIVE_BREAK_GLASS_LUA, CANCEL_APPROVAL_LUA, CLAIM_FOLLOW_UP_LUA, CREATE_APPROVAL_LUA, RECORD_VOTE_LUA, SET_NOTIFICATION_LUA } from './lua-approvals.js';
import { AUDIT_CAS_LUA } from './lua-audit.js';
import { COMMIT_DUTY_LUA } from './lua-ledger.js';
import type { RedisClient } from './redis-client.js';

type Arg = string | number;
type Run = (keys: readonly string[], args: readonly Arg[]) => Promise<unknown>;

/** The driver's Lua scripts, loaded once per client (EVALSHA, falling back to EVAL). */
export interface RedisScripts {
  readonly commitDuty: Run;
  readonly createApproval: Run;
  readonly recordVote: Run;
  readonly cancelApproval: Run;
  readonly activeBreakGlass: Run;
  readonly setNotification: Run;
  readonly claimFollowUp: Run;
  readonly auditCas: Run;
}

const SOURCES: Record<keyof RedisScripts, string> = {
  commitDuty: COMMIT_DUTY_LUA,
  createApproval: CREATE_APPROVAL_LUA,
  recordVote: RECORD_VOTE_LUA,
  cancelApproval: CANCEL_APPROVAL_LUA,
  activeBreakGlass: ACTIVE_BREAK_GLASS_LUA,
  setNotification: SET_NOTIFICATION_LUA,
  claimFollowUp: CLAIM_FOLLOW_UP_LUA,
  auditCas: AUDIT_CAS_LUA,
};

/**
 * The client command name of every script. ioredis's auto-pipelining groups a command by the
 * slot of its first argument, which for a script called this way is its key count (`1`, `3`),
 * not its first key: on Redis Cluster, scripts of different slots would be grouped into one
 * pipeline and fail ("All keys in the pipeline should belong to the same slots allocation
 * group"). The cluster client sends these commands on their own instead (redis-client.ts),
 * routed by their declared keys.
 */
export const SCRIPT_COMMANDS: readonly string[] = Object.keys(SOURCES).map((name) => `dutygate_${name}`);

/** Registers every script on `client` under a `dutygate_` name and returns typed callers. */
export function defineScripts(client: RedisClient): RedisScripts {
  const callable = client as unknown as Record<string, (...args: Arg[]) => Promise<unknown>>;
  const entries = Object.entries(SOURCES).map(([name, lua]) => {
    const command = `dutygate_${name}`;
    // No fixed numberOfKeys: every call passes its key count first.
    client.defineCommand(command, { lua });
    const run: Run = (keys, args) => (callable[command] as (...all: Arg[]) => Promise<unknown>).call(client, keys.length, ...keys, ...args);
    return [name, run] as const;
  });
  return Object.fromEntries(entries) as unknown as RedisScripts;
}
