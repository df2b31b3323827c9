/**
 * Every envoy/*.yaml is a valid Envoy bootstrap by Envoy's own API protos, checked strictly; and
 * the checker catches each kind of mistake a hand-edited file can carry.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../../src/yaml/source-issue.js';
import { checkEnvoyConfig } from './check-envoy-config.js';

const ENVOY_FILES = readdirSync('envoy')
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => `envoy/${f}`);

describe('envoy/*.yaml against envoy.config.bootstrap.v3.Bootstrap', () => {
  it('ships the sidecar and the central-gate configs', () => {
    expect(ENVOY_FILES).toEqual(['envoy/central-gate.yaml', 'envoy/sidecar.yaml']);
  });

  it.each(ENVOY_FILES)('%s has no issue', (file) => {
    const { issues } = checkEnvoyConfig(readFileSync(file, 'utf8'), file);
    expect(issues.map(formatIssue)).toEqual([]);
  });

  it.each([
    ['envoy/sidecar.yaml', 'k8s/overlays/sidecar/envoy.yaml'],
    ['envoy/central-gate.yaml', 'k8s/overlays/central-gate/envoy.yaml'],
  ])('%s is what %s mounts, byte for byte', (source, copy) => {
    expect(readFileSync(copy, 'utf8')).toBe(readFileSync(source, 'utf8'));
  });
});

const SIDECAR = readFileSync('envoy/sidecar.yaml', 'utf8');

/** [what, text to replace, replacement, expected key path (suffix), expected message part]. */
const BROKEN: readonly (readonly [string, string, string, string, string])[] = [
  ['a misspelt field', 'failure_mode_allow: false', 'failure_mode_alow: false', 'typed_config.failure_mode_alow', "unknown field 'failure_mode_alow' in envoy.extensions.filters.http.ext_authz.v3.ExtAuthz"],
  ['a misspelt field inside a typed_config of a typed_config', 'json_format:', 'json_formatt:', 'log_format.json_formatt', "unknown field 'json_formatt'"],
  ['a misspelt field in a per-route config', 'context_extensions: { egress: sidecar, upstream: payments }', 'context_extension: { egress: sidecar, upstream: payments }', 'check_settings.context_extension', "unknown field 'context_extension'"],
  ['an unknown enum value', 'transport_api_version: V3', 'transport_api_version: v3', 'transport_api_version', 'is not a value of envoy.config.core.v3.ApiVersion'],
  ['a deprecated enum value (the V2 transport)', 'transport_api_version: V3', 'transport_api_version: V2', 'transport_api_version', 'V2 is deprecated'],
  ['an unknown enum value in the connection manager', 'path_with_escaped_slashes_action: REJECT_REQUEST', 'path_with_escaped_slashes_action: REJECT', 'path_with_escaped_slashes_action', 'is not a value of'],
  ['an unknown HTTP status name', 'status_on_error: { code: ServiceUnavailable }', 'status_on_error: { code: Unavailable }', 'status_on_error.code', 'is not a value of envoy.type.v3.StatusCode'],
  ['a duration without its unit', 'timeout: 0.25s', 'timeout: 0.25', 'grpc_service.timeout', 'expected a duration string'],
  ['a duration in milliseconds (proto JSON takes seconds)', 'timeout: 0.25s', 'timeout: 250ms', 'grpc_service.timeout', 'expected a duration string'],
  ['a zero connect timeout (PGV gt 0)', 'connect_timeout: 0.25s', 'connect_timeout: 0s', 'clusters[0].connect_timeout', 'must be longer than 0s'],
  ['an unknown @type', 'envoy.extensions.filters.http.router.v3.Router', 'envoy.extensions.filters.http.router.v3.Routr', 'typed_config.@type', 'unknown type URL'],
  ['a wrapper given a string', 'allow_absolute_url: true', 'allow_absolute_url: "true"', 'allow_absolute_url', 'expected true or false'],
  ['a scalar where a list belongs', 'domains: ["mcp.internal", "mcp.internal:*"]', 'domains: mcp.internal', 'virtual_hosts[1].domains', 'is repeated: expected a list'],
  ['a list where a scalar belongs', 'stat_prefix: dutygate', 'stat_prefix: [dutygate]', 'typed_config.stat_prefix', 'expected a string'],
  ['a map given a list', 'context_extensions: { egress: sidecar, upstream: mcp_tools }', 'context_extensions: [egress, sidecar]', 'check_settings.context_extensions', 'is a map: expected a mapping'],
  ['two members of one oneof', 'route: { cluster: mcp_tools, timeout: 0s }', 'route: { cluster: mcp_tools, timeout: 0s }\n                          direct_response: { status: 200 }', 'routes[0].direct_response', 'are alternatives (oneof action)'],
  ['a required oneof left empty (PGV)', '                          route: { cluster: mcp_tools, timeout: 0s }\n', '', 'virtual_hosts[1].routes[0]', 'needs one of: route, redirect, direct_response'],
  ['disabled: false in a per-route ext_authz (PGV const: true)', 'disabled: true', 'disabled: false', 'ext_authz.disabled', "'disabled' must be true"],
  ['an empty required string (PGV min_len)', 'stat_prefix: agent_egress', 'stat_prefix: ""', 'typed_config.stat_prefix', 'must be at least 1 characters'],
  ['a zero body bound (PGV gt 0)', 'max_request_bytes: 65536', 'max_request_bytes: 0', 'with_request_body.max_request_bytes', 'must be greater than 0'],
  ['a port out of range (PGV lte)', 'port_value: 10000', 'port_value: 70000', 'socket_address.port_value', 'must be at most 65535'],
  ['an invalid header name (PGV well_known_regex)', 'name: ":method"', 'name: ":method "', 'headers[0].name', 'is not a valid HTTP header name'],
  ['a null value', '        cluster_name: payments', '        cluster_name:', 'load_assignment.cluster_name', 'is null'],
  ['a field given twice (snake and camel case)', 'pack_as_bytes: true', 'pack_as_bytes: true\n                        packAsBytes: false', 'with_request_body.packAsBytes', 'is given twice'],
  ['a removed (reserved) field', 'include_peer_certificate: true', 'include_peer_certificate: true\n                      use_alpha: true', 'typed_config.use_alpha', "unknown field 'use_alpha'"],
  ['a deprecated field (the old cluster-level HTTP/2 switch)', '      connect_timeout: 0.25s\n', '      connect_timeout: 0.25s\n      http2_protocol_options: {}\n', 'clusters[0].http2_protocol_options', "'http2_protocol_options' is deprecated"],
  ['a negative integer for a uint32', 'max_request_bytes: 65536', 'max_request_bytes: -1', 'with_request_body.max_request_bytes', 'out of range for uint32'],
];

