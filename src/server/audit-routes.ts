import type { CheckpointRecord } from '../audit/checkpoint.js';
import type { Logger } from '../log/logger.js';
import type { AuditHead } from '../state/approval-record.js';
import { createAdminGuard } from './admin-guard.js';
import type { AdminAuth } from '../lib/admin-token.js';
import type { HttpRoutes } from '../lib/http-routes.js';

/** What {@link createAuditRoutes} reads. */
export interface AuditRoutesDeps {
  readonly admin: AdminAuth | undefined;
  readonly log: Logger;
  /** The live head from the state store (shared by every replica on Redis). */
  readonly head: () => Promise<AuditHead | undefined>;
  /** A signed checkpoint of the live head; undefined when `audit.checkpoints` is off. */
  readonly signedHead: () => Promise<CheckpointRecord | undefined>;
  readonly checkpointsOn: boolean;
}

/**
 * `GET /v1/audit/head` (admin token): the live audit chain head, what `dutygate audit verify
 * --head <url>` compares an exported log with. With `audit.checkpoints` configured the answer
 * is a checkpoint signed on the spot (not written to the log), so it can be saved and checked
 * later like any other checkpoint; without, it is `{seq, hash}`. An empty chain is `seq: 0`.
 * A store that cannot answer is 503 `STATE_UNAVAILABLE`: no head is better than a stale one.
 */
export function createAuditRoutes(deps: AuditRoutesDeps): HttpRoutes {
  const guard = createAdminGuard(deps.admin, deps.log, 'the audit head endpoint');
  return {
    'GET /v1/audit/head': async (request) => {
      const refused = guard(request);
      if (refused) return refused;
      try {
        if (deps.checkpointsOn) {
          const checkpoint = await deps.signedHead();
          if (checkpoint) return { status: 200, body: checkpoint };
        }
        const head = await deps.head();
        if (deps.checkpointsOn && head) throw new Error('the head could not be signed');
        return { status: 200, body: head ?? { seq: 0, hash: null } };
      } catch (error) {
        deps.log.error({ err: error instanceof Error ? error.message : String(error) }, 'audit head not read');
        return { status: 503, body: { code: 'STATE_UNAVAILABLE', message: 'the audit chain head could not be read' } };
      }
    },
  };
}
