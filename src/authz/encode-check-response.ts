import type { Buffer } from 'node:buffer';
import { ProtoWriter, WIRE_FIXED64, WIRE_LENGTH, WIRE_VARINT } from '../lib/proto-writer.js';
import type { WireCheckResponse, WireHeaderValueOption, WireStruct, WireValue } from './wire-types.js';

/**
 * The protobuf bytes of a `CheckResponse` (envoy/service/auth/v3/external_auth.proto and the
 * messages it names; field numbers below), written in one pass into a reused buffer.
 *
 * Why not proto-loader's serializer: it turns the plain object into protobufjs message objects
 * (`fromObject`, a Struct and a Value object per metadata field) and then encodes them — a few
 * per cent of the CPU of every Check for a message whose shape dutygate alone decides. The bytes
 * are those protobufjs writes for the same object (fields in number order; a scalar the object
 * sets is written even when zero; empty repeated fields are left out), which
 * test/unit/authz/encode-check-response.test.ts checks byte for byte against the service
 * definition's own serializer, and decodes with Envoy's protos.
 */
export function encodeCheckResponse(response: WireCheckResponse): Buffer {
  const w = writer;
  w.reset();
  const status = w.begin(1);
  w.tag(1, WIRE_VARINT);
  w.varint(response.status.code);
  if (response.status.message !== undefined) {
    w.tag(2, WIRE_LENGTH);
    w.string(response.status.message);
  }
  w.end(status);
  if ('denied_response' in response) {
    const denied = response.denied_response;
    const at = w.begin(2);
    const httpStatus = w.begin(1);
    w.tag(1, WIRE_VARINT);
    w.varint(denied.status.code);
    w.end(httpStatus);
    headerOptions(w, 2, denied.headers);
    w.tag(3, WIRE_LENGTH);
    w.string(denied.body);
    w.end(at);
  } else {
    const ok = response.ok_response;
    const at = w.begin(3);
    headerOptions(w, 2, ok.headers);
    strings(w, 5, ok.headers_to_remove);
    for (const parameter of ok.query_parameters_to_set) {
      const entry = w.begin(7);
      w.tag(1, WIRE_LENGTH);
      w.string(parameter.key);
      w.tag(2, WIRE_LENGTH);
      w.string(parameter.value);
      w.end(entry);
    }
    strings(w, 8, ok.query_parameters_to_remove);
    w.end(at);
  }
  const metadata = w.begin(4);
  struct(w, response.dynamic_metadata);
  w.end(metadata);
  return w.toBuffer();
}

// One writer for the process: a response is copied out of it before the next one is written.
const writer = new ProtoWriter(4096);

// HeaderValueOption.HeaderAppendAction (base.proto): the names dutygate sends.
const APPEND_ACTIONS: Readonly<Record<NonNullable<WireHeaderValueOption['append_action']>, number>> = {
  APPEND_IF_EXISTS_OR_ADD: 0,
  ADD_IF_ABSENT: 1,
  OVERWRITE_IF_EXISTS_OR_ADD: 2,
  OVERWRITE_IF_EXISTS: 3,
};

function headerOptions(w: ProtoWriter, field: number, options: readonly WireHeaderValueOption[]): void {
  for (const option of options) {
    const at = w.begin(field);
    const header = w.begin(1);
    w.tag(1, WIRE_LENGTH);
    w.string(option.header.key);
    w.tag(2, WIRE_LENGTH);
    w.string(option.header.value);
    w.end(header);
    if (option.append_action !== undefined) {
      w.tag(3, WIRE_VARINT);
      w.varint(APPEND_ACTIONS[option.append_action]);
    }
    if (option.keep_empty_value !== undefined) {
      w.tag(4, WIRE_VARINT);
      w.varint(option.keep_empty_value ? 1 : 0);
    }
    w.end(at);
  }
}

function strings(w: ProtoWriter, field: number, values: readonly string[]): void {
  for (const value of values) {
    w.tag(field, WIRE_LENGTH);
    w.string(value);
  }
}

/** `google.protobuf.Struct`: `map<string, Value> fields = 1`, one entry message per key. */
function struct(w: ProtoWriter, value: WireStruct): void {
  const fields = value.fields;
  for (const key of Object.keys(fields)) {
    const entry = w.begin(1);
    w.tag(1, WIRE_LENGTH);
    w.string(key);
    const at = w.begin(2);
    scalar(w, fields[key] as WireValue);
    w.end(at);
    w.end(entry);
  }
}

/** `google.protobuf.Value`: null_value = 1, number_value = 2, string_value = 3, bool_value = 4. */
function scalar(w: ProtoWriter, value: WireValue): void {
  if ('stringValue' in value) {
    w.tag(3, WIRE_LENGTH);
    w.string(value.stringValue);
  } else if ('boolValue' in value) {
    w.tag(4, WIRE_VARINT);
    w.varint(value.boolValue ? 1 : 0);
  } else if ('numberValue' in value) {
    w.tag(2, WIRE_FIXED64);
    w.double(value.numberValue);
  } else {
    w.tag(1, WIRE_VARINT);
    w.varint(0);
  }
}
