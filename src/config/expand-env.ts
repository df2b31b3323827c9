import type { ParsedYaml } from '../yaml/parse-yaml.js';
import { formatKeyPath, type SourceIssue } from '../yaml/source-issue.js';

/** The environment a config is expanded against (passed in: only src/cli reads process.env). */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

/** The document after `${VAR}` expansion. */
export interface ExpandedYaml {
  readonly value: unknown;
  /** Unset variables and malformed references, at the scalar's line. */
  readonly issues: readonly SourceIssue[];
  /** Keys (`slack.bot_token`) whose expansion failed: later issues there would only repeat it. */
  readonly failedKeys: ReadonlySet<string>;
  /** Keys whose scalar was exactly one `${…}`: those may become numbers or booleans (coerce-expanded.ts). */
  readonly wholeKeys: ReadonlySet<string>;
}

// `$${` is an escaped literal `${`; `${…}` a reference; a `${` with no `}` an unterminated one.
const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const WHOLE_REFERENCE = /^\$\{[^}]*\}$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Expands `${VAR}` and `${VAR:-default}` in the string values of a parsed YAML document
 * (`$${` stands for a literal `${`). Like the shell, `:-` applies when the variable is unset
 * or empty; a variable that is unset with no default is an issue naming it.
 *
 * Expansion works on the parsed tree, not the text, for two reasons: an environment value can
 * never inject YAML structure (a newline and `policy:` in a secret stays a string), and every
 * key keeps its source position for messages. Keys and comments are never expanded. In flow
 * mappings (`{ port: ${PORT} }`) YAML forbids `{`/`}` in plain scalars: quote the reference.
 */
export function expandEnv(parsed: ParsedYaml, text: string, env: ConfigEnv): ExpandedYaml {
  const issues: SourceIssue[] = [];
  const failedKeys = new Set<string>();
  const wholeKeys = new Set<string>();
  const lines = text.split(/\r?\n/);

  const expandString = (raw: string, path: (string | number)[]): string => {
    const key = formatKeyPath(path);
    if (WHOLE_REFERENCE.test(raw)) wholeKeys.add(key);
    const fail = (needle: string, message: string, hint?: string): void => {
      failedKeys.add(key);
      issues.push({ file: parsed.file, ...locate(parsed, lines, path, needle), key, message, ...(hint ? { hint } : {}) });
    };
    return raw.replace(REFERENCE, (match: string, body: string | undefined) => {
      if (match === '$${') return '${';
      if (body === undefined) {
        fail(match, "'${' has no closing '}'", "write '$${' for a literal '${'");
        return '';
      }
      const split = body.indexOf(':-');
      const name = split === -1 ? body : body.slice(0, split);
      if (!NAME.test(name)) {
        fail(match, `'${match}' is not a valid variable reference`, 'use ${NAME} or ${NAME:-default}');
        return '';
      }
      const value = env[name];
      if (split !== -1) return value === undefined || value === '' ? body.slice(split + 2) : value;
      if (value === undefined) {
        fail(match, `environment variable '${name}' is not set`, `set it, or give a default: \${${name}:-…}`);
        return '';
      }
      return value;
    });
  };

  const walk = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === 'string') return node.includes('${') ? expandString(node, path) : node;
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, walk(child, [...path, key])]));
    }
    return node;
  };

  return { value: walk(parsed.value, []), issues, failedKeys, wholeKeys };
}

/**
 * Position of a reference: the scalar's start, refined to the reference's own column when it
 * sits on that line (plain and quoted one-line scalars, the common case).
 */
function locate(parsed: ParsedYaml, lines: readonly string[], path: (string | number)[], needle: string): { line: number; column: number } {
  const start = parsed.positionOf(path, 'value');
  const index = lines[start.line - 1]?.indexOf(needle, start.column - 1) ?? -1;
  return index === -1 ? start : { line: start.line, column: index + 1 };
}
