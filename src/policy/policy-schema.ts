import type { SchemaObject } from 'ajv';
import { DURATION_PATTERN } from '../yaml/duration.js';

/**
 * JSON Schema of a policy file (docs/design.md §4). Structure and types only, with
 * `additionalProperties: false` everywhere so a misspelt key is an error, never ignored.
 * Cross-references (clause, tool, duty and step names), regexes, globs and path templates are
 * checked afterwards by `checkPolicy`, which knows positions and can suggest names.
 */

const NAME = { type: 'string', pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]*$', description: 'a name of letters, digits, _ . -' };
const STRING = { type: 'string', minLength: 1 };
const STRINGS = { type: 'array', items: STRING, minItems: 1 };
const NUMBER = { type: 'number' };
const HEADER = { type: 'string', pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", description: 'an HTTP header name' };
/** Header and query values: no CR/LF/NUL, which would split or truncate a header. */
const VALUE = { type: 'string', pattern: '^[^\\r\\n\\u0000]*$', description: 'a value without CR, LF or NUL' };

const condition = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    // `eq` and `in` members may be a string, number or boolean: checked by checkPolicy, because
    // Ajv strict mode refuses union types.
    eq: {},
    in: { type: 'array', minItems: 1 },
    min: NUMBER,
    max: NUMBER,
    gt: NUMBER,
    lt: NUMBER,
    regex: { type: 'string' },
    not_regex: { type: 'string' },
    exists: { type: 'boolean' },
  },
};

const tool = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'match'],
  properties: {
    name: NAME,
    protocol: { enum: ['http', 'mcp'] },
    // Params whose raw values the decision log and spans may carry; '*' for all (issue 5).
    record_params: { type: 'array', items: STRING, minItems: 1, uniqueItems: true },
    // Declared params (issue 13): other keys are refused; the schema is checked by Ajv when compiled.
    params: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: { allowed: { type: 'array', items: STRING, uniqueItems: true }, schema: { type: 'object' } },
    },
    match: {
      type: 'object',
      additionalProperties: false,
      required: ['path'],
      properties: {
        method: { type: 'string', pattern: '^[A-Za-z]+$', description: 'an HTTP method such as POST' },
        host: { type: 'string', pattern: '^[A-Za-z0-9.-]+$', description: 'a host name without scheme or port' },
        path: { type: 'string' },
      },
    },
  },
};

const duty = {
  type: 'object',
  additionalProperties: false,
  required: ['resource', 'steps', 'distinct'],
  properties: {
    // `{ param, pattern }` or `{ param, type: integer }`: checked by compileResourceRule, which
    // explains the pre-issue-12 string form (`params.payment_id`) instead of a bare type error.
    resource: {},
    steps: { type: 'object', minProperties: 1, additionalProperties: STRINGS },
    distinct: { type: 'array', items: { type: 'string' }, minItems: 2, uniqueItems: true },
    distinct_by: { enum: ['lineage', 'agent', 'initiator'] },
    clause: { type: 'string' },
  },
};

const rule = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'tools', 'effect'],
  properties: {
    id: NAME,
    tools: STRINGS,
    agents: STRINGS,
    parents: STRINGS,
    issuers: STRINGS,
    params: { type: 'object', additionalProperties: condition },
    require: {
      type: 'object',
      additionalProperties: false,
      properties: {
        parent_agent_id: { type: 'boolean' },
        different_agent_id: { type: 'boolean' },
        duty: { type: 'string' },
      },
    },
    effect: { enum: ['allow', 'deny', 'approval_needed'] },
    clause: { type: 'string' },
    approval: {
      type: 'object',
      additionalProperties: false,
      required: ['approvers'],
      properties: {
        approvers: { ...STRINGS, uniqueItems: true },
        quorum: { type: 'integer', minimum: 1 },
        ttl: { type: 'string', pattern: DURATION_PATTERN, description: 'a duration such as 15m' },
        mask: { type: 'array', items: STRING, uniqueItems: true },
        require_reason: { enum: ['approve', 'deny', 'both', 'none'] },
        remind_after: { type: 'string', pattern: DURATION_PATTERN, description: 'a duration such as 5m' },
        escalate_after: { type: 'string', pattern: DURATION_PATTERN, description: 'a duration such as 10m' },
        escalate_to: { ...STRINGS, uniqueItems: true },
      },
    },
    sanitize: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        remove_headers: { type: 'array', items: HEADER },
        set_headers: { type: 'object', propertyNames: HEADER, additionalProperties: VALUE },
        remove_query: { type: 'array', items: STRING },
        set_query: { type: 'object', additionalProperties: VALUE },
      },
    },
    mode: { enum: ['enforce', 'shadow'] },
  },
};

/** The policy file schema. */
export const POLICY_SCHEMA: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'rules'],
  properties: {
    version: STRING,
    mode: { enum: ['enforce', 'shadow'] },
    default: { enum: ['deny', 'allow'] },
    clauses: {
      type: 'object',
      additionalProperties: { type: 'object', additionalProperties: false, required: ['text'], properties: { text: STRING } },
    },
    tools: { type: 'array', items: tool },
    duties: { type: 'object', additionalProperties: duty },
    rules: { type: 'array', items: rule },
    break_glass: {
      type: 'object',
      additionalProperties: false,
      required: ['approvers'],
      properties: {
        approvers: { ...STRINGS, uniqueItems: true },
        quorum: { type: 'integer', minimum: 1 },
        max_ttl: { type: 'string', pattern: DURATION_PATTERN, description: 'a duration such as 1h' },
        request_ttl: { type: 'string', pattern: DURATION_PATTERN, description: 'a duration such as 15m' },
      },
    },
  },
};
