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

/** "did you mean 'x'?" for the closest candidate within edit distance 2, else undefined. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best === undefined ? undefined : `did you mean '${best}'?`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}
