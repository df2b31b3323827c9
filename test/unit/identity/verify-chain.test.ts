import { beforeAll, describe, expect, it } from 'vitest';
import { DutygateError } from '../../../src/errors.js';
import { mintAgentToken, mintDelegation } from '../../../src/identity/mint-token.js';
import type { MintDelegationOptions } from '../../../src/identity/mint-token.js';
import type { AgentClaims } from '../../../src/identity/types.js';
import { verifyChain } from '../../../src/identity/verify-chain.js';
import type { ChainOptions } from '../../../src/identity/verify-chain.js';
import { createTokenVerifier } from '../../../src/identity/verify-token.js';
import type { AgentTokenVerifier } from '../../../src/identity/verify-token.js';
import { AUD, ISS, LIMITS, NOW, NOW_S, at, makeIssuer, rejection, tamperPayload } from './fixtures.js';
import type { TestIssuer } from './fixtures.js';

const OPTIONS: ChainOptions = { maxChainDepth: 8, clockSkewMs: 5_000, maxTokenBytes: LIMITS.maxTokenBytes };

let issuer: TestIssuer;
let verifier: AgentTokenVerifier;

beforeAll(async () => {
  issuer = await makeIssuer();
  verifier = await createTokenVerifier({
    issuers: [issuer.config],
    clockSkewMs: 5_000,
    maxTokenLifetimeMs: 300_000,
    maxTokenBytes: LIMITS.maxTokenBytes,
    requireAgentClaims: true,
  });
});

interface Node {
  readonly agentId: string;
  readonly jti?: string;
  /** Parent as agent id; its jti defaults to `jti-<parent>`. */
  readonly parent?: string;
  readonly parentJti?: string;
  /** Issue time relative to NOW, seconds (default −10). */
  readonly issuedAt?: number;
  readonly ttlSeconds?: number;
  /** As a link: the agent it delegates to (default A → B, B → C, others → C). */
  readonly delegatee?: string;
}

const DEFAULT_DELEGATEE: Readonly<Record<string, string>> = { A: 'B', B: 'C' };

/** Mints the delegation attestation of `node` as a link (jti `jti-<agentId>` unless told). */
function mint(node: Node): Promise<string> {
  const options: MintDelegationOptions = {
    iss: ISS,
    agentId: node.agentId,
    delegateeAgentId: node.delegatee ?? DEFAULT_DELEGATEE[node.agentId] ?? 'C',
    jti: node.jti ?? `jti-${node.agentId}`,
    now: at(node.issuedAt ?? -10),
    ttlSeconds: node.ttlSeconds ?? 120,
    ...(node.parent === undefined ? {} : { parent: { agentId: node.parent, jti: node.parentJti ?? `jti-${node.parent}` } }),
  };
  return mintDelegation(issuer.key.privateJwk, options);
}

/** Claims of an already verified agent token (the chain's input). */
function agent(node: Node): AgentClaims {
  const iat = NOW_S + (node.issuedAt ?? 0);
  return {
    iss: ISS,
    agentId: node.agentId,
    localAgentId: node.agentId,
    namespace: { name: 'default', home: true },
    jti: node.jti ?? `jti-${node.agentId}`,
    iat,
    exp: iat + 60,
    ...(node.parent === undefined ? {} : { parentAgentId: node.parent, parentJti: node.parentJti ?? `jti-${node.parent}` }),
  };
}

async function header(links: Node[]): Promise<string> {
  return (await Promise.all(links.map(mint))).join(',');
}

const A: Node = { agentId: 'A', issuedAt: -30 };
const B: Node = { agentId: 'B', parent: 'A', issuedAt: -20 };

