/**
 * MCP JSON-RPC envelopes: case-folding twins of `method`, `params`, `name` (`METHOD`, `NAME`,
 * `ſ`, Kelvin), hostile tool names (NUL, paths, bidi, spaces, 32 k characters), batches,
 * notifications and responses. Oracle: the tool a Go MCP server would run must be one the
 * policy grants (`mcp:read_*`, not `mcp:delete_*` nor `mcp:*_*_*_admin`), or the gate denies.
 */
import type { Category } from '../category.js';
import { MCP, MCP_TOOL_NAME } from '../agents.js';
import { goField, upstreamToolName } from '../upstream-view.js';
import type { Rng } from '../rng.js';

const NAMES = [
  'read_file', 'read_dir', 'delete_file', 'read_x\u0000/../delete', 'read_a/../../delete_all', 'read_\u202Eeteled', 'read file',
  'read_a_b_admin', 'x_y_z_admin', 'read_', 'READ_file', 'ſread', 'write_file', '', 'read_ok.v2/sub-1',
];

function toolName(rng: Rng): string {
  if (rng.chance(0.1)) return `read_${'_'.repeat(1_000 + rng.int(32_000))}`;
  if (rng.chance(0.05)) return `mcp_${'_x'.repeat(200 + rng.int(2_000))}`;
  return rng.pick(NAMES);
}

const m = (key: string, raw: string) => `${JSON.stringify(key)}:${raw}`;

function envelope(rng: Rng, index: number): { text: string; paramsText: string } {
  const name = toolName(rng);
  const params = [m('name', JSON.stringify(name)), m('arguments', rng.chance(0.5) ? '{"path":"a"}' : '{"path":"a","PATH":"b"}')];
  if (rng.chance(0.3)) params.push(m(rng.pick(['NAME', 'Name', 'naMe', 'nAme']), JSON.stringify(rng.pick(NAMES))));
  const paramsText = `{${params.join(',')}}`;
  const members = [m('jsonrpc', '"2.0"'), m('id', String(index))];
  const method = rng.pick(['tools/call', 'tools/call', 'ping', 'tools/list', 'initialize', 'resources/read']);
  members.push(m('method', JSON.stringify(method)));
  if (rng.chance(0.3)) members.push(m(rng.pick(['METHOD', 'Method', 'metHod']), JSON.stringify(rng.pick(['tools/call', 'ping']))));
  members.push(m('params', paramsText));
  if (rng.chance(0.15)) members.push(m(rng.pick(['PARAMS', 'Params']), `{"name":${JSON.stringify(rng.pick(NAMES))}}`));
  if (rng.chance(0.1)) members.push(m('id', '2'));
  let text = `{${members.join(',')}}`;
  if (rng.chance(0.05)) text = `[${text}]`;
  return { text, paramsText };
}

/** Whether a Go MCP server running this envelope does only what the policy grants. */
function granted(text: string): boolean {
  if (text.startsWith('[')) return false;
  const method = goField(text, 'method');
  if (typeof method !== 'string' || method === '') return false;
  if (method !== 'tools/call') return true; // housekeeping: mcp.method:* is allowed
  const params = goField(text, 'params');
  if (typeof params !== 'object' || params === null) return false;
  // Re-serialise only for the name lookup: duplicates inside params were already in `text`.
  const rawName = goField(JSON.stringify(params), 'name');
  const wireName = typeof rawName === 'string' ? rawName : '';
  // Every key of params that folds to "name" must agree, else the upstream may pick another.
  const names = new Set<string>();
  for (const match of text.matchAll(/"(name|NAME|Name|naMe|nAme)":("(?:[^"\\]|\\.)*")/g)) names.add(JSON.parse(match[2]!) as string);
  if (names.size > 1) return false;
  // A gateway that resolves `/` segments runs the normalised name; a C-string reader cuts at NUL.
  const name = upstreamToolName(wireName);
  return MCP_TOOL_NAME.test(wireName) && name === resolveSegments(wireName) && wireName.startsWith('read_') && resolveSegments(wireName).startsWith('read_') && !adminGlob(name);
}

/** The name with `.`/`..`/empty segments resolved, as a path-routing gateway would. */
function resolveSegments(name: string): string {
  const out: string[] = [];
  for (const segment of name.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return out.join('/');
}

/** `*_*_*_admin`, matched linearly (a backtracking regex here would hang the oracle itself). */
function adminGlob(name: string): boolean {
  if (!name.endsWith('_admin')) return false;
  const head = name.slice(0, -'_admin'.length);
  return head.split('_').length - 1 >= 2;
}

export const category: Category = {
  name: 'mcp',
  cases: { short: 2_000, long: 20_000 },
  start(env) {
    return {
      async runCase(rng, index) {
        const { text } = envelope(rng, index);
        const answer = await env.check({ ...MCP, body: text, token: await env.gate.mint(`reader-${index % 7}`) });
        return { label: text.slice(0, 160), exchanges: [{ expect: { allow: granted(text) ? 'may' : 'never' }, answer }] };
      },
    };
  },
};
