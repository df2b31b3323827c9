import type { CompileOptions } from '../policy/compile-policy.js';
import { loadPolicy } from '../policy/load-policy.js';
import { formatIssue, SourceError, type SourceIssue } from '../yaml/source-issue.js';
import { withHint } from './issue-hints.js';

/** The outcome of validating one policy file. */
export interface FileValidation {
  readonly file: string;
  /** Set when the file is valid. */
  readonly policyVersion?: string;
  /** Every problem, each with a hint; empty when valid. */
  readonly issues: readonly SourceIssue[];
}

/** Output formats of `dutygate policy validate`. */
export type ValidateFormat = 'text' | 'json' | 'github';

/**
 * Validates each file on its own (one broken file does not hide another's problems). A file
 * that cannot be read is one issue at 1:1 rather than a crash, so CI still gets a position.
 * `options.issuers` (the gate config's issuer names) makes a rule naming another an issue.
 */
export async function validatePolicyFiles(files: readonly string[], options: CompileOptions = {}): Promise<FileValidation[]> {
  const results: FileValidation[] = [];
  for (const file of files) {
    try {
      results.push({ file, policyVersion: (await loadPolicy(file, options)).policyVersion, issues: [] });
    } catch (error) {
      const issues: SourceIssue[] =
        error instanceof SourceError
          ? [...error.issues]
          : [{ file, line: 1, column: 1, key: '', message: error instanceof Error ? error.message : String(error), hint: 'check the path and that the file is readable' }];
      results.push({ file, issues: issues.map(withHint) });
    }
  }
  return results;
}

/**
 * Renders results: `text` (`file:line:column: key: message (hint)`, what editors parse), `json`
 * (one document for CI tooling), or `github` (workflow commands that annotate the diff).
 * Returns stdout and stderr lines separately: problems go to stderr in text form.
 */
export function formatValidation(results: readonly FileValidation[], format: ValidateFormat): { stdout: string[]; stderr: string[] } {
  if (format === 'json') {
    const files = results.map((r) => ({
      file: r.file,
      ok: r.issues.length === 0,
      ...(r.policyVersion === undefined ? {} : { policy_version: r.policyVersion }),
      issues: r.issues.map((i) => ({ severity: 'error', file: i.file, line: i.line, column: i.column, key: i.key, message: i.message, hint: i.hint ?? null })),
    }));
    return { stdout: [JSON.stringify({ ok: files.every((f) => f.ok), files }, null, 2)], stderr: [] };
  }
  const stdout: string[] = [];
  const stderr: string[] = [];
  for (const result of results) {
    if (result.issues.length === 0) stdout.push(`${result.file}: ok (policy_version ${result.policyVersion ?? '?'})`);
    for (const issue of result.issues) {
      if (format === 'github') stdout.push(githubAnnotation(issue));
      else stderr.push(formatIssue(issue));
    }
  }
  return { stdout, stderr };
}

/** `::error file=…,line=…,col=…,title=…::message` (GitHub Actions workflow command). */
function githubAnnotation(issue: SourceIssue): string {
  const property = (value: string) => value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/:/g, '%3A').replace(/,/g, '%2C');
  const data = (value: string) => value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const key = issue.key ? `${issue.key}: ` : '';
  const hint = issue.hint ? ` (${issue.hint})` : '';
  return `::error file=${property(issue.file)},line=${issue.line},col=${issue.column},title=${property('dutygate policy')}::${data(`${key}${issue.message}${hint}`)}`;
}
