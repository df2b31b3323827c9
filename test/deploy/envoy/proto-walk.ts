/**
 * Strict check of a YAML/JSON value against a protobuf message descriptor, the way Envoy loads
 * its bootstrap (proto3 JSON mapping, then protoc-gen-validate) — except that every doubt is an
 * error: unknown fields, deprecated fields, `null`, a scalar where a list belongs, an `@type`
 * that names no known message. `typed_config` and every other `google.protobuf.Any` (and
 * `TypedStruct`) is resolved by its type URL and checked recursively.
 */
import protobuf from 'protobufjs';
import type { EnvoyProtoRoot } from './proto-root.js';
import { suggest } from './suggest.js';
import {
  checkBoolRules,
  checkCountRules,
  checkDurationRules,
  checkNumberRules,
  checkStringRules,
  fieldRules,
  itemRules,
  oneofRequired,
  requiresPresence,
  type PgvRules,
} from './pgv-rules.js';
import { checkJsonValue, checkTimestamp, describe, isMapping, readDuration, readScalar, SCALAR_KINDS, WRAPPERS } from './scalars.js';

/** A problem at a key path of the checked document. */
export interface ProtoIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
  readonly hint?: string;
}

type Path = readonly (string | number)[];

const TYPED_STRUCTS = new Set(['udpa.type.v1.TypedStruct', 'xds.type.v3.TypedStruct']);

