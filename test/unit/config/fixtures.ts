import { parseConfig } from '../../../src/config/load-config.js';
import { formatIssue, SourceError } from '../../../src/yaml/source-issue.js';

/** Where the configs under test claim to live: relative paths resolve against /etc/dutygate. */
export const FILE = '/etc/dutygate/dutygate.yaml';

/** The smallest valid config, 7 lines; cases append sections from line 8. */
export const BASE = [
  'identity:',
  '  issuers:',
  '    - issuer: https://tokens.example',
  '      audience: dutygate',
  '      jwks_file: keys.json',
  'policy:',
  '  file: policy.yaml',
  '',
].join('\n');

/** The config with one issuer whose remaining keys (from line 5) are `lines`. */
export function withIssuer(...lines: string[]): string {
  return ['identity:', '  issuers:', '    - issuer: https://tokens.example', '      audience: dutygate', ...lines.map((l) => `      ${l}`), 'policy:', '  file: policy.yaml', ''].join('\n');
}

/** The formatted issues parseConfig throws for `text`, or [] when it parses. */
export function issuesOf(text: string, env: Readonly<Record<string, string | undefined>> = {}): string[] {
  try {
    parseConfig(text, FILE, env);
    return [];
  } catch (error) {
    if (!(error instanceof SourceError)) throw error;
    return error.issues.map(formatIssue);
  }
}
