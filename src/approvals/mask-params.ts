/**
 * What an approver is shown of a call's params: sensitive values masked, long values cut, so a
 * Slack message (or an API listing) never carries a secret the agent sent. Masked are the
 * params the rule lists in `approval.mask` (dotted paths) and, as a safety net, any key whose
 * name looks like a credential.
 */

/** Shown instead of a masked value. */
export const MASK = '••••';

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
  const out: Record<string, unknown> = {};
  const keys = Object.keys(value);
  for (const key of keys.slice(0, MAX_ITEMS)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    out[key] = masked.has(path) || SENSITIVE_KEY.test(key) ? MASK : maskValue(value[key], path, masked, depth + 1);
  }
  if (keys.length > MAX_ITEMS) out['…'] = `${keys.length - MAX_ITEMS} more`;
  return out;
}

function maskValue(value: unknown, path: string, masked: ReadonlySet<string>, depth: number): unknown {
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return '…';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((item) => maskValue(item, path, masked, depth + 1));
    return value.length > MAX_ITEMS ? [...items, `… ${value.length - MAX_ITEMS} more`] : items;
  }
  return maskObject(value as Record<string, unknown>, path, masked, depth);
}
