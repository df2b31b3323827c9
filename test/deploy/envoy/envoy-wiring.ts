/**
 * What the shipped Envoy configs must say for dutygate to gate every tool call, as a list of
 * problems (empty when the wiring holds), so that tests can also show each rule catching a
 * broken file. The proto check (check-envoy-config.ts) says a file is valid Envoy; this says it
 * is the right Envoy for dutygate.
 */
import type { GateConfig } from '../../../src/config/types.js';
import {
  clusterReferences,
  clusters,
  durationMs,
  endpoints,
  EXT_AUTHZ_PER_ROUTE_TYPE,
  EXT_AUTHZ_TYPE,
  extAuthzPerRoute,
  httpFilter,
  listeners,
  ROUTER_TYPE,
  routes,
  type Obj,
} from './envoy-model.js';

/** What one shipped file is meant to be. */
export interface EnvoyVariant {
  /** `context_extensions.egress` on checked routes. */
  readonly egress: 'sidecar' | 'central-gate';
  /** Where the agent-facing listener binds: loopback in a pod, every address in a gateway. */
  readonly egressAddress: '127.0.0.1' | '0.0.0.0';
}

/** Listener names the files use. */
export const EGRESS_LISTENER = 'agent_egress';
export const HEALTH_LISTENER = 'health';
/** Envoy's own readiness path on its admin API. */
const GRPC_HEALTH_PATH = '/grpc.health.v1.Health/Check';
/** Headers dutygate reads; ext_authz must send them (tracing ones to join the agent's trace). */
export const HEADERS_THE_GATE_READS = ['authorization', 'x-agent-chain', 'x-dutygate-override', 'content-type', 'traceparent', 'tracestate'];

