import { readFile } from 'node:fs/promises';
import { parseYaml } from '../yaml/parse-yaml.js';
import { SourceError } from '../yaml/source-issue.js';
import { compileSchema } from '../yaml/validate-schema.js';
import { compilePolicy, type CompiledPolicy, type CompileOptions } from './compile-policy.js';
import { POLICY_SCHEMA } from './policy-schema.js';

const validatePolicy = compileSchema(POLICY_SCHEMA);

/**
 * Parses, validates and compiles a policy from its text. `file` names it in issues and in clause
 * source pointers (by basename: `policy.yaml#/clauses/NAME`). Throws a `SourceError('policy')`
 * carrying every issue (`file:line:col: key: message (hint)`). Checks run in phases — YAML
 * syntax, then schema, then references and values — and a phase runs only when the previous one
 * passed, since cross-checks on a structurally broken document would only add noise.
 */
export function parsePolicy(text: string, file: string, options: CompileOptions = {}): CompiledPolicy {
  const parsed = parseYaml(text, file);
  if (parsed.issues.length > 0) throw new SourceError('policy', parsed.issues);
  const schemaIssues = validatePolicy(parsed);
  if (schemaIssues.length > 0) throw new SourceError('policy', schemaIssues);
  return compilePolicy(parsed, options);
}

/** Reads and compiles a policy file (see {@link parsePolicy}); the only I/O of `src/policy`. */
export async function loadPolicy(file: string, options: CompileOptions = {}): Promise<CompiledPolicy> {
  const text = await readFile(file, 'utf8');
  return parsePolicy(text, file, options);
}
