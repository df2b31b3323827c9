/**
 * Builds slices of pre-serialized CheckRequests: each request a scenario of the mix, with its own
 * freshly minted agent token (unique jti). Delegated requests name one of a few ancestor chains
 * (root → orchestrator). Two ways to carry them (`ancestors`):
 * - `steady` (default): each chain's links are reused by many children — as a real orchestrator
 *   reuses its attestations within their lifetime — and re-minted every `ancestorRefreshSeconds`,
 *   so that chain links stay valid in long runs. A gate's link cache hits almost always.
 * - `fresh`: every delegated request carries a newly minted root link and middle link (new jtis),
 *   so a link cache never hits: the worst case, three signature verifications per such request.
 */
import { randomUUID } from 'node:crypto';
import { mulberry32 } from '../../test/helpers/mulberry32.js';
import { encodeCheckRequest } from './encode-check-request.js';
import { buildEnvoyCheckRequest } from './envoy-request.js';
import { CHAIN_HUMANS, SCENARIOS } from './scenarios.js';
import type { DecisionClass, Pick, Scenario } from './scenarios.js';
import type { DelegationClaims, TokenMinter } from './token-minter.js';

/** gRPC `CheckResponse.status.code` a scenario may get: 0 allow, 7 deny or approval_needed. */
export const EXPECT_OK = 0;
export const EXPECT_DENIED = 7;
/** Either (the answer depends on the duty ledger). */
export const EXPECT_EITHER = 255;

/** Requests ready to send, and what each should get. */
export interface RequestSlice {
  readonly bytes: readonly Buffer[];
  /** Expected status code per request: EXPECT_OK, EXPECT_DENIED or EXPECT_EITHER. */
  readonly expected: Uint8Array;
  /** Index into {@link SCENARIOS} per request. */
  readonly scenario: Uint16Array;
}

/** Options of {@link createWorkload}. */
export interface WorkloadOptions {
  readonly minter: TokenMinter;
  /** Seed of the deterministic scenario and value choices. */
  readonly seed: number;
  /** Lifetime of each agent token (short in the RSS soak so spent jtis expire). */
  readonly tokenTtlSeconds: number;
  /** Distinct ancestor chains (default 16). */
  readonly chains?: number;
  /** Ancestor token lifetime (default 300 s, the gate's default max_token_lifetime). */
  readonly ancestorTtlSeconds?: number;
  /** Re-mint the ancestors when they are this old (default 60 s; `steady` only). */
  readonly ancestorRefreshSeconds?: number;
  /** Reuse chain links (`steady`, default) or mint new ones for every delegated request (`fresh`). */
  readonly ancestors?: AncestorMode;
  readonly now?: () => number;
}

/** How delegated requests carry their ancestors: reused links, or new ones every time. */
export type AncestorMode = 'steady' | 'fresh';

/** The shape of what a workload built so far. */
export interface WorkloadStats {
  readonly ancestors: AncestorMode;
  readonly requests: number;
  /** Share of requests with a two-ancestor `x-agent-chain`. */
  readonly chainedFraction: number;
  /**
   * Signature verifications per request for a gate that verifies each distinct chain link once
   * (its link cache): the agent token, plus chain links minted over requests built. About 1 for
   * `steady`, 1 + 2 × chainedFraction for `fresh`.
   */
  readonly signaturesPerRequest: number;
  readonly meanHeaders: number;
  /** Mean JSON body size over requests that have a body. */
  readonly meanBodyBytes: number;
  readonly bodyFraction: number;
  /** Mean serialized CheckRequest size. */
  readonly meanRequestBytes: number;
}

/** A stateful request factory. */
export interface Workload {
  stats(): WorkloadStats;
  /** Mints and serializes `count` requests. */
  build(count: number): RequestSlice;
  /** Mints and serializes one request (the RSS soak builds as it goes). */
  next(): { bytes: Buffer; expected: number; scenario: number };
}

