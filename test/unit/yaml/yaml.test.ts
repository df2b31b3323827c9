import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../src/yaml/duration.js';
import { parseYaml } from '../../../src/yaml/parse-yaml.js';
import { formatIssue } from '../../../src/yaml/source-issue.js';
import { compileSchema } from '../../../src/yaml/validate-schema.js';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string' },
    port: { type: 'integer' },
    items: { type: 'array', items: { type: 'object', additionalProperties: false, properties: { audience: { type: 'string' } } } },
  },
};

describe('parseYaml + compileSchema', () => {
  const validate = compileSchema(schema);

  it.each([
    ['unknown key with hint', 'name: a\nitems:\n  - audiense: x\n', 'f.yaml:3:5: items[0].audiense: unknown key \'audiense\' (did you mean \'audience\'?)'],
    ['wrong type, no coercion', 'name: a\nport: "9191"\n', 'f.yaml:2:7: port: must be integer'],
    ['missing required key', 'port: 1\n', 'f.yaml:1:1: name: is required'],
  ])('%s', (_name, text, expected) => {
    const parsed = parseYaml(text, 'f.yaml');
    expect(parsed.issues).toEqual([]);
    expect(validate(parsed).map(formatIssue)).toEqual([expected]);
  });

  it('reports duplicate keys as syntax issues with their line', () => {
    const parsed = parseYaml('name: a\nname: b\n', 'f.yaml');
    expect(parsed.issues).toHaveLength(1);
    expect(parsed.issues[0]).toMatchObject({ line: 2 });
    expect(parsed.value).toBeUndefined();
  });

  it('refuses alias bombs', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 12 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n');
    const parsed = parseYaml(bomb, 'bomb.yaml');
    expect(parsed.issues.length).toBeGreaterThan(0);
  });

  it('accepts a valid document', () => {
    const parsed = parseYaml('name: a\nport: 1\n', 'f.yaml');
    expect(validate(parsed)).toEqual([]);
    expect(parsed.value).toEqual({ name: 'a', port: 1 });
  });
});

describe('parseDuration', () => {
  it.each([
    ['50ms', 50],
    ['5s', 5_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['30d', 2_592_000_000],
  ])('%s → %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '10', '5 s', '-5s', '1.5s', '5sec', '5S'])('rejects %j', (text) => expect(parseDuration(text)).toBeUndefined());
});
