import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpRoute, HttpRoutes } from '../lib/http-routes.js';
import type { Logger } from '../log/logger.js';

/** The gate's HTTP side: health, readiness and (later) the approvals API, Slack and metrics. */
export interface HttpServer {
  readonly port: number;
  /**
   * Stops listening, closes idle keep-alive connections at once, lets requests under way finish
   * for up to `graceMs` (default 5 s), then cuts whatever connections are left.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Starts a small JSON HTTP server. Unknown routes are 404 and handler failures 500, both as
 * JSON with a `code`, and never crash the process.
 */
export async function startHttpServer(options: { host: string; port: number; routes: HttpRoutes; log: Logger }): Promise<HttpServer> {
  let closing = false;
  const server: Server = createServer((request, response) => {
    // A keep-alive connection whose request was under way at close() would otherwise stay open
    // until the client or the grace lets go of it: once its answer is out, it is idle — close it.
    response.once('finish', () => {
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    void handle(options.routes, request, response, options.log);
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: (graceMs = 5_000) =>
      new Promise<void>((resolve) => {
        closing = true;
        // requestTimeout alone would let one slow client hold a shutdown for 15 s.
        const cut = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

async function handle(routes: HttpRoutes, request: IncomingMessage, response: ServerResponse, log: Logger): Promise<void> {
  let url: URL;
  try {
    url = new URL(request.url ?? '/', 'http://dutygate.local');
  } catch {
    return send(response, 400, { code: 'BAD_REQUEST', message: 'malformed request target' });
  }
  const route = findRoute(routes, request.method ?? 'GET', url.pathname);
  if (!route) return send(response, 404, { code: 'NOT_FOUND', message: `no route for ${request.method} ${url.pathname}` });
  try {
    const result = await route(request, url, response);
    if (result) send(response, result.status, result.body, result.headers);
  } catch (error) {
    log.error({ err: error instanceof Error ? error.message : String(error), path: url.pathname }, 'http handler failed');
    send(response, 500, { code: 'INTERNAL', message: 'internal error' });
  }
}

function findRoute(routes: HttpRoutes, method: string, path: string): HttpRoute | undefined {
  const exact = routes[`${method} ${path}`];
  if (exact) return exact;
  for (const [key, route] of Object.entries(routes)) {
    if (!key.endsWith('/*')) continue;
    const [routeMethod, prefix] = key.slice(0, -1).split(' ');
    if (routeMethod === method && prefix && path.startsWith(prefix)) return route;
  }
  return undefined;
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.headersSent) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(text);
}
