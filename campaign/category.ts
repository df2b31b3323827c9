/**
 * The contract of one campaign category. A category is ONE file in `campaign/categories/` that
 * exports `category`; `main.ts` discovers the folder, so adding a class of attack never edits a
 * list. A case sends one or more Checks through `env.check` (real gRPC, Envoy's protos) and says
 * what the oracle may accept; the runner judges every answer the same way (oracle.ts).
 */
import type { CampaignEnv } from './environment.js';
import type { Rng } from './rng.js';
import type { CheckSummary } from '../test/helpers/envoy-client.js';

/** One answer of the gate to one Check, timed by the runner. */
export interface Answer {
  /** The decoded CheckResponse; absent when the RPC failed. */
  readonly summary?: CheckSummary;
  /** The RPC error (an error to Envoy, never a deny): always a failure. */
  readonly rpcError?: string;
  /** Wall-clock time from send to answer. */
  readonly ms: number;
}

/**
 * What the oracle accepts for an answer:
 * - `allow: 'never'`: the issuer did not sign this as-is, or the policy would not grant what the
 *   upstream would run → an allow is a WRONG ALLOW.
 * - `allow: 'may'`: either is acceptable (a deny still needs a known code).
 * - `allow: 'must'`: a deny is a failure (recovery after a fault, a control case).
 * `codes`, when given, lists the deny codes that are right; any other deny code is a failure.
 * `check`, when given, inspects an allow further (e.g. headers the upstream must not see) and
 * returns why it is wrong, counted as a wrong allow.
 */
export interface Expectation {
  readonly allow: 'never' | 'may' | 'must';
  readonly codes?: readonly string[];
  readonly check?: (summary: CheckSummary) => string | undefined;
}

/** One judged Check of a case. */
export interface CheckExchange {
  readonly expect: Expectation;
  readonly answer: Answer;
}

/**
 * One verdict of the gate's own tooling on hostile evidence — a forged decision log handed to
 * `audit verify` (issue 19 item 6): `accepted` is a wrong allow.
 */
export interface VerdictExchange {
  readonly verdict: { readonly accepted: boolean; readonly detail: string; readonly ms: number };
}

/** One judged exchange of a case. */
export type Exchange = CheckExchange | VerdictExchange;

/** A finished case: a short label for reports and the exchanges to judge. */
export interface CaseResult {
  readonly label: string;
  readonly exchanges: readonly Exchange[];
}

/** A category started for one run. */
export interface CategoryRun {
  /** Runs case `index`; `rng` is seeded from the run seed, the category name and the index. */
  runCase(rng: Rng, index: number): Promise<CaseResult>;
  /** Releases what `start` took (servers, processes). */
  stop?(): Promise<void>;
}

/** A class of hostile input or fault. */
export interface Category {
  readonly name: string;
  /** Cases per mode; CI runs `short`. */
  readonly cases: { readonly short: number; readonly long: number };
  /** Run cases one at a time (fault drills that change shared state), default false. */
  readonly sequential?: boolean;
  start(env: CampaignEnv): CategoryRun | Promise<CategoryRun>;
}