/**
 * One two-ancestor chain: the root's attestation delegating to the middle agent, and per calling
 * agent the middle agent's attestation delegating to it (a link names its one delegatee). In
 * `fresh` mode only the lineage (agents, initiator) is used; `rootLink` and `links` stay empty.
 */
interface Chain {
  readonly rootLink: string;
  readonly root: { readonly agentId: string; readonly jti: string };
  readonly midAgentId: string;
  readonly initiator: string;
  readonly iat: number;
  /** Calling agent → `x-agent-chain` value and the jti of its parent link. */
  readonly links: Map<string, { readonly header: string; readonly parentJti: string }>;
}

/** `slice` as seen by a server that allows every valid token (the floor). */
export function expectingAllAllowed(slice: RequestSlice): RequestSlice {
  return { ...slice, expected: new Uint8Array(slice.bytes.length).fill(EXPECT_OK) };
}

/** A small, fast, seedable PRNG (mulberry32). */
export function createPick(seed: number): Pick {
  const next = mulberry32(seed);
  return { int: (bound) => Math.floor(next() * bound) };
}

/** The status code a scenario expects, from its decision classes. */
export function expectedStatus(expect: readonly DecisionClass[]): number {
  const allows = expect.includes('allow');
  const blocks = expect.some((kind) => kind !== 'allow');
  if (allows && blocks) return EXPECT_EITHER;
  return allows ? EXPECT_OK : EXPECT_DENIED;
}

