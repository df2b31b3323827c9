import type { CompiledTool } from '../policy/compiled.js';
import type { HttpRequest } from '../request/http-request.js';
import { canonicalJson, canonicalJsonOfEntries } from '../policy/policy-hash.js';
import { sha256Hex } from './canonical-record.js';
import type { RequestTarget } from './decision-record.js';

/** Whether a param's raw value may be recorded, per the tool entry's `record_params`. */
export type RecordableParam = (name: string) => boolean;

/** Nothing is recordable (unmapped requests, or a policy that changed under the check). */
export const RECORD_NOTHING: RecordableParam = () => false;

/** Each compiled tool's predicate, built once: a compiled policy never changes. */
const predicates = new WeakMap<CompiledTool, RecordableParam>();

/** The predicate of a `tools:` entry: its `record_params` names, or every param for `*`. */
export function recordableParams(tool: CompiledTool | undefined): RecordableParam {
  if (tool === undefined) return RECORD_NOTHING;
  let predicate = predicates.get(tool);
  if (predicate === undefined) {
    predicate = predicateOf(tool.recordParams);
    predicates.set(tool, predicate);
  }
  return predicate;
}

function predicateOf(names: readonly string[] | undefined): RecordableParam {
  if (!names || names.length === 0) return RECORD_NOTHING;
  if (names.includes('*')) return () => true;
  const set = new Set(names);
  return (name) => set.has(name);
}

/**
 * Splits a tool call's params into the raw values that may be recorded and a sha256 for each
 * other value, and hashes all of them (`hash`: the same as `hashParams(params)`, the record's `params_hash`).
 * Each value is serialised to canonical JSON once and that text serves both hashes. The hash of a
 * guessable value (an amount, a short id) can be guessed by hashing candidates: it proves
 * equality, not secrecy.
 */
export function splitParams(
  params: Readonly<Record<string, unknown>>,
  recordable: RecordableParam,
): { params: Record<string, unknown>; hashed: Record<string, string>; hash: string } {
  // No prototype: a param named `__proto__` is kept as a param instead of vanishing (or, with
  // an object value, becoming the record's prototype).
  const raw = Object.create(null) as Record<string, unknown>;
  const hashed = Object.create(null) as Record<string, string>;
  const names = Object.keys(params);
  const canonical: string[] = [];
  for (const name of names) {
    const text = canonicalJson(params[name]);
    canonical.push(text);
    if (recordable(name)) raw[name] = params[name];
    else hashed[name] = sha256Hex(text);
  }
  return { params: raw, hashed, hash: sha256Hex(canonicalJsonOfEntries(names, canonical)) };
}

/**
 * The request target as recorded: path captures and query values that are params not safe to
 * record are replaced by `{name}`, so the record never carries what `params_hashed` hides. A
 * request that mapped to no tool keeps its path (there are no params to protect) but not its
 * query values (a query string may hold a credential).
 */
export function recordedTarget(request: HttpRequest, tool: CompiledTool | undefined, recordable: RecordableParam): RequestTarget {
  return { method: request.method, host: request.host, path: recordedPath(request.path, tool, recordable), query: recordedQuery(request.query, recordable) };
}

function recordedPath(path: string, tool: CompiledTool | undefined, recordable: RecordableParam): string {
  if (!tool || tool.path.exact) return path;
  const parts = path.split('/').slice(1);
  if (parts.length > tool.path.segments.length && parts[parts.length - 1] === '') parts.pop();
  // The request matched this template, so segments line up; if not, the template is safe.
  if (parts.length !== tool.path.segments.length) return tool.path.source;
  const out = tool.path.segments.map((segment, i) => {
    if ('literal' in segment) return parts[i] as string;
    return recordable(segment.capture) ? (parts[i] as string) : `{${segment.capture}}`;
  });
  return `/${out.join('/')}`;
}

function recordedQuery(query: string, recordable: RecordableParam): string {
  if (query === '') return '';
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawKey = eq < 0 ? pair : pair.slice(0, eq);
      const key = safeDecode(rawKey);
      return recordable(key) ? pair : `${rawKey}={${key}}`;
    })
    .join('&');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * The reason with the values of params not safe to record taken out: reasons quote a duty's
 * resource (`payment "pay_1"`), which is a param value. Quoted string forms of every scalar
 * inside such a param are replaced by `{name}`; names, codes and rule ids are left alone.
 */
export function recordedReason(reason: string, params: Readonly<Record<string, unknown>> | undefined, recordable: RecordableParam): string {
  if (!params || !reason.includes('"')) return reason;
  let out = reason;
  for (const name of Object.keys(params)) {
    if (recordable(name)) continue;
    for (const leaf of scalars(params[name], 64)) out = out.split(JSON.stringify(leaf)).join(`{${name}}`);
  }
  return out;
}

function scalars(value: unknown, limit: number, out: string[] = []): string[] {
  if (out.length >= limit) return out;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out.push(String(value));
  else if (Array.isArray(value)) for (const item of value) scalars(item, limit, out);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) scalars(item, limit, out);
  return out;
}
