/**
 * A problem found in a YAML source (config or policy), pointing at the file, line, column and
 * key, so that a platform engineer can jump straight to it.
 */
export interface SourceIssue {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** Dotted key path, e.g. `identity.issuers[0].audience` (empty for the document itself). */
  readonly key: string;
  readonly message: string;
  /** An optional suggestion ("did you mean `audience`?"). */
  readonly hint?: string;
}

/** Formats an issue as `file:line:column: key: message (hint)`, the form editors and CI parse. */
export function formatIssue(issue: SourceIssue): string {
  const key = issue.key ? `${issue.key}: ` : '';
  const hint = issue.hint ? ` (${issue.hint})` : '';
  return `${issue.file}:${issue.line}:${issue.column}: ${key}${issue.message}${hint}`;
}

/** Thrown when a YAML source is invalid; carries every issue found, not just the first. */
export class SourceError extends Error {
  override readonly name = 'SourceError';
  constructor(
    readonly what: string,
    readonly issues: readonly SourceIssue[],
  ) {
    super(`invalid ${what}:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
  }
}

/** Renders a key path (`['rules', 0, 'id']`) as `rules[0].id`. */
export function formatKeyPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}
