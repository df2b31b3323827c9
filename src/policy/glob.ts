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

/**
 * Compiles a valid glob (see {@link globError}) into a matcher that runs in linear time.
 *
 * A `*`-only glob needs no backtracking: the first literal part must be a prefix, the last a
 * suffix, and the parts between are found left to right, each at its leftmost occurrence after
 * the previous one (taking the leftmost occurrence never loses a match, since `*` absorbs
 * anything). A backtracking regex (`^mcp:.*_.*_.*_admin$`) took seconds on a long name
 * (issue 13) and blocked every other check on the event loop.
 */
export function compileGlob(glob: string): NamePattern {
  if (!glob.includes('*')) return { source: glob, wildcard: false, test: (value) => value === glob };
  const parts = glob.split('*');
  const prefix = parts[0] ?? '';
  const suffix = parts[parts.length - 1] ?? '';
  const middle = parts.slice(1, -1).filter((part) => part !== '');
  const minLength = prefix.length + suffix.length;
  return {
    source: glob,
    wildcard: true,
    test(value) {
      if (value.length < minLength || !value.startsWith(prefix) || !value.endsWith(suffix)) return false;
      let at = prefix.length;
      const end = value.length - suffix.length;
      for (const part of middle) {
        const found = value.indexOf(part, at);
        if (found < 0 || found + part.length > end) return false;
        at = found + part.length;
      }
      return true;
    },
  };
}

/** True when any pattern matches. */
export function matchesAny(patterns: readonly NamePattern[], value: string): boolean {
  for (const pattern of patterns) if (pattern.test(value)) return true;
  return false;
}
