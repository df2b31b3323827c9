/**
 * MCP tool names (issue 13, item 2). The MCP specification's guidance for tool names is 1–128
 * characters of `A-Z a-z 0-9 _ - . /`, case-sensitive. A name outside it is refused
 * (MCP_TOOL_NAME) before any rule sees it: `read_x\u0000/../delete` matched `mcp:read_*`, while
 * an upstream that cuts at NUL or normalises the path runs `delete`. Deployments whose servers
 * use other characters (`:` or `@` are common) add them with `limits.tool_name_extra_chars`;
 * names with an empty, `.` or `..` `/`-segment are refused too (path traversal in gateways);
 * only printable ASCII can be added, so a name can never hide a control, bidi or look-alike
 * character.
 */
import { DutygateError } from '../../errors.js';

/** The configurable part of the rule; both default to the MCP guidance. */
export interface ToolNameRule {
  /** Longest name (default 128). */
  readonly maxToolNameLength?: number;
  /** Printable ASCII added to the allowed set (default none). */
  readonly toolNameExtraChars?: string;
}

export const DEFAULT_MAX_TOOL_NAME_LENGTH = 128;

const BASE = 'A-Za-z0-9_./\\-';
const allowedByExtras = new Map<string, RegExp>();

/** Throws MCP_TOOL_NAME unless `name` follows `rule`. Never echoes the name (hostile text). */
export function checkToolName(name: string, rule: ToolNameRule): void {
  const max = rule.maxToolNameLength ?? DEFAULT_MAX_TOOL_NAME_LENGTH;
  if (name.length === 0 || name.length > max) {
    throw DutygateError.expected('MCP_TOOL_NAME', `the tool name is ${name.length} characters; it must be 1–${max}`);
  }
  if (!allowedChars(rule.toolNameExtraChars ?? '').test(name)) {
    throw DutygateError.expected('MCP_TOOL_NAME', `the tool name may only hold A-Z a-z 0-9 _ - . /${rule.toolNameExtraChars ? ` and ${rule.toolNameExtraChars}` : ''}`);
  }
  // `/` namespaces tools in many gateways: `read_a/../../delete_all` matches `mcp:read_*` but a
  // gateway that resolves the path runs `delete_all`. No empty, `.` or `..` segment (found by
  // the campaign, beyond the spec's character set).
  if (name.includes('/') || name.startsWith('.') || name.includes('/.')) {
    for (const segment of name.split('/')) {
      if (segment === '' || segment === '.' || segment === '..') {
        throw DutygateError.expected('MCP_TOOL_NAME', "the tool name has an empty, '.' or '..' path segment");
      }
    }
  }
}

function allowedChars(extras: string): RegExp {
  let regex = allowedByExtras.get(extras);
  if (regex === undefined) {
    // A character class of literals: escape everything that is special inside one.
    const escaped = extras.replace(/[\\\]^[-]/g, '\\$&');
    regex = new RegExp(`^[${BASE}${escaped}]+$`);
    allowedByExtras.set(extras, regex);
  }
  return regex;
}
