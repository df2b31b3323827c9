import { compileGlob, globError } from './glob.js';
import { didYouMean } from './policy-issues.js';

/**
 * Tool references in rules and duty steps. A reference names an HTTP tool of `tools:`
 * (`payments.create`, or a glob such as `payments.*`), or, when the policy has a
 * `protocol: mcp` entry, what travels through it: `mcp:<tool>` (globs allowed, `mcp:read_*`),
 * `mcp.method:<method>` (`mcp.method:tools/list`), `mcp.stream` (the GET/DELETE without a
 * JSON-RPC body) and `mcp.response` (a client's JSON-RPC response to a server request).
 */

/** Prefix of MCP tools/call names. */
export const MCP_TOOL_PREFIX = 'mcp:';
/** Prefix of other MCP methods and notifications. */
export const MCP_METHOD_PREFIX = 'mcp.method:';
/** An MCP request without a JSON-RPC body. */
export const MCP_STREAM = 'mcp.stream';
/** A JSON-RPC response posted by the client (to sampling or elicitation requests). */
export const MCP_RESPONSE = 'mcp.response';

/** What references are resolved against. */
export interface ToolUniverse {
  readonly httpNames: readonly string[];
  /** Names of `protocol: mcp` entries (empty when the policy has none). */
  readonly mcpEntries: readonly string[];
}

/** Why `ref` resolves to nothing, with a hint when one helps; undefined when it is valid. */
export function toolRefError(ref: string, universe: ToolUniverse): { message: string; hint?: string } | undefined {
  const syntax = globError(ref);
  if (syntax) return { message: syntax };
  const mcp = ref.startsWith(MCP_TOOL_PREFIX) || ref.startsWith(MCP_METHOD_PREFIX) || ref === MCP_STREAM || ref === MCP_RESPONSE;
  if (mcp) {
    if (universe.mcpEntries.length === 0) return { message: `'${ref}' needs a tools: entry with protocol: mcp` };
    if (ref === MCP_TOOL_PREFIX || ref === MCP_METHOD_PREFIX) return { message: `'${ref}' names no tool or method` };
    return undefined;
  }
  if (ref.includes('*')) {
    const pattern = compileGlob(ref);
    if (universe.httpNames.some((name) => pattern.test(name))) return undefined;
    // `*` or `m*` can also match MCP names, which are only known at request time.
    const prefix = ref.slice(0, ref.indexOf('*'));
    const mcpForms = [MCP_TOOL_PREFIX, MCP_METHOD_PREFIX, MCP_STREAM, MCP_RESPONSE];
    if (universe.mcpEntries.length > 0 && mcpForms.some((form) => form.startsWith(prefix))) return undefined;
    return { message: `'${ref}' matches no tool` };
  }
  if (ref.startsWith('mcp.')) {
    return { message: `unknown MCP reference '${ref}'`, hint: `use ${MCP_TOOL_PREFIX}<tool>, ${MCP_METHOD_PREFIX}<method>, ${MCP_STREAM} or ${MCP_RESPONSE}` };
  }
  if (universe.httpNames.includes(ref)) return undefined;
  if (universe.mcpEntries.includes(ref)) {
    return { message: `'${ref}' is an MCP endpoint, not a tool`, hint: `name what goes through it: ${MCP_TOOL_PREFIX}<tool>, ${MCP_METHOD_PREFIX}<method>, ${MCP_STREAM}` };
  }
  const hint = didYouMean(ref, universe.httpNames);
  return { message: `unknown tool '${ref}'`, ...(hint === undefined ? {} : { hint }) };
}
