import type { ParsedYaml } from '../yaml/parse-yaml.js';
import { formatKeyPath, type SourceIssue } from '../yaml/source-issue.js';

/** A key path into the policy document (`['rules', 2, 'clause']`). */
export type KeyPath = readonly (string | number)[];

/** Collects semantic issues of a policy, each placed at its line and column. */
export class PolicyIssues {
  readonly list: SourceIssue[] = [];

  constructor(private readonly parsed: ParsedYaml) {}

  /** Records an issue at `path`; `at: 'key'` points at a map key (e.g. a misspelt param name). */
  add(path: KeyPath, message: string, options: { at?: 'key' | 'value'; hint?: string | undefined } = {}): void {
    const position = this.parsed.positionOf(path, options.at ?? 'value');
    this.list.push({
      file: this.parsed.file,
      ...position,
      key: formatKeyPath(path),
      message,
      ...(options.hint === undefined ? {} : { hint: options.hint }),
    });
  }
}

export { didYouMean } from '../yaml/did-you-mean.js';
