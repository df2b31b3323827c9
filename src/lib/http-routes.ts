import type { IncomingMessage, ServerResponse } from 'node:http';

/*
 * The HTTP route contract every feature's routes are written against (approvals API, Slack,
 * AuthZEN, audit, metrics); the server in src/server/http-server.ts mounts them.
 */

/** What a route answers: a status and a JSON (or text) body. */
export interface HttpResult {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

/**
 * A route handler: returns a status and a JSON body, or `undefined` when it wrote `response`
 * itself (Slack's Bolt receiver does).
 */
export type HttpRoute = (request: IncomingMessage, url: URL, response: ServerResponse) => Promise<HttpResult | undefined>;

/** Routes keyed by `METHOD /path` (exact paths; prefix routes end with `/*`). */
export type HttpRoutes = Readonly<Record<string, HttpRoute>>;
