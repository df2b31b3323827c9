/**
 * Checks an Envoy bootstrap YAML file strictly against `envoy.config.bootstrap.v3.Bootstrap`
 * from Envoy's API protos, with `file:line:column: key: message` issues like the gate's own
 * config and policy loaders.
 */
import { parseYaml } from '../../../src/yaml/parse-yaml.js';
import { formatKeyPath, type SourceIssue } from '../../../src/yaml/source-issue.js';
import { createEnvoyProtoRoot, type EnvoyProtoRoot } from './proto-root.js';
import { checkMessage } from './proto-walk.js';

/** The bootstrap message Envoy reads its `-c` file into. */
export const BOOTSTRAP_TYPE = 'envoy.config.bootstrap.v3.Bootstrap';

let shared: EnvoyProtoRoot | undefined;

/** The result of {@link checkEnvoyConfig}: the parsed document and its issues. */
export interface EnvoyConfigCheck {
  readonly value: unknown;
  readonly issues: readonly SourceIssue[];
}

/** Parses and checks `text` (named `file` in issues). Protos are loaded once per process. */
export function checkEnvoyConfig(text: string, file: string): EnvoyConfigCheck {
  const parsed = parseYaml(text, file);
  if (parsed.issues.length > 0) return { value: undefined, issues: parsed.issues };
  shared ??= createEnvoyProtoRoot();
  const issues = checkMessage(shared, BOOTSTRAP_TYPE, parsed.value).map((issue): SourceIssue => {
    const { line, column } = parsed.positionOf(issue.path);
    const base = { file, line, column, key: formatKeyPath(issue.path), message: issue.message };
    return issue.hint === undefined ? base : { ...base, hint: issue.hint };
  });
  return { value: parsed.value, issues };
}
