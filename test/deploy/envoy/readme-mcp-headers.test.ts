/**
 * The README's ext_authz snippet for MCP mirrored headers (`allowed_headers` listing
 * `mcp-protocol-version`, `mcp-method`, `mcp-name`) is valid Envoy config: spliced into the
 * shipped sidecar's ext_authz filter, the bootstrap still checks clean against Envoy's protos.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../../src/yaml/source-issue.js';
import { checkEnvoyConfig } from './check-envoy-config.js';

const README = readFileSync('README.md', 'utf8');
const SIDECAR = readFileSync('envoy/sidecar.yaml', 'utf8');

/** The `allowed_headers:` block of the README's MCP snippet, lines relative to its own indent. */
function readmeAllowedHeaders(): string[] {
  const section = README.slice(README.indexOf('**MCP mirrored headers'));
  const block = section.slice(section.indexOf('```yaml') + '```yaml'.length, section.indexOf('```', section.indexOf('```yaml') + 7));
  const lines = block.split('\n');
  const start = lines.findIndex((line) => line.trimStart().startsWith('allowed_headers:'));
  const indent = (lines[start] ?? '').length - (lines[start] ?? '').trimStart().length;
  return lines.slice(start).filter((line) => line.trim() !== '').map((line) => line.slice(indent));
}

describe('README: ext_authz allowed_headers for MCP mirrored headers', () => {
  it('lists the SEP-2243 headers and the credentials', () => {
    const text = readmeAllowedHeaders().join('\n');
    for (const header of ['mcp-protocol-version', 'mcp-method', 'mcp-name', 'authorization', 'x-agent-chain']) expect(text).toContain(`exact: ${header}`);
  });

  it('is a valid ExtAuthz field when spliced into envoy/sidecar.yaml', () => {
    const anchor = SIDECAR.split('\n').find((line) => line.trim() === 'validate_mutations: true');
    expect(anchor).toBeDefined();
    const indent = ' '.repeat((anchor ?? '').length - (anchor ?? '').trimStart().length);
    const spliced = SIDECAR.replace(`${anchor}\n`, `${anchor}\n${readmeAllowedHeaders().map((line) => indent + line).join('\n')}\n`);
    expect(spliced).not.toBe(SIDECAR);
    const { issues } = checkEnvoyConfig(spliced, 'sidecar+readme.yaml');
    expect(issues.map(formatIssue)).toEqual([]);
  });
});