/** Every wiring problem of `config` for `variant`, against the gate's `gate` config. */
export function envoyWiringIssues(config: Obj, variant: EnvoyVariant, gate: Pick<GateConfig, 'grpc' | 'limits'>): string[] {
  const issues: string[] = [];
  const fail = (message: string) => issues.push(message);
  const byName = clusters(config);

  // Every reference names a cluster, every cluster is used, and each load_assignment is its own.
  for (const ref of clusterReferences(config)) if (!byName.has(ref.name)) fail(`${ref.at} names cluster '${ref.name}', which does not exist`);
  const used = new Set(clusterReferences(config).map((r) => r.name));
  for (const [name, cluster] of byName) {
    if (!used.has(name)) fail(`cluster '${name}' is never used`);
    if (cluster.load_assignment?.cluster_name !== name) fail(`cluster '${name}' has load_assignment.cluster_name '${String(cluster.load_assignment?.cluster_name)}'`);
  }

  const all = listeners(config);
  const egress = all.find((l) => l.name === EGRESS_LISTENER);
  const health = all.find((l) => l.name === HEALTH_LISTENER);
  if (!egress || !health) return [...issues, `expected listeners '${EGRESS_LISTENER}' and '${HEALTH_LISTENER}'`];
  if (egress.address !== variant.egressAddress) fail(`${EGRESS_LISTENER} binds ${egress.address}, expected ${variant.egressAddress}`);
  for (const l of all) {
    const filters = l.hcm.http_filters as Obj[];
    if (filters.at(-1)?.typed_config?.['@type'] !== ROUTER_TYPE) fail(`listener '${l.name}': the router must be the last HTTP filter`);
  }

  // ext_authz: fail closed, V3, bounded body, timeout above the gate's own deadline.
  const authz = httpFilter(egress.hcm, EXT_AUTHZ_TYPE);
  if (!authz) return [...issues, `${EGRESS_LISTENER} has no ext_authz filter`];
  const authzFilters = (egress.hcm.http_filters as Obj[]).filter((f) => f.typed_config?.['@type'] === EXT_AUTHZ_TYPE);
  if (authzFilters.length !== 1 || (egress.hcm.http_filters as Obj[])[0] !== authzFilters[0]) fail('ext_authz must be the first and only authorization filter');
  if (authzFilters[0]?.name !== 'envoy.filters.http.ext_authz') fail(`the ext_authz filter must be named envoy.filters.http.ext_authz (per-route configs use that name)`);
  if (authz.transport_api_version !== 'V3') fail('ext_authz transport_api_version must be V3');
  if (authz.failure_mode_allow !== false) fail('ext_authz failure_mode_allow must be false (fail closed)');
  if (authz.status_on_error?.code !== 'ServiceUnavailable') fail('ext_authz status_on_error must be 503 ServiceUnavailable');
  if (authz.include_peer_certificate !== true) fail('ext_authz include_peer_certificate must be true');
  if (authz.encode_raw_headers !== true) fail('ext_authz encode_raw_headers must be true (exact header bytes, repeats not merged)');
  if (authz.allowed_headers !== undefined) {
    const allowed = JSON.stringify(authz.allowed_headers);
    for (const h of HEADERS_THE_GATE_READS) if (!allowed.includes(`"${h}"`)) fail(`ext_authz allowed_headers drops '${h}'`);
  }
  const body = (authz.with_request_body ?? {}) as Obj;
  if (body.max_request_bytes !== gate.limits.maxBodyBytes) fail(`with_request_body.max_request_bytes ${String(body.max_request_bytes)} must equal the gate's limits.max_body_bytes ${gate.limits.maxBodyBytes}`);
  if (body.allow_partial_message !== true) fail('with_request_body.allow_partial_message must be true (the gate answers BODY_TOO_LARGE itself, and audits it)');
  if (body.pack_as_bytes !== true) fail('with_request_body.pack_as_bytes must be true (bodies are bytes, not UTF-8 text)');
  const grpc = authz.grpc_service as Obj | undefined;
  const timeout = grpc?.timeout === undefined ? 200 : durationMs(grpc.timeout as string);
  if (!(timeout >= gate.limits.checkTimeoutMs + 50 && timeout <= 1000)) {
    fail(`ext_authz timeout ${timeout}ms must exceed the gate's check_timeout ${gate.limits.checkTimeoutMs}ms by at least 50ms (and stay under 1s)`);
  }
  const gateCluster = byName.get(grpc?.envoy_grpc?.cluster_name as string);
  if (!gateCluster) fail('ext_authz grpc_service must name a cluster (envoy_grpc.cluster_name)');
  else {
    if (endpoints(gateCluster).join() !== `127.0.0.1:${gate.grpc.port}`) fail(`the gate cluster must be 127.0.0.1:${gate.grpc.port}, is ${endpoints(gateCluster).join()}`);
    const h2 = gateCluster.typed_extension_protocol_options?.['envoy.extensions.upstreams.http.v3.HttpProtocolOptions']?.explicit_http_config?.http2_protocol_options;
    if (h2 === undefined) fail('the gate cluster must speak HTTP/2 (gRPC)');
  }

  // Path handling the policy relies on, and header names that could alias identity headers.
  const hcm = egress.hcm;
  if (hcm.normalize_path !== true || hcm.merge_slashes !== true) fail('normalize_path and merge_slashes must be true');
  if (hcm.path_with_escaped_slashes_action !== 'REJECT_REQUEST') fail('path_with_escaped_slashes_action must be REJECT_REQUEST');
  if (hcm.common_http_protocol_options?.headers_with_underscores_action !== 'REJECT_REQUEST') fail('headers_with_underscores_action must be REJECT_REQUEST');
  // No peer may count as internal: Envoy honours x-envoy-retry-on & co. from internal peers, and a
  // retry would repeat upstream a call the gate allowed once.
  const internal = (hcm.internal_address_config?.cidr_ranges as Obj[] | undefined) ?? [];
  const trusted = internal.length === 0 || hcm.internal_address_config?.unix_sockets === true || internal.some((r) => PEERS.some((ip) => inCidr(ip, r)));
  if (hcm.use_remote_address !== true || trusted) fail('use_remote_address must be true with an internal_address_config that no loopback or pod address matches');
  if (hcm.preserve_external_request_id !== true) fail("preserve_external_request_id must be true (keep the agent's x-request-id)");

  // Per route: checked with context, or exempt only as a credential-free GET health probe.
  const filterNames = new Set((hcm.http_filters as Obj[]).map((f) => f.name as string));
  for (const view of routes(hcm)) {
    const name = String(view.route.name);
    for (const key of Object.keys({ ...view.virtualHost.typed_per_filter_config, ...view.route.typed_per_filter_config })) {
      if (!filterNames.has(key)) fail(`route '${name}': typed_per_filter_config '${key}' names no HTTP filter of ${EGRESS_LISTENER}`);
    }
    const per = extAuthzPerRoute(view);
    if (per !== undefined && per['@type'] !== EXT_AUTHZ_PER_ROUTE_TYPE) fail(`route '${name}': per-route ext_authz config has the wrong @type`);
    if (per?.disabled === true) {
      const match = view.route.match as Obj;
      const getOnly = (match.headers as Obj[] | undefined)?.some((h) => h.name === ':method' && h.string_match?.exact === 'GET');
      const strips = ['authorization', 'x-agent-chain', 'x-dutygate-override'].every((h) => (view.route.request_headers_to_remove as string[] | undefined)?.includes(h));
      if (!/^\/(healthz|readyz|livez)$/.test(String(match.path)) || !getOnly || !strips) {
        fail(`route '${name}' skips the gate but is not an exact-path GET health route that strips credentials`);
      }
    } else if (view.route.route !== undefined && per?.check_settings?.context_extensions?.egress !== variant.egress) {
      fail(`route '${name}' forwards upstream without context_extensions.egress '${variant.egress}'`);
    }
  }

  // Health listener: reachable by the kubelet, no gate on it, forwards only the two probes.
  if (health.address !== '0.0.0.0') fail(`${HEALTH_LISTENER} must bind 0.0.0.0 (kubelet probes dial the pod IP)`);
  if (httpFilter(health.hcm, EXT_AUTHZ_TYPE)) fail(`${HEALTH_LISTENER} must not run ext_authz`);
  for (const view of routes(health.hcm)) {
    const match = view.route.match as Obj;
    const target = view.route.route?.cluster as string | undefined;
    if (target === undefined) continue;
    const ok =
      (match.path === '/ready' && endpoints(byName.get(target) ?? {}).join() === adminAddress(config)) ||
      (match.path === GRPC_HEALTH_PATH && byName.get(target) === gateCluster);
    if (!ok) fail(`${HEALTH_LISTENER} forwards ${JSON.stringify(match)} to '${target}': only /ready (Envoy admin) and ${GRPC_HEALTH_PATH} (the gate) may pass`);
  }
  if (adminAddress(config).split(':')[0] !== '127.0.0.1') fail('the admin API must listen on 127.0.0.1 only');
  return issues;
}

/** Addresses an agent can come from: loopback (sidecar) or a pod network (gateway). */
const PEERS = ['127.0.0.1', '10.0.0.1', '172.16.0.1', '192.168.0.1'];

function inCidr(ip: string, range: Obj): boolean {
  const toInt = (a: string) => a.split('.').reduce((n, part) => n * 256 + Number(part), 0);
  const bits = Number(range.prefix_len ?? 32);
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(String(range.address_prefix))) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(toInt(ip) / size) === Math.floor(toInt(String(range.address_prefix)) / size);
}

function adminAddress(config: Obj): string {
  const socket = config.admin?.address?.socket_address as Obj | undefined;
  return `${String(socket?.address)}:${String(socket?.port_value)}`;
}
