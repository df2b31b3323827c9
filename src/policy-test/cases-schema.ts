import type { SchemaObject } from 'ajv';
import { CODES } from '../errors.js';
import { ISSUER_NAME_PATTERN } from '../lib/issuer-name.js';

/**
 * JSON Schema of a `policy test` cases file. Strict (`additionalProperties: false`) so that a
 * misspelt expectation is an error at its line, never a silently skipped check.
 */

const STRING = { type: 'string', minLength: 1 };
const STRINGS = { type: 'array', items: STRING };
const STRING_MAP = { type: 'object', additionalProperties: { type: 'string' } };
const CODE = { enum: Object.keys(CODES) };
const OR_NULL = (schema: object) => ({ anyOf: [schema, { type: 'null' }] });

const agent = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: STRING, parent: STRING, ancestors: STRINGS, initiator: STRING, issuer: { type: 'string', pattern: ISSUER_NAME_PATTERN.source } },
};

const mcp = {
  type: 'object',
  additionalProperties: false,
  properties: { tool: STRING, arguments: { type: 'object' }, method: STRING, params: { type: 'object' }, id: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
};

const request = {
  type: 'object',
  additionalProperties: false,
  properties: {
    method: STRING,
    url: { type: 'string', pattern: '^https?://' },
    host: STRING,
    path: { type: 'string', pattern: '^/' },
    query: { type: 'string' },
    headers: STRING_MAP,
    body: {},
    raw_body: { type: 'string' },
    body_truncated: { type: 'boolean' },
    mcp,
  },
};

const ledgerEntry = {
  type: 'object',
  additionalProperties: false,
  required: ['duty', 'resource', 'step', 'agent'],
  properties: { duty: STRING, resource: STRING, step: STRING, agent: STRING, initiator: STRING, ancestors: { type: 'array', items: STRING } },
};

const expectation = {
  type: 'object',
  additionalProperties: false,
  required: ['decision'],
  properties: {
    decision: { enum: ['allow', 'sanitize', 'deny', 'approval_needed'] },
    code: CODE,
    tool: OR_NULL(STRING),
    rule: OR_NULL(STRING),
    clause: OR_NULL(STRING),
    reason: STRING,
    shadow: { type: 'boolean' },
    would_block: { type: 'boolean' },
    lifted_by: OR_NULL({ enum: ['override', 'break_glass'] }),
    shadow_code: CODE,
    set_headers: STRING_MAP,
    remove_headers: STRINGS,
    set_query: STRING_MAP,
    remove_query: STRINGS,
    // Engine details (judged by the policy engine beside the gate: case-engine.ts).
    approvals: OR_NULL({
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['rule', 'approvers', 'quorum', 'ttl_ms'],
        properties: { rule: STRING, approvers: STRINGS, quorum: { type: 'integer' }, ttl_ms: { type: 'integer' } },
      },
    }),
    duty_steps: { type: 'array', items: { type: 'string', pattern: '^[^/]+/[^/]+/[^/]+$' } },
    matched_rules: STRINGS,
  },
};

/** The whole cases file: `cases:` (required) and optional `defaults:` (agent, request) for every case. */
export const POLICY_CASES_SCHEMA: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['cases'],
  properties: {
    defaults: { type: 'object', additionalProperties: false, properties: { agent: { ...agent, required: [] }, request } },
    cases: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'expect'],
        properties: {
          name: STRING,
          engine_only: STRING,
          agent: { ...agent, required: [] },
          request,
          ledger: { type: 'array', items: ledgerEntry },
          override: { type: 'boolean' },
          break_glass: { type: 'boolean' },
          expect: expectation,
        },
      },
    },
  },
};
