import type { IncomingMessage } from 'node:http';
import type { Logger } from '../log/logger.js';
import type { AdminAuth } from '../lib/admin-token.js';

/** What an admin route answers. */
export interface AdminResult {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

/**
 * The check in front of every admin endpoint (`authorization: Bearer <admin token>`, config
 * `admin`): undefined to go on, or the refusal to answer — 403 `ADMIN_DISABLED` without an
 * `admin` section, 401 `ADMIN_UNAUTHORIZED` (logged, without the header) for a wrong token.
 */
export function createAdminGuard(admin: AdminAuth | undefined, log: Logger, what: string): (request: IncomingMessage) => AdminResult | undefined {
  return (request) => {
    if (!admin) return { status: 403, body: { code: 'ADMIN_DISABLED', message: `${what} is off: configure admin.token_file (or admin.token) in dutygate.yaml` } };
    if (admin.verify(request.headers.authorization)) return undefined;
    log.warn({ remote: request.socket.remoteAddress, path: request.url }, 'admin request refused: missing or wrong admin token');
    return { status: 401, body: { code: 'ADMIN_UNAUTHORIZED', message: 'send authorization: Bearer <admin token>' }, headers: { 'www-authenticate': 'Bearer realm="dutygate-admin"' } };
  };
}
