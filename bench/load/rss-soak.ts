/**
 * The RSS soak: a fresh gate answers a million checks in a closed loop while its resident memory
 * is sampled. Tokens live only `tokenTtlSeconds`, so the spent-jti store reaches its steady size
 * (rate × (lifetime + skew)) early; ancestors rotate, the duty ledger and pending approvals draw
 * from bounded pools. Anything that still grows is a leak. Requests are minted as the loop goes
 * (a million pre-built requests would not fit the load generator's memory budget).
 */
import type { ServerProcess } from '../servers/server-process.js';
import type { Workload } from '../workload/workload.js';
import type { CheckClient } from './check-client.js';
import { readStatusCode } from './read-response.js';

/** Options of {@link runRssSoak}. */
export interface SoakOptions {
  readonly checks: number;
  readonly maxMs: number;
  readonly concurrency: number;
  /** Sample RSS every this many answers. */
  readonly sampleEvery: number;
}

/** What the soak saw. */
export interface SoakResult {
  readonly checks: number;
  readonly elapsedMs: number;
  readonly throughput: number;
  readonly rpcErrors: number;
  /** Answers with a status other than 0 (allow) or 7 (deny): REPLAY, INTERNAL, … */
  readonly unexpected: number;
  /** [answers so far, RSS bytes] every `sampleEvery` answers. */
  readonly rss: readonly (readonly [number, number])[];
  /** Stopped by `maxMs` before `checks`. */
  readonly timedOut: boolean;
}

/** Runs the soak against `server` through `client`, minting with `workload`. */
export function runRssSoak(server: ServerProcess, client: CheckClient, workload: Workload, options: SoakOptions): Promise<SoakResult> {
  const rss: [number, number][] = [[0, server.rssBytes() ?? Number.NaN]];
  return new Promise<SoakResult>((resolve) => {
    const startedAt = performance.now();
    const stopAt = startedAt + options.maxMs;
    let sent = 0;
    let answered = 0;
    let inFlight = 0;
    let rpcErrors = 0;
    let unexpected = 0;
    let timedOut = false;
    const launch = (): void => {
      sent++;
      inFlight++;
      client.send(workload.next().bytes, (error, response) => {
        inFlight--;
        answered++;
        if (error !== null || response === undefined) rpcErrors++;
        else {
          const status = readStatusCode(response);
          if (status !== 0 && status !== 7) unexpected++;
        }
        if (answered % options.sampleEvery === 0) rss.push([answered, server.rssBytes() ?? Number.NaN]);
        const more = sent < options.checks;
        if (more && performance.now() >= stopAt) timedOut = true;
        if (more && !timedOut && server.alive()) {
          launch();
          return;
        }
        if (inFlight === 0) {
          const elapsedMs = performance.now() - startedAt;
          if (answered % options.sampleEvery !== 0) rss.push([answered, server.rssBytes() ?? Number.NaN]);
          resolve({ checks: answered, elapsedMs, throughput: (answered * 1000) / elapsedMs, rpcErrors, unexpected, rss, timedOut });
        }
      });
    };
    for (let i = 0; i < Math.min(options.concurrency, options.checks); i++) launch();
  });
}
