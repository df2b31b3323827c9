import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseYaml, type ParsedYaml } from '../yaml/parse-yaml.js';
import { SourceError, type SourceIssue } from '../yaml/source-issue.js';
import { compileSchema } from '../yaml/validate-schema.js';
import { buildConfig } from './build-config.js';
import { checkRules } from './check-rules.js';
import { coerceExpanded } from './coerce-expanded.js';
import { expandEnv, type ConfigEnv } from './expand-env.js';
import type { RawConfig } from './raw-config.js';
import { refineSchemaIssues } from './refine-issues.js';
import { CONFIG_SCHEMA } from './schema.js';
import type { GateConfig } from './types.js';

// Compiled once per process: Ajv compilation costs far more than validating a small file.
const validateConfig = compileSchema(CONFIG_SCHEMA);

/**
 * Reads and parses `dutygate.yaml` (see {@link parseConfig}). A file that cannot be read is
 * a {@link SourceError} too, naming the path, so the CLI has one error to print.
 */
export async function loadConfig(file: string, env: ConfigEnv): Promise<GateConfig> {
  const source = resolve(file);
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (error) {
    throw new SourceError('config', [{ file: source, line: 1, column: 1, key: '', message: `cannot read the config file: ${describeReadError(error)}` }]);
  }
  return parseConfig(text, source, env);
}

/**
 * Parses the text of a config file into a deeply frozen {@link GateConfig}: YAML (positions,
 * no duplicate keys), `${VAR}` expansion from `env`, schema, cross-field rules, defaults and
 * path resolution against the folder of `file`.
 *
 * @throws SourceError('config', issues) listing every issue found, in file order, each with
 *   `file:line:column: key: message`.
 */
export function parseConfig(text: string, file: string, env: ConfigEnv): GateConfig {
  const source = resolve(file);
  const parsed = parseYaml(text, source);
  if (parsed.issues.length > 0) throw new SourceError('config', parsed.issues);
  if (parsed.value === null || parsed.value === undefined) {
    throw new SourceError('config', [{ file: source, line: 1, column: 1, key: '', message: "the file is empty; it needs at least 'identity' and 'policy'" }]);
  }

  const expanded = expandEnv(parsed, text, env);
  const document: ParsedYaml = { ...parsed, value: coerceExpanded(expanded.value, CONFIG_SCHEMA, expanded.wholeKeys) };
  const found = [...refineSchemaIssues(validateConfig(document), document.value), ...checkRules(document)]
    // A failed `${VAR}` leaves a placeholder behind; what else is wrong with it is noise.
    .filter((issue) => !expanded.failedKeys.has(issue.key));
  const issues = [...expanded.issues, ...found].sort(byPosition);
  if (issues.length > 0) throw new SourceError('config', issues);
  return buildConfig(document.value as RawConfig, source);
}

function byPosition(a: SourceIssue, b: SourceIssue): number {
  return a.line - b.line || a.column - b.column;
}

function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a folder';
    default:
      return (error as Error).message;
  }
}
