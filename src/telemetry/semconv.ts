import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_RPC_METHOD, ATTR_RPC_SYSTEM_NAME, RPC_SYSTEM_NAME_VALUE_GRPC } from '@opentelemetry/semantic-conventions';
import { MCP_METHOD_PREFIX, MCP_RESPONSE, MCP_STREAM, MCP_TOOL_PREFIX } from '../policy/tool-refs.js';

/**
 * The OpenTelemetry semantic conventions dutygate's spans follow (README "Semantic
 * conventions"): RPC and `error.type` of semantic-conventions v1.45.0 (the version
 * `@opentelemetry/semantic-conventions` 1.45 generates), GenAI and MCP of the GenAI conventions
 * (open-telemetry/semantic-conventions-genai, which they moved to).
 *
 * Stable names come from the package's main entry point. Experimental ones are copied here, as
 * that package asks: its `incubating` entry point may break in a minor release, and a test
 * (test/unit/telemetry/semconv.test.ts) holds these copies to it.
 */
export const SEMCONV_VERSION = '1.45.0';

export { ATTR_ERROR_TYPE, ATTR_RPC_METHOD, ATTR_RPC_SYSTEM_NAME };

/** Experimental (v1.37 and before) RPC system; replaced by `rpc.system.name`. */
export const ATTR_RPC_SYSTEM = 'rpc.system';
/** Experimental (v1.37 and before) RPC service; folded into a fully-qualified `rpc.method`. */
export const ATTR_RPC_SERVICE = 'rpc.service';
/** Experimental (v1.37 and before) numeric gRPC status; replaced by `rpc.response.status_code`. */
export const ATTR_RPC_GRPC_STATUS_CODE = 'rpc.grpc.status_code';
/** The RPC status as a string (`OK`), the stable conventions' replacement of the numeric one. */
export const ATTR_RPC_RESPONSE_STATUS_CODE = 'rpc.response.status_code';
/** GenAI: the agent's unique identifier (the verified token's `agent_id`). */
export const ATTR_GEN_AI_AGENT_ID = 'gen_ai.agent.id';
/** GenAI: the tool the agent calls (for MCP, `params.name` of `tools/call`). */
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
/** MCP: the JSON-RPC method of the request or notification. */
export const ATTR_MCP_METHOD_NAME = 'mcp.method.name';
/** JSON-RPC: the request's `id`, as a string. */
export const ATTR_JSONRPC_REQUEST_ID = 'jsonrpc.request.id';
/** The MCP method of a tool call. */
export const MCP_METHOD_NAME_VALUE_TOOLS_CALL = 'tools/call';

/** The service and method every Check is, as Envoy's ext_authz API names them. */
const RPC_SERVICE = 'envoy.service.auth.v3.Authorization';
const RPC_METHOD = 'Check';

/**
 * Which RPC conventions to emit, from `OTEL_SEMCONV_STABILITY_OPT_IN` (a comma-separated list):
 * `rpc` → the stable ones only; `rpc/dup` → both (it wins over `rpc`); otherwise the
 * experimental v1.37 ones, as the RPC conventions' migration plan asks of instrumentations
 * that emitted those before.
 */
export type RpcConventions = 'old' | 'stable' | 'dup';

/**
 * The RPC attributes of every `dutygate.check` span, built once: the Check RPC itself always
 * completes with gRPC OK (a deny is a CheckResponse, docs/design.md §5). With `dup`, `rpc.method`
 * carries the stable, fully-qualified value (one key cannot hold both); `rpc.service` still
 * names the service for readers of the old conventions.
 */
export function rpcAttributes(conventions: RpcConventions): Readonly<Attributes> {
  const old: Attributes = {
    [ATTR_RPC_SYSTEM]: 'grpc',
    [ATTR_RPC_SERVICE]: RPC_SERVICE,
    [ATTR_RPC_METHOD]: RPC_METHOD,
    [ATTR_RPC_GRPC_STATUS_CODE]: 0,
  };
  const stable: Attributes = {
    [ATTR_RPC_SYSTEM_NAME]: RPC_SYSTEM_NAME_VALUE_GRPC,
    [ATTR_RPC_METHOD]: `${RPC_SERVICE}/${RPC_METHOD}`,
    [ATTR_RPC_RESPONSE_STATUS_CODE]: 'OK',
  };
  if (conventions === 'old') return Object.freeze(old);
  if (conventions === 'stable') return Object.freeze(stable);
  return Object.freeze({ ...old, ...stable });
}


/** Something attributes are set on: a span, or an object through {@link attributeCollector}. */
export interface AttributeSink {
  setAttribute(key: string, value: AttributeValue): unknown;
}

/** An {@link AttributeSink} that writes into `target`. */
export function attributeCollector(target: Attributes): AttributeSink {
  return {
    setAttribute(key, value) {
      target[key] = value;
    },
  };
}

/**
 * Sets the GenAI and MCP attributes of a tool call on `target` (no object of its own: this runs
 * once per Check). `tool` is dutygate's tool name: `mcp:<name>` is an MCP `tools/call` of tool
 * `<name>`; `mcp.method:<m>` another MCP method; `mcp.stream` and `mcp.response` carry no
 * method; any other name is an HTTP tool of the policy. `jsonrpcId` is the request's `id`.
 */
export function addToolAttributes(target: AttributeSink, agentId: string | null, tool: string | null, jsonrpcId: string | undefined): void {
  if (agentId !== null) target.setAttribute(ATTR_GEN_AI_AGENT_ID, agentId);
  if (jsonrpcId !== undefined) target.setAttribute(ATTR_JSONRPC_REQUEST_ID, jsonrpcId);
  if (tool === null) return;
  if (tool.startsWith(MCP_TOOL_PREFIX)) {
    target.setAttribute(ATTR_MCP_METHOD_NAME, MCP_METHOD_NAME_VALUE_TOOLS_CALL);
    target.setAttribute(ATTR_GEN_AI_TOOL_NAME, tool.slice(MCP_TOOL_PREFIX.length));
  } else if (tool.startsWith(MCP_METHOD_PREFIX)) {
    target.setAttribute(ATTR_MCP_METHOD_NAME, tool.slice(MCP_METHOD_PREFIX.length));
  } else if (tool !== MCP_STREAM && tool !== MCP_RESPONSE) {
    target.setAttribute(ATTR_GEN_AI_TOOL_NAME, tool);
  }
}