describe('verifyChain: valid chains', () => {
  it('returns [] for a root agent without a chain', async () => {
    await expect(verifyChain(agent({ agentId: 'A' }), undefined, verifier.verifyDelegation, OPTIONS, NOW)).resolves.toEqual([]);
    await expect(verifyChain(agent({ agentId: 'A' }), '  ', verifier.verifyDelegation, OPTIONS, NOW)).resolves.toEqual([]);
  });

  it('verifies a 1-ancestor chain', async () => {
    const ancestors = await verifyChain(agent({ agentId: 'B', parent: 'A' }), await header([A]), verifier.verifyDelegation, OPTIONS, NOW);
    expect(ancestors.map((a) => [a.agentId, a.jti])).toEqual([['A', 'jti-A']]);
  });

  it('verifies a 2-ancestor chain, root first, with optional whitespace', async () => {
    const [a, b] = await Promise.all([mint(A), mint(B)]);
    const ancestors = await verifyChain(agent({ agentId: 'C', parent: 'B' }), ` ${a} ,\t${b} `, verifier.verifyDelegation, OPTIONS, NOW);
    expect(ancestors.map((x) => x.agentId)).toEqual(['A', 'B']);
  });

  it('accepts a child issued within skew of its parent validity', async () => {
    const ancestors = await verifyChain(
      agent({ agentId: 'B', parent: 'A', issuedAt: 0 }),
      await header([{ agentId: 'A', issuedAt: 4 }]),
      verifier.verifyDelegation,
      OPTIONS,
      NOW,
    );
    expect(ancestors).toHaveLength(1);
  });
});

interface RuleRow {
  readonly name: string;
  readonly agent: Node;
  readonly chain: () => Promise<string | undefined>;
  readonly reason: string;
  readonly options?: Partial<ChainOptions>;
}

