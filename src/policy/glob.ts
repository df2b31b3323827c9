/**
 * Name globs of rules (`agents`, `parents`, `tools`): `*` matches any run of characters, every
 * other character is literal. `?`, `[`, `]`, `{`, `}` are refused rather than taken literally,
 * so that a `[a-z]` written by someone expecting a character class is an error, not a silent
 * never-match.
 */

/** A compiled name pattern. */
export interface NamePattern {
  readonly source: string;
  /** True when `source` has a `*`. */
  readonly wildcard: boolean;
  test(value: string): boolean;
}

/** Why `glob` is not valid glob syntax, or undefined when it is. */
export function globError(glob: string): string | undefined {
  if (glob === '') return 'a name pattern may not be empty';
  if (/[\s\p{Cc}]/u.test(glob)) return 'a name pattern may not contain whitespace or control characters';
  if (/[?[\]{}]/.test(glob)) return "only '*' is a wildcard; '?', '[', ']', '{', '}' are not allowed";
  if (glob.includes('**')) return "'**' is not allowed; '*' already matches any characters";
  return undefined;
}

/** Compiles a valid glob (see {@link globError}) into a matcher. */
export function compileGlob(glob: string): NamePattern {
  if (!glob.includes('*')) return { source: glob, wildcard: false, test: (value) => value === glob };
  const body = glob
    .split('*')
    // Only syntax characters: in `u` mode escaping anything else (`\-`) is a SyntaxError.
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('[\\s\\S]*');
  const regex = new RegExp(`^${body}$`, 'u');
  return { source: glob, wildcard: true, test: (value) => regex.test(value) };
}

/** True when any pattern matches. */
export function matchesAny(patterns: readonly NamePattern[], value: string): boolean {
  for (const pattern of patterns) if (pattern.test(value)) return true;
  return false;
}