/** Creates a workload over {@link SCENARIOS}. */
export function createWorkload(options: WorkloadOptions): Workload {
  const { minter } = options;
  const now = options.now ?? Date.now;
  const pick = createPick(options.seed);
  const chainCount = options.chains ?? 16;
  const ancestorTtl = options.ancestorTtlSeconds ?? 300;
  const refresh = options.ancestorRefreshSeconds ?? 60;
  const ancestors = options.ancestors ?? 'steady';
  const totalWeight = SCENARIOS.reduce((sum, scenario) => sum + scenario.weight, 0);
  const expectations = SCENARIOS.map((scenario) => expectedStatus(scenario.expect));
  let chains: Chain[] = [];
  let chainsMintedAt = Number.NEGATIVE_INFINITY;
  let sequence = 0;
  const uses = new Uint32Array(SCENARIOS.length);
  const totals = { requests: 0, chained: 0, links: 0, headers: 0, bodies: 0, bodyBytes: 0, requestBytes: 0 };

  // Both modes sign links through here, so the stats count every link a gate would first meet.
  const mintLink = (claims: DelegationClaims): string => {
    totals.links++;
    return minter.mintDelegation(claims);
  };

  const mintChains = (nowS: number): void => {
    chains = [];
    for (let k = 0; k < chainCount; k++) {
      const initiator = CHAIN_HUMANS[k % CHAIN_HUMANS.length] as string;
      const root = { agentId: `planner-${k}`, jti: randomUUID() };
      const midAgentId = `orchestrator-${k}`;
      // Fresh mode mints its root links per request: these would never be sent.
      const rootLink = ancestors === 'steady' ? mintLink({ ...root, iat: nowS, ttlSeconds: ancestorTtl, initiator, delegateeAgentId: midAgentId }) : '';
      chains.push({ rootLink, root, midAgentId, initiator, iat: nowS, links: new Map() });
    }
    chainsMintedAt = nowS;
  };

  // The middle link: the orchestrator's attestation delegating to `agentId`, under `root`.
  const mintMidLink = (chain: Chain, root: Chain['root'], agentId: string, iat: number): { link: string; jti: string } => {
    const jti = randomUUID();
    const link = mintLink({ agentId: chain.midAgentId, jti, iat, ttlSeconds: ancestorTtl, initiator: chain.initiator, parentAgentId: root.agentId, parentJti: root.jti, delegateeAgentId: agentId });
    return { link, jti };
  };

  // Steady: minted on first use and reused, like a real orchestrator's attestation for each child.
  const reusedLink = (chain: Chain, agentId: string): { header: string; parentJti: string } => {
    const known = chain.links.get(agentId);
    if (known) return known;
    const mid = mintMidLink(chain, chain.root, agentId, chain.iat);
    const link = { header: `${chain.rootLink},${mid.link}`, parentJti: mid.jti };
    chain.links.set(agentId, link);
    return link;
  };

  // Fresh: the same planner → orchestrator → agent lineage and initiator, but both links new.
  const freshLink = (chain: Chain, agentId: string, nowS: number): { header: string; parentJti: string } => {
    const root = { agentId: chain.root.agentId, jti: randomUUID() };
    const rootLink = mintLink({ ...root, iat: nowS, ttlSeconds: ancestorTtl, initiator: chain.initiator, delegateeAgentId: chain.midAgentId });
    const mid = mintMidLink(chain, root, agentId, nowS);
    return { header: `${rootLink},${mid.link}`, parentJti: mid.jti };
  };

  const choose = (): number => {
    let ticket = pick.int(totalWeight);
    for (let index = 0; index < SCENARIOS.length; index++) {
      ticket -= (SCENARIOS[index] as Scenario).weight;
      if (ticket < 0) return index;
    }
    return SCENARIOS.length - 1;
  };

  const next = (): { bytes: Buffer; expected: number; scenario: number } => {
    const nowMs = now();
    const nowS = Math.floor(nowMs / 1000);
    if (nowS - chainsMintedAt >= refresh) mintChains(nowS);
    const index = choose();
    const scenario = SCENARIOS[index] as Scenario;
    const n = uses[index] as number;
    uses[index] = n + 1;
    const agent = scenario.agent(n, pick);
    const call = scenario.call(n, pick);
    const jti = randomUUID();
    let token: string;
    let chainHeader: string | undefined;
    if (scenario.chained) {
      const chain = chains[pick.int(chains.length)] as Chain;
      const link = ancestors === 'fresh' ? freshLink(chain, agent.agentId, nowS) : reusedLink(chain, agent.agentId);
      chainHeader = link.header;
      token = minter.mint({ agentId: agent.agentId, jti, iat: nowS, ttlSeconds: options.tokenTtlSeconds, initiator: chain.initiator, parentAgentId: chain.midAgentId, parentJti: link.parentJti });
    } else {
      token = minter.mint({ agentId: agent.agentId, jti, iat: nowS, ttlSeconds: options.tokenTtlSeconds, initiator: agent.initiator });
    }
    const message = buildEnvoyCheckRequest(call, chainHeader === undefined ? { token } : { token, chain: chainHeader }, sequence++, nowMs);
    const bytes = encodeCheckRequest(message);
    totals.requests++;
    totals.headers += Object.keys(message.http.headers).length;
    totals.requestBytes += bytes.length;
    if (scenario.chained) totals.chained++;
    if (message.http.body !== undefined) {
      totals.bodies++;
      totals.bodyBytes += message.http.size;
    }
    return { bytes, expected: expectations[index] as number, scenario: index };
  };

  return {
    next,
    stats() {
      const n = Math.max(1, totals.requests);
      return {
        ancestors,
        requests: totals.requests,
        chainedFraction: totals.chained / n,
        signaturesPerRequest: 1 + totals.links / n,
        meanHeaders: totals.headers / n,
        meanBodyBytes: totals.bodyBytes / Math.max(1, totals.bodies),
        bodyFraction: totals.bodies / n,
        meanRequestBytes: totals.requestBytes / n,
      };
    },
    build(count) {
      const bytes: Buffer[] = new Array<Buffer>(count);
      const expected = new Uint8Array(count);
      const scenario = new Uint16Array(count);
      for (let i = 0; i < count; i++) {
        const request = next();
        bytes[i] = request.bytes;
        expected[i] = request.expected;
        scenario[i] = request.scenario;
      }
      return { bytes, expected, scenario };
    },
  };
}