/** Checks `value` against the message `typeName`; returns every problem found. */
export function checkMessage(root: EnvoyProtoRoot, typeName: string, value: unknown): ProtoIssue[] {
  const issues: ProtoIssue[] = [];
  const type = root.message(typeName);
  if (!type) return [{ path: [], message: `unknown message type ${typeName}` }];

  const report = (path: Path, message: string, hint?: string): void => {
    issues.push(hint === undefined ? { path, message } : { path, message, hint });
  };

  function message(t: protobuf.Type, v: unknown, path: Path, rules?: PgvRules): void {
    const name = t.fullName.slice(1);
    if (special(name, v, path, rules)) return;
    if (!isMapping(v)) return report(path, `expected a mapping (${name}), got ${describe(v)}`);
    const set = new Map<protobuf.OneOf, string>();
    const seen = new Set<protobuf.Field>();
    for (const [key, item] of Object.entries(v)) {
      const f = fieldOf(t, key);
      const at = [...path, key];
      if (!f) {
        report(at, `unknown field '${key}' in ${name}`, suggest(key, t.fieldsArray.map((x) => x.name)));
        continue;
      }
      if (seen.has(f)) report(at, `'${f.name}' is given twice (as ${f.name} and ${jsonName(f.name)})`);
      seen.add(f);
      if (f.options?.deprecated === true) report(at, `'${f.name}' is deprecated in ${name}; use its replacement`);
      const oneof = realOneof(f);
      if (oneof) {
        const other = set.get(oneof);
        if (other !== undefined) report(at, `'${f.name}' and '${other}' are both set, but they are alternatives (oneof ${oneof.name})`);
        set.set(oneof, f.name);
      }
      field(f, item, at);
    }
    for (const oneof of t.oneofsArray) {
      if (!isSynthetic(oneof) && oneofRequired(oneof) && !set.has(oneof)) {
        report(path, `${name} needs one of: ${oneof.fieldsArray.map((x) => x.name).join(', ')}`);
      }
    }
    for (const f of t.fieldsArray) if (!seen.has(f)) absent(f, path);
  }

  /** PGV rules that fail on a field's absence (its default value). */
  function absent(f: protobuf.Field, path: Path): void {
    if (f.partOf) return; // an unset oneof member (or proto3 optional) is not validated
    const rules = fieldRules(f);
    if (!rules) return;
    const at = [...path, f.name];
    const problem = f.map
      ? checkCountRules('map', 0, rules)
      : f.repeated
        ? checkCountRules('repeated', 0, rules)
        : f.resolvedType instanceof protobuf.Type
          ? requiresPresence(rules) ? 'is required' : undefined
          : defaultProblem(f, rules);
    if (problem) report(at, `'${f.name}' ${problem}`);
  }

  function field(f: protobuf.Field, v: unknown, path: Path): void {
    const rules = fieldRules(f);
    if (v === null) return report(path, `'${f.name}' is null; give a value or leave the key out`);
    if (f instanceof protobuf.MapField) {
      if (!isMapping(v)) return report(path, `'${f.name}' is a map: expected a mapping, got ${describe(v)}`);
      const count = checkCountRules('map', Object.keys(v).length, rules);
      if (count) report(path, `'${f.name}' ${count}`);
      for (const [key, item] of Object.entries(v)) {
        if (f.keyType !== 'string' && f.keyType !== 'bool' && !/^-?\d+$/.test(key)) report([...path, key], `map key '${key}' is not a ${f.keyType}`);
        single(f, item, [...path, key], undefined);
      }
      return;
    }
    if (f.repeated) {
      if (!Array.isArray(v)) return report(path, `'${f.name}' is repeated: expected a list, got ${describe(v)}`);
      const count = checkCountRules('repeated', v.length, rules);
      if (count) report(path, `'${f.name}' ${count}`);
      v.forEach((item, i) => single(f, item, [...path, i], itemRules(rules)));
      return;
    }
    single(f, v, path, rules);
  }

  function single(f: protobuf.Field, v: unknown, path: Path, rules: PgvRules | undefined): void {
    if (v === null) return report(path, `'${f.name}' has a null element`);
    const resolved = f.resolvedType;
    if (resolved instanceof protobuf.Type) return message(resolved, v, path, rules);
    if (resolved instanceof protobuf.Enum) return enumValue(resolved, f, v, path, rules);
    if (!SCALAR_KINDS.has(f.type)) return report(path, `cannot resolve type ${f.type} of '${f.name}'`);
    scalar(f.type, f.name, v, path, rules);
  }

  function scalar(kind: string, label: string, v: unknown, path: Path, rules: PgvRules | undefined): void {
    const read = readScalar(kind, v);
    if (!read.ok) return report(path, `'${label}': ${read.message}`);
    let problem: string | undefined;
    switch (read.kind) {
      case 'string':
        problem = checkStringRules(read.value, rules);
        break;
      case 'bool':
        problem = checkBoolRules(read.value, rules);
        break;
      case 'integer':
      case 'number':
        problem = checkNumberRules(kind, read.value, rules);
        break;
      default:
        problem = undefined;
    }
    if (problem) report(path, `'${label}' ${problem}`);
  }

  function enumValue(e: protobuf.Enum, f: protobuf.Field, v: unknown, path: Path, rules: PgvRules | undefined): void {
    const names = Object.keys(e.values);
    let name: string | undefined;
    if (typeof v === 'string') name = Object.hasOwn(e.values, v) ? v : undefined;
    else if (typeof v === 'number') name = names.find((n) => e.values[n] === v);
    if (name === undefined) {
      return report(path, `'${f.name}': ${describe(v)} is not a value of ${e.fullName.slice(1)}`, `one of ${names.join(', ')}`);
    }
    const valueOptions = (e.valuesOptions?.[name] ?? {}) as Record<string, unknown>;
    if (valueOptions.deprecated === true) report(path, `'${f.name}': ${name} is deprecated`);
    const problem = checkNumberRules('enum', e.values[name]!, rules);
    if (problem) report(path, `'${f.name}' ${problem}`);
  }

  /** Well-known types with their own JSON form; true when `name` was one of them. */
  function special(name: string, v: unknown, path: Path, rules: PgvRules | undefined): boolean {
    const wrapped = WRAPPERS[name];
    if (wrapped !== undefined) {
      scalar(wrapped, path.at(-1)?.toString() ?? name, v, path, rules);
      return true;
    }
    switch (name) {
      case 'google.protobuf.Duration': {
        const read = readDuration(v);
        if (!read.ok) report(path, read.message);
        else {
          const problem = checkDurationRules(read.nanos, rules);
          if (problem) report(path, `duration ${String(v)} ${problem}`);
        }
        return true;
      }
      case 'google.protobuf.Timestamp':
        return note(path, checkTimestamp(v));
      case 'google.protobuf.Struct':
        return note(path, isMapping(v) ? checkJsonValue(v) : `expected a mapping (Struct), got ${describe(v)}`);
      case 'google.protobuf.ListValue':
        return note(path, Array.isArray(v) ? checkJsonValue(v) : `expected a list (ListValue), got ${describe(v)}`);
      case 'google.protobuf.Value':
        return note(path, checkJsonValue(v));
      case 'google.protobuf.FieldMask':
        return note(path, typeof v === 'string' ? undefined : `expected a field mask string, got ${describe(v)}`);
      case 'google.protobuf.Empty':
        return note(path, isMapping(v) && Object.keys(v).length === 0 ? undefined : 'expected {} (Empty)');
      case 'google.protobuf.Any':
        anyValue(v, path);
        return true;
      default:
        return false;
    }
  }

  function note(path: Path, problem: string | undefined): true {
    if (problem) report(path, problem);
    return true;
  }

  function anyValue(v: unknown, path: Path): void {
    if (!isMapping(v)) return report(path, `expected a mapping with "@type" (Any), got ${describe(v)}`);
    const url = v['@type'];
    if (typeof url !== 'string') return report(path, 'an Any needs "@type": type.googleapis.com/<message>');
    const target = resolveUrl(url, [...path, '@type']);
    if (!target) return;
    const rest = Object.fromEntries(Object.entries(v).filter(([k]) => k !== '@type'));
    const targetName = target.fullName.slice(1);
    if (TYPED_STRUCTS.has(targetName)) return typedStruct(rest, path);
    // Types with a special JSON form sit under "value" inside an Any.
    if (WRAPPERS[targetName] !== undefined || targetName.startsWith('google.protobuf.')) {
      if (!('value' in rest) || Object.keys(rest).length !== 1) return report(path, `an Any of ${targetName} holds its JSON under "value" alone`);
      return message(target, rest.value, [...path, 'value']);
    }
    message(target, rest, path);
  }

  function typedStruct(v: Record<string, unknown>, path: Path): void {
    for (const key of Object.keys(v)) if (key !== 'type_url' && key !== 'value') report([...path, key], `unknown field '${key}' in TypedStruct`);
    if (typeof v.type_url !== 'string') return report(path, 'a TypedStruct needs type_url');
    const target = resolveUrl(v.type_url, [...path, 'type_url']);
    if (target) message(target, v.value ?? {}, [...path, 'value']);
  }

  function resolveUrl(url: string, path: Path): protobuf.Type | undefined {
    const slash = url.lastIndexOf('/');
    const target = slash > 0 ? root.message(url.slice(slash + 1)) : undefined;
    if (!target) report(path, `unknown type URL ${url}`, 'expected type.googleapis.com/<full message name> of a message in Envoy\'s API');
    return target;
  }

  message(type, value, []);
  return issues;
}

function defaultProblem(f: protobuf.Field, rules: PgvRules): string | undefined {
  if (f.resolvedType instanceof protobuf.Enum) return checkNumberRules('enum', 0, rules);
  switch (f.type) {
    case 'string':
      return checkStringRules('', rules);
    case 'bool':
      return checkBoolRules(false, rules);
    case 'bytes':
      return undefined;
    default:
      return /64$/.test(f.type) ? checkNumberRules(f.type, 0n, rules) : checkNumberRules(f.type, 0, rules);
  }
}

function fieldOf(t: protobuf.Type, key: string): protobuf.Field | undefined {
  return t.fields[key] ?? t.fieldsArray.find((f) => jsonName(f.name) === key);
}

/** protoc's json_name: lowerCamelCase of the snake_case field name. */
function jsonName(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function realOneof(f: protobuf.Field): protobuf.OneOf | undefined {
  return f.partOf && !isSynthetic(f.partOf) ? f.partOf : undefined;
}

/** proto3 `optional` makes a one-member oneof named `_field`; it is not a real alternative. */
function isSynthetic(oneof: protobuf.OneOf): boolean {
  return oneof.fieldsArray.length === 1 && oneof.name === `_${oneof.fieldsArray[0]!.name}`;
}
