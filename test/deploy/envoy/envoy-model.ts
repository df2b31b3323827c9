/**
 * Read-only navigation of an Envoy bootstrap that already passed {@link checkEnvoyConfig}, for
 * the wiring tests (which cluster a route names, what the ext_authz filter is set to, …). It
 * reads the snake_case spelling the shipped files use.
 */
import { readFileSync } from 'node:fs';
import { formatIssue } from '../../../src/yaml/source-issue.js';
import { checkEnvoyConfig } from './check-envoy-config.js';

/** A loose JSON object: the tests read deep paths of a document the proto check already accepted. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = Record<string, any>;

export const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
export const EXT_AUTHZ_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz';
export const EXT_AUTHZ_PER_ROUTE_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute';
export const ROUTER_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

/** Loads an Envoy file that must be valid; throws with every issue otherwise. */
export function loadEnvoyConfig(file: string): Obj {
  const checked = checkEnvoyConfig(readFileSync(file, 'utf8'), file);
  if (checked.issues.length > 0) throw new Error(checked.issues.map(formatIssue).join('\n'));
  return checked.value as Obj;
}

/** A listener with its socket address and its HTTP connection manager. */
export interface ListenerView {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly hcm: Obj;
}

/** Every listener, each with its (single) HTTP connection manager. */
export function listeners(config: Obj): ListenerView[] {
  return (config.static_resources.listeners as Obj[]).map((listener) => {
    const filters = (listener.filter_chains as Obj[]).flatMap((chain) => chain.filters as Obj[]);
    const hcm = filters.find((f) => f.typed_config?.['@type'] === HCM_TYPE)?.typed_config as Obj;
    const socket = listener.address.socket_address as Obj;
    return { name: listener.name as string, address: socket.address as string, port: socket.port_value as number, hcm };
  });
}

/** The listener named `name`; throws when missing. */
export function listener(config: Obj, name: string): ListenerView {
  const found = listeners(config).find((l) => l.name === name);
  if (!found) throw new Error(`no listener '${name}'`);
  return found;
}

/** The typed_config of the first HTTP filter of `hcm` with `@type` `type`, if any. */
export function httpFilter(hcm: Obj, type: string): Obj | undefined {
  return (hcm.http_filters as Obj[]).find((f) => f.typed_config?.['@type'] === type)?.typed_config as Obj | undefined;
}

/** A route with the virtual host it belongs to. */
export interface RouteView {
  readonly virtualHost: Obj;
  readonly route: Obj;
}

/** Every route of the HCM's inline route_config. */
export function routes(hcm: Obj): RouteView[] {
  return (hcm.route_config.virtual_hosts as Obj[]).flatMap((vh) => (vh.routes as Obj[]).map((route) => ({ virtualHost: vh, route })));
}

/** The ext_authz per-route config of a route (route level, else its virtual host's). */
export function extAuthzPerRoute(view: RouteView): Obj | undefined {
  return (view.route.typed_per_filter_config?.['envoy.filters.http.ext_authz'] ?? view.virtualHost.typed_per_filter_config?.['envoy.filters.http.ext_authz']) as
    | Obj
    | undefined;
}

/**
 * The route Envoy picks for `host` and `path` (domains: exact, `host:*`, then `*`; routes: first
 * match by `path` or `prefix`). Enough for the shipped files, which use nothing else.
 */
export function routeFor(hcm: Obj, host: string, path: string): RouteView | undefined {
  const vhs = hcm.route_config.virtual_hosts as Obj[];
  const vh =
    vhs.find((v) => (v.domains as string[]).includes(host)) ??
    vhs.find((v) => (v.domains as string[]).some((d) => d.endsWith(':*') && host.startsWith(`${d.slice(0, -1)}`))) ??
    vhs.find((v) => (v.domains as string[]).includes('*'));
  if (!vh) return undefined;
  const route = (vh.routes as Obj[]).find((r) => (r.match.path !== undefined ? r.match.path === path : path.startsWith(r.match.prefix as string)));
  return route ? { virtualHost: vh, route } : undefined;
}

/** Clusters by name. */
export function clusters(config: Obj): Map<string, Obj> {
  return new Map((config.static_resources.clusters as Obj[]).map((c) => [c.name as string, c]));
}

/** `host:port` of every endpoint of a cluster. */
export function endpoints(cluster: Obj): string[] {
  return (cluster.load_assignment.endpoints as Obj[]).flatMap((e) =>
    (e.lb_endpoints as Obj[]).map((lb) => `${lb.endpoint.address.socket_address.address}:${lb.endpoint.address.socket_address.port_value}`),
  );
}

/**
 * Every cluster name the config refers to: route actions (`cluster`) and gRPC services
 * (`envoy_grpc.cluster_name`), wherever they sit (typed configs included), with their key path.
 */
export function clusterReferences(config: Obj): { readonly name: string; readonly at: string }[] {
  const found: { name: string; at: string }[] = [];
  const walk = (value: unknown, path: string, parentKey: string): void => {
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${path}[${i}]`, parentKey));
    if (typeof value !== 'object' || value === null) return;
    for (const [key, v] of Object.entries(value as Obj)) {
      const at = path ? `${path}.${key}` : key;
      if (key === 'cluster' && parentKey === 'route' && typeof v === 'string') found.push({ name: v, at });
      else if (key === 'cluster_name' && parentKey === 'envoy_grpc' && typeof v === 'string') found.push({ name: v, at });
      else walk(v, at, key);
    }
  };
  walk(config, '', '');
  return found;
}

/** Parses a proto JSON duration (`"0.25s"`) into milliseconds. */
export function durationMs(value: string): number {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value);
  if (!match) throw new Error(`not a duration: ${value}`);
  return Number(match[1]) * 1000;
}
