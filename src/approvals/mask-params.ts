/**
 * What an approver is shown of a call's params: sensitive values masked, long values cut, so a
 * Slack message (or an API listing) never carries a secret the agent sent. Masked are the
 * params the rule lists in `approval.mask` (dotted paths) and, as a safety net, any key whose
 * name looks like a credential.
 *
 * Approvers see what they approve (issue 13, item 5): every key is kept (the body is already
 * bounded by `limits.max_body_bytes`), a masked value says it is masked, a cut string or array
 * says how much was cut, and objects have no prototype so a `__proto__` param is shown like any
 * other instead of vanishing into the display object's prototype.
 */

/** Shown instead of a masked value. */
export const MASK = '•••• (masked)';

/** Key names that are masked whatever the policy says (over-masking is the safe mistake). */
const SENSITIVE_KEY = /pass(word|wd)?|secret|token|api.?key|authori[sz]ation|cookie|cvv|cvc|card.?number|\bpan\b|iban|ssn|private|credential/i;

const MAX_STRING = 200;
const MAX_ITEMS = 50;
const MAX_DEPTH = 6;

/** Returns a display copy of `params` with `maskPaths` (dotted) and credential-like keys masked. */
export function maskParams(params: Readonly<Record<string, unknown>>, maskPaths: readonly string[] = []): Record<string, unknown> {
  const masked = new Set(maskPaths);
  return maskObject(params, '', masked, 0);
}

function maskObject(value: Readonly<Record<string, unknown>>, prefix: string, masked: ReadonlySet<string>, depth: number): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    out[key] = masked.has(path) || SENSITIVE_KEY.test(key) ? MASK : maskValue(value[key], path, masked, depth + 1);
  }
  return out;
}

function maskValue(value: unknown, path: string, masked: ReadonlySet<string>, depth: number): unknown {
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}… (${value.length - MAX_STRING} more characters)` : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return '… (deeper levels not shown)';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((item) => maskValue(item, path, masked, depth + 1));
    return value.length > MAX_ITEMS ? [...items, `… ${value.length - MAX_ITEMS} more items`] : items;
  }
  return maskObject(value as Record<string, unknown>, path, masked, depth);
}
