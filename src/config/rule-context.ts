import type { ParsedYaml } from '../yaml/parse-yaml.js';
import { formatKeyPath, type SourceIssue } from '../yaml/source-issue.js';

/** Path of a node in the document, as parseYaml's positionOf takes it. */
export type KeyPath = readonly (string | number)[];

/** Collects cross-field issues with the position of the key or value they are about. */
export interface RuleContext {
  /** Reports at the value of `path` (default) or at its key. */
  report(path: KeyPath, message: string, options?: { readonly at?: 'key' | 'value'; readonly hint?: string }): void;
}

/** A context writing into `issues`. */
export function createRuleContext(parsed: ParsedYaml, issues: SourceIssue[]): RuleContext {
  return {
    report(path, message, options = {}) {
      const position = parsed.positionOf(path, options.at ?? 'value');
      issues.push({ file: parsed.file, ...position, key: formatKeyPath(path), message, ...(options.hint ? { hint: options.hint } : {}) });
    },
  };
}

/**
 * Rules run even when the schema found problems, so that every issue is listed at once; these
 * narrow an unvalidated value and make a rule skip what the schema already reports.
 */
export function asObject(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The value as an array, or empty when it is not one (the schema reports that). */
export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The value when it is a string, else undefined. */
export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
