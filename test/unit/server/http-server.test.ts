/**
 * How the HTTP side stops (README "Operations › Shutdown guarantees"): a request under way is
 * answered, a keep-alive connection does not hold the stop, and a request that outlives the
 * grace is cut so one slow client cannot hold a shutdown.
 */
import { request as httpRequest, Agent } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/logger.js';
import type { HttpResult } from '../../../src/lib/http-routes.js';
import { startHttpServer } from '../../../src/server/http-server.js';

/** A route that answers when the test says so. */
function heldRoute() {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  let arrived: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (arrived = resolve));
  const route = async (): Promise<HttpResult> => {
    arrived();
    await held;
    return { status: 200, body: { ok: true } };
  };
  return { route, release, started };
}

/** GET over a keep-alive agent: the status, or the socket error's code. */
function get(port: number, agent: Agent): Promise<number | string> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/held', agent }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}

describe('HTTP server close', () => {
  it('answers a request under way, then closes without waiting for the keep-alive connection', async () => {
    const held = heldRoute();
    const server = await startHttpServer({ host: '127.0.0.1', port: 0, log: createLogger('silent'), routes: { 'GET /held': held.route } });
    const agent = new Agent({ keepAlive: true });
    const answer = get(server.port, agent);
    await held.started;
    const startedAt = Date.now();
    const closed = server.close(5_000);
    held.release();
    expect(await answer).toBe(200);
    await closed;
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    agent.destroy();
  });

  it('cuts a request that outlives the grace', async () => {
    const held = heldRoute();
    const server = await startHttpServer({ host: '127.0.0.1', port: 0, log: createLogger('silent'), routes: { 'GET /held': held.route } });
    const agent = new Agent({ keepAlive: true });
    const answer = get(server.port, agent);
    await held.started;
    const startedAt = Date.now();
    await server.close(200);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(await answer).toBe('ECONNRESET');
    held.release();
    agent.destroy();
  });
});
