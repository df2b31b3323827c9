import type { SourceIssue } from '../yaml/source-issue.js';
import { ALLOWED_ALGORITHMS } from './defaults.js';
import { DURATION_DESCRIPTION, DURATION_KEYS } from './schema.js';

const ANY_OF = 'must match a schema in anyOf';
/** What an `anyOf` in CONFIG_SCHEMA means, by key, since Ajv can only say "match a schema". */
const ANY_OF_MEANING: Readonly<Record<string, string>> = {
  audience: 'must be a string or a non-empty list of strings',
};

/**
 * Rewrites the generic schema messages that would puzzle a reader of `dutygate.yaml` into
 * ones about this file: refused algorithms say why, a bare number where a duration goes says
 * it lacks a unit, and the branches of an `anyOf` collapse into one sentence.
 */
export function refineSchemaIssues(issues: readonly SourceIssue[], value: unknown): SourceIssue[] {
  const anyOfKeys = issues.filter((issue) => issue.message === ANY_OF).map((issue) => issue.key);
  const underAnyOf = (key: string): boolean => anyOfKeys.some((parent) => key !== parent && (key.startsWith(`${parent}[`) || key.startsWith(`${parent}.`)));
  return issues
    .filter((issue) => !underAnyOf(issue.key) && !(anyOfKeys.includes(issue.key) && issue.message !== ANY_OF))
    .map((issue) => refine(issue, value));
}

function refine(issue: SourceIssue, document: unknown): SourceIssue {
  const path = keyToPath(issue.key);
  const last = path[path.length - 1];
  const value = valueAt(document, path);
  if (issue.message === ANY_OF && typeof last === 'string' && ANY_OF_MEANING[last]) {
    return { ...issue, message: ANY_OF_MEANING[last] };
  }
  if (path[path.length - 2] === 'algorithms' && typeof value === 'string') {
    const refused = refusedAlgorithm(value);
    if (refused) return { ...issue, message: refused, hint: `allowed: ${ALLOWED_ALGORITHMS.join(', ')}` };
  }
  if (typeof last === 'string' && DURATION_KEYS.has(last) && issue.message === 'must be string') {
    const hint = typeof value === 'number' ? `a bare number has no unit: write '${value}s' or '${value}ms'` : undefined;
    return { ...issue, message: `must be ${DURATION_DESCRIPTION}`, ...(hint ? { hint } : {}) };
  }
  if (/^must NOT have fewer than 1 (characters|items)$/.test(issue.message)) return { ...issue, message: 'must not be empty' };
  return issue;
}

/** Why `none` and HMAC are never accepted (RFC 8725 §3.1, §3.2), or undefined for other names. */
function refusedAlgorithm(name: string): string | undefined {
  if (name.toLowerCase() === 'none') return "'none' is refused: an unsigned token proves nothing";
  if (/^HS\d+$/i.test(name)) {
    return `'${name}' is refused: HMAC keys are shared secrets, so whoever can verify a token could also mint one`;
  }
  return undefined;
}

/** `identity.issuers[0].algorithms[1]` → `['identity', 'issuers', 0, 'algorithms', 1]`. */
function keyToPath(key: string): (string | number)[] {
  return [...key.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map(([, name, index]) => (index === undefined ? (name as string) : Number(index)));
}

function valueAt(document: unknown, path: readonly (string | number)[]): unknown {
  let node = document;
  for (const part of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}