describe('the strict checker', () => {
  it.each(BROKEN)('catches %s', (_what, from, to, key, message) => {
    expect(SIDECAR).toContain(from);
    const { issues } = checkEnvoyConfig(SIDECAR.replace(from, to), 'envoy/sidecar.yaml');
    expect(issues.length).toBeGreaterThan(0);
    const hit = issues.find((i) => i.key.endsWith(key));
    expect(hit, issues.map(formatIssue).join('\n')).toBeDefined();
    expect(hit!.message).toContain(message);
  });

  it('points at the line and column of the mistake, with a suggestion', () => {
    const { issues } = checkEnvoyConfig(SIDECAR.replace('failure_mode_allow: false', 'failure_mode_alow: false'), 'envoy/sidecar.yaml');
    const line = SIDECAR.split('\n').findIndex((l) => l.includes('failure_mode_allow: false')) + 1;
    expect(issues.map(formatIssue)).toEqual([
      expect.stringMatching(new RegExp(`^envoy/sidecar\\.yaml:${line}:23: .*failure_mode_alow: unknown field .*\\(did you mean 'failure_mode_allow'\\?\\)$`)),
    ]);
  });

  it('reports YAML syntax errors as issues', () => {
    const { issues } = checkEnvoyConfig('admin: {\n', 'x.yaml');
    expect(issues.length).toBeGreaterThan(0);
  });
});
