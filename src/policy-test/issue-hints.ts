import { RESOURCE_EXAMPLE } from '../policy/resource-rule.js';
import type { SourceIssue } from '../yaml/source-issue.js';

/**
 * Hints for policy issues that the validator reported without one, so that every problem
 * `dutygate policy validate` prints says what to do next. The validator's own hints ("did you
 * mean 'effect'?") are kept; these are the fallbacks, matched on the message and the key.
 */
const BY_MESSAGE: readonly (readonly [RegExp, (issue: SourceIssue) => string])[] = [
  [/^unknown tool '/, () => 'define it under tools: (name + match), or fix the spelling'],
  [/matches no tool$/, () => 'a glob must match at least one tools: entry or mcp:<tool> name'],
  [/^unknown clause '/, () => 'add it under clauses: { NAME: { text: ... } }'],
  [/^unknown duty '/, () => 'add it under duties: with resource, steps and distinct'],
  [/^unknown key '/, (issue) => `remove it or check the spelling; the keys of ${section(issue)} are listed in README "Policy reference"`],
  [/^is required$/, (issue) => (/^duties\.[^.]+\.resource$/.test(issue.key) ? `add a resource rule: ${RESOURCE_EXAMPLE}` : `add \`${lastKey(issue.key)}:\` here`)],
  [/^must be string$/, (issue) => (/ttl$/.test(issue.key) ? 'write a duration as a string, e.g. ttl: 15m' : 'quote the value')],
  [/^must be number$/, () => 'write the number without quotes: numeric conditions never coerce strings'],
  [/^must be integer$/, () => 'use a whole number'],
  [/^must be boolean$/, () => 'use true or false (unquoted)'],
  [/^must be array$/, () => 'use a list: [a, b] or one "- item" per line'],
  [/^must be object$/, () => 'use a mapping: { key: value } or one "key: value" per line'],
  [/^must be one of /, () => 'use one of the listed values exactly (case matters)'],
  [/^invalid regex/, () => 'regexes are JavaScript (u flag); escape backslashes inside double quotes'],
  [/^duplicate /, () => 'ids and keys must be unique; rename one of them'],
  [/needs a clause/, () => 'add clause: NAME and define clauses: { NAME: { text: ... } }'],
];

/** Returns the issue with a hint: its own when it has one, else a fallback by message or section. */
export function withHint(issue: SourceIssue): SourceIssue {
  if (issue.hint) return issue;
  for (const [pattern, hint] of BY_MESSAGE) if (pattern.test(issue.message)) return { ...issue, hint: hint(issue) };
  if (issue.key === '') return { ...issue, hint: 'YAML syntax: check indentation (spaces, not tabs), quoting and duplicate keys' };
  return { ...issue, hint: `see README "Policy reference" for ${section(issue)}` };
}

function section(issue: SourceIssue): string {
  const top = /^[a-z_]+/.exec(issue.key)?.[0];
  return top ? `\`${top}:\`` : 'the document';
}

function lastKey(key: string): string {
  return /([A-Za-z0-9_]+)(?:\[\d+\])*$/.exec(key)?.[1] ?? key;
}
