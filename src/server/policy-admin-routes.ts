import type { IncomingMessage } from 'node:http';
import type { Logger } from '../log/logger.js';
import { createAdminGuard } from './admin-guard.js';
import type { AdminAuth } from '../lib/admin-token.js';
import type { HttpRoutes } from '../lib/http-routes.js';
import type { PolicyPin, PolicySource } from './policy-source.js';

/** Largest rollback request body: `{"to":"<policy_version>"}` is tiny. */
const MAX_BODY_BYTES = 4_096;

/**
 * The admin side of policy versions on the gate's HTTP port, both behind `authorization: Bearer
 * <admin token>` (config `admin`):
 * - `GET /v1/policy/versions`: the version in force, the kept versions, the rollback pin, the
 *   last reload error and the reload counters;
 * - `POST /v1/policy/rollback` with an optional JSON body `{"to": "<policy_version>"}`: swaps the
 *   policy in force for the previous kept version (or `to`) and pins it (see PolicySource).
 * Without an `admin` section both answer 403 `ADMIN_DISABLED`: rollback must be switched on.
 */
export function createPolicyAdminRoutes(deps: { policy: PolicySource; admin: AdminAuth | undefined; log: Logger }): HttpRoutes {
  const guard = createAdminGuard(deps.admin, deps.log, 'policy administration');

  return {
    'GET /v1/policy/versions': (request) => Promise.resolve(guard(request) ?? { status: 200, body: versionsView(deps.policy) }),
    'POST /v1/policy/rollback': async (request) => {
      const refused = guard(request);
      if (refused) {
        request.resume();
        return refused;
      }
      const parsed = await readTarget(request);
      if (!parsed.ok) return { status: 400, body: { code: 'BAD_REQUEST', message: parsed.message } };
      deps.log.warn({ remote: request.socket.remoteAddress, to: parsed.to ?? 'previous' }, 'policy rollback requested');
      const result = deps.policy.rollback(parsed.to);
      if (!result.ok) return { status: 409, body: { code: 'ROLLBACK_UNAVAILABLE', message: result.reason } };
      return { status: 200, body: { policy_version: result.policyVersion, previous: result.previous, pinned: pinView(result.pin) } };
    },
  };
}

/** The JSON of `GET /v1/policy/versions` (also what `dutygate policy versions` prints). */
function versionsView(source: PolicySource): Record<string, unknown> {
  const stats = source.stats();
  return {
    policy_version: source.current().policyVersion,
    pinned: pinView(source.pin()),
    reload_error: source.lastError() ?? null,
    stats: {
      loads: stats.loads,
      reloads_refused: stats.reloadsRefused,
      rollbacks: stats.rollbacks,
      last_refused_at: stats.lastRefusedAt === undefined ? null : iso(stats.lastRefusedAt),
      active_since: iso(stats.activeSince),
    },
    versions: source.versions().map((v) => ({
      policy_version: v.policyVersion,
      version: v.version,
      hash: v.hash,
      loaded_at: iso(v.loadedAt),
      origin: v.origin,
      active: v.active,
    })),
  };
}

function pinView(pin: PolicyPin | undefined): Record<string, unknown> | null {
  return pin ? { policy_version: pin.policyVersion, file_version: pin.fileVersion, since: iso(pin.since) } : null;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Reads the optional `{"to": "…"}` body; an empty body means "the previous version". */
async function readTarget(request: IncomingMessage): Promise<{ ok: true; to?: string } | { ok: false; message: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return { ok: false, message: `body larger than ${MAX_BODY_BYTES} bytes` };
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return { ok: true };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: 'body must be JSON: {"to": "<policy_version>"} or empty' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: 'body must be a JSON object' };
  const { to, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return { ok: false, message: `unknown field(s): ${Object.keys(rest).join(', ')}` };
  if (to === undefined || to === null) return { ok: true };
  if (typeof to !== 'string' || to === '') return { ok: false, message: '"to" must be a policy_version string' };
  return { ok: true, to };
}
