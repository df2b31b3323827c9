/**
 * Agent tokens: byte flips in header, payload and signature, `alg` swaps (`none`, HS256), kid
 * swaps, truncation, oversize, and issuer-signed tokens whose identifiers are hostile (NUL, bidi,
 * lone surrogates, over-long). Oracle: only a token the issuer signed as-is, with well-formed
 * identifiers, may be allowed; a clean fresh token must be (`mcp.method:ping` is granted to all).
 */
import type { Category, Expectation } from '../category.js';
import { MCP } from '../agents.js';
import type { Rng } from '../rng.js';

const PING = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const HOSTILE_IDS = ['reader-1\u0000admin', 'reader-\u202Eadmin', 'reader\n1', 'reader-\ud800', 'r'.repeat(129), 'reader\u200b1', 'reader\u00a01', ' ', ''];

const decode = (part: string) => Buffer.from(part, 'base64url');
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function mutate(rng: Rng, token: string): string {
  const parts = token.split('.');
  switch (rng.int(7)) {
    case 0: {
      const p = rng.int(3);
      const chars = [...parts[p]!];
      const at = rng.int(chars.length);
      chars[at] = rng.pick([...B64]);
      parts[p] = chars.join('');
      return parts.join('.');
    }
    case 1:
      return [encode({ alg: rng.pick(['none', 'HS256', 'RS256', 'ES256', 'EdDSA ']), kid: 'agents-1', typ: 'JWT' }), parts[1], rng.chance(0.5) ? '' : parts[2]].join('.');
    case 2:
      return [encode({ alg: 'EdDSA', kid: rng.pick(['agents-2', '', '../agents-1', 'agents-1\u0000']) }), parts[1], parts[2]].join('.');
    case 3:
      return token.slice(0, rng.int(token.length));
    case 4: {
      const claims = JSON.parse(decode(parts[1]!).toString()) as Record<string, unknown>;
      claims[rng.pick(['agent_id', 'exp', 'aud', 'iss', 'jti'])] = rng.pick(['admin', 9_999_999_999, 'other', 1]);
      return [parts[0], encode(claims), parts[2]].join('.');
    }
    case 5:
      return `${token}${rng.pick(['.', '..x', ' ', '\t', 'A'])}`;
    default:
      return rng.pick([`${parts[0]}.${parts[1]}`, `${token},${token}`, 'Bearer', 'x'.repeat(10_000)]);
  }
}

/** True when the mutation decodes to the very bytes the issuer signed (base64url padding bits). */
function sameSignedBytes(original: string, mutated: string): boolean {
  // HTTP strips a field value's surrounding whitespace (RFC 9110 §5.5): the same token arrives.
  const a = original.split('.');
  const b = mutated.trim().split('.');
  if (a.length !== 3 || b.length !== 3) return false;
  if (!b.every((part) => /^[A-Za-z0-9_-]*$/.test(part))) return false;
  // The signature covers the header and payload TEXT; only the signature's encoding may vary.
  return a[0] === b[0] && a[1] === b[1] && decode(a[2]!).equals(decode(b[2]!));
}

export const category: Category = {
  name: 'tokens',
  cases: { short: 2_200, long: 22_000 },
  start(env) {
    return {
      async runCase(rng, index) {
        const roll = rng.int(10);
        let token: string;
        let expect: Expectation;
        let label: string;
        if (roll === 0) {
          token = await env.gate.mint(`reader-${index}`);
          expect = { allow: 'must' };
          label = 'clean token';
        } else if (roll <= 2) {
          const field = rng.pick(['agent_id', 'initiator', 'jti', 'parent_agent_id', 'parent_jti']);
          const value = rng.pick(HOSTILE_IDS);
          token = await env.gate.mint(`reader-${index}`, { extra: { [field]: value } });
          expect = { allow: 'never', codes: ['TOKEN_CLAIMS', 'CHAIN_INVALID'] };
          label = `signed ${field}=${JSON.stringify(value).slice(0, 40)}`;
        } else {
          const original = await env.gate.mint(`reader-${index}`);
          token = mutate(rng, original);
          expect = { allow: token === original || sameSignedBytes(original, token) ? 'may' : 'never' };
          label = `mutated …${token.slice(-24)} (${token.length} of ${original.length} chars)`;
        }
        const answer = await env.check({ ...MCP, body: PING, headers: { ...MCP.headers, authorization: `Bearer ${token}` } });
        return { label, exchanges: [{ expect, answer }] };
      },
    };
  },
};
