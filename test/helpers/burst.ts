/**
 * A burst as sidecars send one: N Checks at once on one gate, each with its own valid token
 * (a `finance-*` agent delegated by a planner, drafting its own payment, so each Check claims its jti,
 * reads the duty ledger and commits a duty step), counted by outcome code.
 */
import type { CheckSummary } from './envoy-client.js';
import type { GateFixture } from './gate-fixture.js';

/** A payment draft allowed by examples/dev/policy.yaml. */
export const PAYMENTS = { method: 'POST', host: 'payments.internal', path: '/payments', headers: { 'content-type': 'application/json' } };

/** One Check of the burst, with what it needs to be retried with the same token. */
export interface BurstCall {
  readonly token: string;
  readonly chain: readonly string[];
  readonly body: string;
}

/** What came of a burst. */
export interface BurstResult {
  /** Outcome code → count (`OK` for allows). */
  readonly counts: Readonly<Record<string, number>>;
  readonly calls: readonly BurstCall[];
  readonly results: readonly CheckSummary[];
  readonly elapsedMs: number;
}

/** Mints `n` tokens first, then sends the `n` Checks at once. */
export async function burst(f: GateFixture, n: number, label = `b${Date.now().toString(36)}`): Promise<BurstResult> {
  const calls: BurstCall[] = await Promise.all(
    Array.from({ length: n }, async (_, i) => ({
      ...(await f.mintDelegated(`finance-${label}-${i}`, ['planner'], { initiator: `sso:user-${label}-${i}` })),
      body: JSON.stringify({ payment_id: `pay_${label}_${i}`, amount: 100, destination: 'acct_9f8e7d6c5b' }),
    })),
  );
  const started = Date.now();
  const results = await Promise.all(calls.map((call) => send(f, call)));
  const elapsedMs = Date.now() - started;
  const counts: Record<string, number> = {};
  for (const result of results) {
    const code = result.grpcCode === 0 ? 'OK' : typeof result.body?.code === 'string' ? result.body.code : `grpc-${result.grpcCode}`;
    counts[code] = (counts[code] ?? 0) + 1;
  }
  return { counts, calls, results, elapsedMs };
}

/** Sends one burst call (again). */
export function send(f: GateFixture, call: BurstCall): Promise<CheckSummary> {
  return f.check({ ...PAYMENTS, body: call.body, token: call.token, chain: call.chain });
}
