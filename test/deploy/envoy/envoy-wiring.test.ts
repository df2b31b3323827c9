/**
 * The Envoy configs are wired to dutygate as the gate expects: clusters exist, ext_authz fails
 * closed with bounds that match the gate's config, health routes are the only exemptions, and
 * every host the policy names has a checked route. Each rule is shown catching a broken file.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS } from '../../../src/config/defaults.js';
import { parseConfig } from '../../../src/config/load-config.js';
import { routeFor, listener, extAuthzPerRoute, loadEnvoyConfig, type Obj } from './envoy-model.js';
import { EGRESS_LISTENER, envoyWiringIssues, type EnvoyVariant } from './envoy-wiring.js';
import { checkEnvoyConfig } from './check-envoy-config.js';
import { formatIssue } from '../../../src/yaml/source-issue.js';

/** The env the k8s Deployments give dutygate (values from the generated Secrets). */
export const K8S_GATE_ENV = {
  DUTYGATE_REDIS_URL: 'redis://:secret@redis:6379/0',
  SLACK_BOT_TOKEN: 'xoxb-test',
  SLACK_SIGNING_SECRET: 'signing-secret',
};

const k8sGate = parseConfig(readFileSync('k8s/base/dutygate.yaml', 'utf8'), '/etc/dutygate/dutygate.yaml', K8S_GATE_ENV);
const defaults = { grpc: CONFIG_DEFAULTS.grpc, limits: CONFIG_DEFAULTS.limits };

const VARIANTS: readonly (readonly [string, EnvoyVariant])[] = [
  ['envoy/sidecar.yaml', { egress: 'sidecar', egressAddress: '127.0.0.1' }],
  ['envoy/central-gate.yaml', { egress: 'central-gate', egressAddress: '0.0.0.0' }],
];

describe.each(VARIANTS)('%s', (file, variant) => {
  const config = loadEnvoyConfig(file);

  it("is wired to the gate's k8s config and to the gate's defaults", () => {
    expect(envoyWiringIssues(config, variant, k8sGate)).toEqual([]);
    expect(envoyWiringIssues(config, variant, defaults)).toEqual([]);
  });

  it('routes every host the k8s policy names through a checked route', () => {
    const policy = parse(readFileSync('k8s/base/policy.yaml', 'utf8')) as { tools: { match: { host?: string; path?: string } }[] };
    const hosts = policy.tools.map((t) => t.match.host);
    expect(hosts.every((h) => typeof h === 'string')).toBe(true);
    const hcm = listener(config, EGRESS_LISTENER).hcm;
    for (const host of hosts as string[]) {
      const view = routeFor(hcm, host, '/anything');
      expect(view?.route.route?.cluster, host).toBeDefined();
      expect(extAuthzPerRoute(view!)?.check_settings?.context_extensions?.egress, host).toBe(variant.egress);
    }
  });
});

const SIDECAR = readFileSync('envoy/sidecar.yaml', 'utf8');
const sidecarVariant = VARIANTS[0]![1];

