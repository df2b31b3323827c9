import type { SchemaObject } from 'ajv';
import { CODES } from '../../src/errors.js';

/** Schema of a suite's `cases.yaml`: strict, so a misspelt expectation key is an error, not a skipped check. */

const STRING = { type: 'string', minLength: 1 };
const STRINGS = { type: 'array', items: STRING };
const STRING_MAP = { type: 'object', additionalProperties: { type: 'string' } };
const CODE = { enum: Object.keys(CODES) };
const OR_NULL = (schema: object) => ({ anyOf: [schema, { type: 'null' }] });

const agent = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: STRING, parent: STRING, ancestors: STRINGS, initiator: STRING },
};

const request = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    method: STRING,
    host: STRING,
    path: { type: 'string', pattern: '^/' },
    query: { type: 'string' },
    headers: STRING_MAP,
    body: {},
    raw_body: { type: 'string' },
    body_truncated: { type: 'boolean' },
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
  required: ['kind', 'code'],
  properties: {
    kind: { enum: ['allow', 'sanitize', 'deny', 'approval_needed'] },
    code: CODE,
    tool: OR_NULL(STRING),
    rule: OR_NULL(STRING),
    clause: OR_NULL(STRING),
    shadow: { type: 'boolean' },
    would_block: { type: 'boolean' },
    shadow_code: CODE,
    changes: OR_NULL({
      type: 'object',
      additionalProperties: false,
      properties: { set_headers: STRING_MAP, remove_headers: STRINGS, set_query: STRING_MAP, remove_query: STRINGS },
    }),
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

export const CASES_SCHEMA: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['cases'],
  properties: {
    cases: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'agent', 'request', 'expect'],
        properties: { name: STRING, engine_only: STRING, agent, request, ledger: { type: 'array', items: ledgerEntry }, expect: expectation },
      },
    },
  },
};