const rules: RuleRow[] = [
  {
    name: 'parent claim without chain',
    agent: { agentId: 'B', parent: 'A' },
    chain: () => Promise.resolve(undefined),
    reason: 'agent "B" names parent_agent_id "A" but no x-agent-chain was sent',
  },
  {
    name: 'chain without parent claim',
    agent: { agentId: 'B' },
    chain: () => header([A]),
    reason: 'an x-agent-chain was sent but agent "B" names no parent_agent_id',
  },
  {
    name: 'wrong parent_agent_id on the agent token',
    agent: { agentId: 'C', parent: 'X', parentJti: 'jti-B' },
    chain: () => header([A, B]),
    reason: 'the agent token (agent "C") names parent_agent_id "X" but link 1 is agent "B"',
  },
  {
    name: 'wrong parent_agent_id on a link',
    agent: { agentId: 'C', parent: 'B' },
    chain: () => header([A, { agentId: 'B', parent: 'Z', parentJti: 'jti-A', issuedAt: -20 }]),
    reason: 'link 1 (agent "B") names parent_agent_id "Z" but link 0 is agent "A"',
  },
  {
    name: 'wrong parent_jti',
    agent: { agentId: 'C', parent: 'B', parentJti: 'jti-other' },
    chain: () => header([A, B]),
    reason: 'the agent token (agent "C") names a parent_jti that is not the jti of link 1 (agent "B")',
  },
  {
    name: 'child issued after its parent expired',
    // A expired 4s ago (still within the 5s skew as a link); C was issued 3s from now.
    agent: { agentId: 'B', parent: 'A', issuedAt: 3 },
    chain: () => header([{ agentId: 'A', issuedAt: -64, ttlSeconds: 60 }]),
    reason: 'the agent token (agent "B") was issued outside the validity of link 0 (agent "A")',
  },
  {
    name: 'child issued before its parent',
    agent: { agentId: 'C', parent: 'B' },
    chain: () => header([A, { ...B, issuedAt: -40 }]),
    reason: 'link 1 (agent "B") was issued outside the validity of link 0 (agent "A")',
  },
  {
    name: 'root with a parent',
    agent: { agentId: 'B', parent: 'A' },
    chain: () => header([{ agentId: 'A', parent: 'Z', issuedAt: -30 }]),
    reason: 'link 0 (agent "A") is the root but names a parent',
  },
  {
    name: 'depth above max',
    agent: { agentId: 'C', parent: 'B' },
    chain: () => header([A, B, B]),
    options: { maxChainDepth: 2 },
    reason: 'the x-agent-chain has 3 links, more than the maximum of 2',
  },
  {
    name: 'header above depth × max token bytes',
    agent: { agentId: 'B', parent: 'A' },
    chain: () => Promise.resolve('x'.repeat(2 * (LIMITS.maxTokenBytes + 2) + 1)),
    options: { maxChainDepth: 2 },
    reason: `the x-agent-chain header exceeds ${2 * (LIMITS.maxTokenBytes + 2)} bytes`,
  },
  {
    name: 'A→B→A laundering',
    agent: { agentId: 'A', parent: 'B' },
    chain: () => header([A, { ...B, delegatee: 'A' }]),
    reason: 'agent "A" appears twice in the chain (link 0 and the agent token)',
  },
  {
    name: 'an agent twice among the links',
    agent: { agentId: 'C', parent: 'A', parentJti: 'jti-A2' },
    chain: () => header([A, { ...B, delegatee: 'A' }, { agentId: 'A', jti: 'jti-A2', parent: 'B', issuedAt: -15, delegatee: 'C' }]),
    reason: 'agent "A" appears twice in the chain (link 0 and link 2)',
  },
  // issue 19 item 1: links are delegation attestations naming their delegatee.
  {
    name: 'a link that delegates to another agent',
    agent: { agentId: 'C', parent: 'B' },
    chain: () => header([A, { ...B, delegatee: 'D' }]),
    reason: 'link 1 (agent "B") delegates to "D", not to the agent token (agent "C")',
  },
  {
    name: 'a link skipped (A attests B, presented for C)',
    agent: { agentId: 'C', parent: 'A' },
    chain: () => header([A]),
    reason: 'link 0 (agent "A") delegates to "B", not to the agent token (agent "C")',
  },
  {
    name: 'an agent credential as a link',
    agent: { agentId: 'B', parent: 'A' },
    chain: () => mintAgentToken(issuer.key.privateJwk, { iss: ISS, aud: AUD, agentId: 'A', jti: 'jti-A', now: at(-10) }),
    reason: 'link 0: TOKEN_TYPE: a chain link must be a delegation attestation (typ dutygate-delegation+jwt); an agent credential is not one',
  },
  {
    name: 'empty link',
    agent: { agentId: 'C', parent: 'B' },
    chain: async () => (await header([A, B])).replace(',', ', ,'),
    reason: 'link 1 of the x-agent-chain is empty',
  },
  {
    name: 'malformed link',
    agent: { agentId: 'B', parent: 'A' },
    chain: () => Promise.resolve('garbage'),
    reason: 'link 0: TOKEN_MALFORMED: the token is not a compact JWS (three base64url segments separated by dots)',
  },
  {
    name: 'tampered link',
    agent: { agentId: 'C', parent: 'B' },
    chain: async () => {
      const [a, b] = await Promise.all([mint(A), mint(B)]);
      return `${a},${tamperPayload(b, { iss: ISS, aud: AUD, agent_id: 'B', jti: 'jti-B', parent_agent_id: 'A', parent_jti: 'jti-A', iat: NOW_S - 20, exp: NOW_S + 3600 })}`;
    },
    reason: `link 1: TOKEN_SIGNATURE: the token signature does not verify with the key of issuer "${ISS}"`,
  },
  {
    name: 'expired link (lowest failing index is reported)',
    agent: { agentId: 'C', parent: 'B' },
    chain: async () => `${await mint({ agentId: 'A', issuedAt: -100, ttlSeconds: 60 })},garbage`,
    reason: 'link 0: TOKEN_EXPIRED: the token expired (exp is past, beyond the 5s clock skew)',
  },
];

describe('verifyChain: every rule', () => {
  it.each(rules)('$name → CHAIN_INVALID', async (row) => {
    const error = await rejection(
      verifyChain(agent(row.agent), await row.chain(), verifier.verifyDelegation, { ...OPTIONS, ...row.options }, NOW),
    );
    expect({ code: error.code, reason: error.reason }).toEqual({ code: 'CHAIN_INVALID', reason: row.reason });
  });

  it.each(['KEYS_UNAVAILABLE', 'INTERNAL'] as const)('keeps %s from a link (the gate, not the chain, failed)', async (code) => {
    const failing = (): Promise<AgentClaims> => Promise.reject(new DutygateError(code, 'down'));
    const error = await rejection(verifyChain(agent({ agentId: 'B', parent: 'A' }), await header([A]), failing, OPTIONS, NOW));
    expect(error.code).toBe(code);
  });
});