/** [what, text to replace, replacement, expected issue part]. Each edit is still valid Envoy. */
const MISWIRED: readonly (readonly [string, string, string, string])[] = [
  ['a route naming a cluster that does not exist', 'route: { cluster: payments, timeout: 15s }', 'route: { cluster: payment, timeout: 15s }', "names cluster 'payment', which does not exist"],
  ['ext_authz naming a cluster that does not exist', 'envoy_grpc: { cluster_name: dutygate }', 'envoy_grpc: { cluster_name: dutygat }', "names cluster 'dutygat'"],
  ['a load_assignment naming another cluster', '        cluster_name: mcp_tools', '        cluster_name: mcp', "has load_assignment.cluster_name 'mcp'"],
  ['failing open', 'failure_mode_allow: false', 'failure_mode_allow: true', 'failure_mode_allow must be false'],
  ['a 403 on errors', 'status_on_error: { code: ServiceUnavailable }', 'status_on_error: { code: Forbidden }', 'status_on_error must be 503'],
  ['a timeout below the gate deadline', 'timeout: 0.25s', 'timeout: 0.15s', "must exceed the gate's check_timeout 150ms"],
  ['a body bound that differs from the gate', 'max_request_bytes: 65536', 'max_request_bytes: 8192', "must equal the gate's limits.max_body_bytes 65536"],
  ['bodies as text', 'pack_as_bytes: true', 'pack_as_bytes: false', 'pack_as_bytes must be true'],
  ['no peer certificate', 'include_peer_certificate: true', 'include_peer_certificate: false', 'include_peer_certificate must be true'],
  ['the gate on another port', 'port_value: 9191', 'port_value: 9192', 'the gate cluster must be 127.0.0.1:9191'],
  ['no path normalization', 'normalize_path: true', 'normalize_path: false', 'normalize_path and merge_slashes'],
  ['agents trusted as internal peers (their x-envoy-retry-on would be honoured)', 'cidr_ranges: [{ address_prefix: 192.0.2.1, prefix_len: 32 }]', 'cidr_ranges: [{ address_prefix: 127.0.0.0, prefix_len: 8 }]', 'use_remote_address must be true with an internal_address_config'],
  ['the default internal ranges', '                internal_address_config:\n                  cidr_ranges: [{ address_prefix: 192.0.2.1, prefix_len: 32 }]  # TEST-NET-1: no real peer\n', '', 'use_remote_address must be true with an internal_address_config'],
  ['underscored headers allowed', 'headers_with_underscores_action: REJECT_REQUEST', 'headers_with_underscores_action: ALLOW', 'headers_with_underscores_action must be REJECT_REQUEST'],
  ['a per-route config keyed by a misspelt filter name', '                            envoy.filters.http.ext_authz:\n                              "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute\n                              disabled: true', '                            envoy.filters.http.ext_auth:\n                              "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute\n                              disabled: true', "typed_per_filter_config 'envoy.filters.http.ext_auth' names no HTTP filter"],
  ['an exemption wider than a health probe', 'path: /healthz', 'prefix: /', 'skips the gate but is not an exact-path GET health route'],
  ['an exemption that forwards credentials', 'request_headers_to_remove: [authorization, x-agent-chain, x-dutygate-override]', 'request_headers_to_remove: [x-agent-chain, x-dutygate-override]', 'skips the gate but is not'],
  ['a checked route without context', 'context_extensions: { egress: sidecar, upstream: payments }', 'context_extensions: { upstream: payments }', "forwards upstream without context_extensions.egress 'sidecar'"],
  ['the egress listener on every address', 'address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }', 'address: { socket_address: { address: 0.0.0.0, port_value: 10000 } }', 'agent_egress binds 0.0.0.0, expected 127.0.0.1'],
  ['the health listener forwarding Check itself', 'match: { path: /grpc.health.v1.Health/Check, grpc: {} }', 'match: { prefix: /envoy.service.auth.v3.Authorization/, grpc: {} }', 'only /ready (Envoy admin) and /grpc.health.v1.Health/Check (the gate) may pass'],
  ['the admin API on every address', 'address: { socket_address: { address: 127.0.0.1, port_value: 9901 } }', 'address: { socket_address: { address: 0.0.0.0, port_value: 9901 } }', 'the admin API must listen on 127.0.0.1 only'],
  ['a header filter list that drops the bearer token', 'stat_prefix: dutygate', 'stat_prefix: dutygate\n                      allowed_headers: { patterns: [{ exact: x-agent-chain }] }', "allowed_headers drops 'authorization'"],
];

describe('the wiring rules', () => {
  it.each(MISWIRED)('catch %s', (_what, from, to, expected) => {
    expect(SIDECAR).toContain(from);
    const text = SIDECAR.replace(from, to);
    const checked = checkEnvoyConfig(text, 'envoy/sidecar.yaml');
    expect(checked.issues.map(formatIssue)).toEqual([]); // still valid Envoy: only the wiring is wrong
    const issues = envoyWiringIssues(checked.value as Obj, sidecarVariant, k8sGate);
    expect(issues.join('\n')).toContain(expected);
  });
});
