/**
 * Refuses policy regexes that can backtrack super-linearly (issue 13, item 3). `regex` and
 * `not_regex` run on V8's backtracking engine against agent-controlled params of up to
 * `limits.max_body_bytes`: `^(a+)+$` on a 30-character param is already seconds of event-loop
 * time. Each pattern is checked once, when the policy is compiled, by recheck
 * (https://makenowjust-labs.github.io/recheck/), a maintained ReDoS checker that combines
 * automata theory with fuzzing and reports exponential and polynomial (≥ quadratic) patterns.
 *
 * Why recheck: it installs from npm with nothing downloaded at install time (its native agent is
 * a per-platform npm package; without it, a pure-JS build runs in a worker), it detects both
 * exponential and polynomial backtracking rather than only star height (safe-regex), and it
 * keeps V8's regex semantics for the patterns it accepts (a linear engine such as re2 would
 * refuse lookarounds and change Unicode behaviour policies already rely on).
 */
import { checkSync } from 'recheck';

/** Per-pattern time budget of the checker; a pattern it cannot settle in time is refused. */
const CHECK_TIMEOUT_MS = 10_000;

const verdicts = new Map<string, string | undefined>();

/**
 * Why `source` (compiled with the `u` flag) may run in super-linear time, or undefined when the
 * checker shows it linear. Results are cached per pattern for the process.
 */
export function superLinearRegexError(source: string): string | undefined {
  if (verdicts.has(source)) return verdicts.get(source);
  let verdict: string | undefined;
  try {
    const result = checkSync(source, 'u', { timeout: CHECK_TIMEOUT_MS });
    if (result.status === 'vulnerable') {
      const attack = result.attack.pattern;
      verdict = `regex can backtrack super-linearly (${result.complexity.summary}; e.g. ${attack.length > 80 ? `${attack.slice(0, 80)}…` : attack}): rewrite it without nested or overlapping repetition`;
    } else if (result.status === 'unknown') {
      verdict = `regex could not be shown free of super-linear backtracking (${result.error.kind}): simplify it`;
    }
  } catch (error) {
    verdict = `regex could not be checked for super-linear backtracking (${(error as Error).message})`;
  }
  verdicts.set(source, verdict);
  return verdict;
}
