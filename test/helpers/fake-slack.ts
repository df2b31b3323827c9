/**
 * A local fake of Slack's Web API (the methods dutygate calls: chat.postMessage, chat.update,
 * chat.postEphemeral, views.open, auth.test). It records every call with its decoded arguments and can be
 * told to fail the next calls of a method — an HTTP 500, or a 429 with `Retry-After` — the way
 * Slack does.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One recorded Web API call. */
export interface FakeSlackCall {
  readonly method: string;
  readonly args: Record<string, unknown>;
  readonly authorization: string | undefined;
  /** The HTTP status the fake answered with. */
  readonly status: number;
  readonly at: number;
}

/** A scripted answer for the next call of a method. */
export interface FakeSlackFailure {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

export interface FakeSlack {
  /** Base URL for `slack.api_url` (ends in `/api/`). */
  readonly url: string;
  readonly calls: FakeSlackCall[];
  /** Calls of one method that were answered 200. */
  succeeded(method: string): FakeSlackCall[];
  /** Answers the next calls of `method` with these failures, in order. */
  failNext(method: string, ...failures: FakeSlackFailure[]): void;
  /** Delays every answer by this many ms (to show nothing waits on Slack). */
  delayMs: number;
  /** Resolves once `predicate` holds for the recorded calls (polls every 10 ms). */
  waitFor(predicate: (calls: readonly FakeSlackCall[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts the fake on a free loopback port. */
export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: FakeSlackCall[] = [];
  const failures = new Map<string, FakeSlackFailure[]>();
  let seq = 0;
  const state = { delayMs: 0 };

  const server: Server = createServer((request, response) => {
    void (async () => {
      const method = (request.url ?? '').replace(/^\/api\//, '').replace(/\?.*$/, '');
      const args = decode(await readAll(request), request.headers['content-type']);
      if (state.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, state.delayMs));
      const failure = failures.get(method)?.shift();
      const status = failure?.status ?? 200;
      calls.push({ method, args, authorization: request.headers.authorization, status, at: Date.now() });
      if (failure) {
        response.writeHead(failure.status, { 'content-type': 'application/json', ...failure.headers });
        response.end(JSON.stringify(failure.body ?? { ok: false, error: 'fake_failure' }));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer(method, args, ++seq)));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    succeeded: (method) => calls.filter((call) => call.method === method && call.status === 200),
    failNext(method, ...more) {
      failures.set(method, [...(failures.get(method) ?? []), ...more]);
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(ms: number) {
      state.delayMs = ms;
    },
    async waitFor(predicate, timeoutMs = 5_000) {
      const until = Date.now() + timeoutMs;
      while (!predicate(calls)) {
        if (Date.now() > until) throw new Error(`fake Slack: condition not met within ${timeoutMs} ms; calls: ${calls.map((call) => `${call.method}:${call.status}`).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function answer(method: string, args: Record<string, unknown>, seq: number): Record<string, unknown> {
  const ts = `1700000000.${String(seq).padStart(6, '0')}`;
  switch (method) {
    case 'chat.postMessage':
      return { ok: true, channel: args.channel, ts, message: { ts, text: args.text } };
    case 'chat.update':
      return { ok: true, channel: args.channel, ts: args.ts, text: args.text };
    case 'chat.postEphemeral':
      return { ok: true, message_ts: ts };
    case 'views.open': {
      // Slack refuses a view without a trigger_id or whose JSON does not parse.
      if (typeof args.trigger_id !== 'string' || args.trigger_id === '') return { ok: false, error: 'invalid_trigger_id' };
      const view = typeof args.view === 'string' ? (JSON.parse(args.view) as Record<string, unknown>) : (args.view as Record<string, unknown>);
      return { ok: true, view: { ...view, id: `V${String(seq).padStart(8, '0')}` } };
    }
    case 'auth.test':
      return { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T0TEAM' };
    default:
      return { ok: false, error: 'unknown_method' };
  }
}

async function readAll(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The Web API client sends form-encoded args with JSON-encoded nested values (blocks). */
function decode(text: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.includes('application/json')) return JSON.parse(text || '{}') as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    out[key] = key === 'blocks' || key === 'attachments' || key === 'view' ? JSON.parse(value) : value;
  }
  return out;
}
