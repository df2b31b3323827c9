/**
 * A hand-written protobuf encoder for the one message the gate sends per Check, the ext_authz
 * `CheckResponse` exactly as build-response.ts shapes it. proto-loader's serializer converts the
 * plain object into protobufjs messages (`fromObject`) and then encodes them, about 6 µs per
 * response; writing the few fields directly into one buffer costs a fraction of that.
 *
 * The bytes are those protobufjs writes for the same object — fields in field-number order, every
 * field the object holds (also an empty string or a zero), repeated fields and map entries in
 * array and key order — which test/unit/authz/encode-check-response.test.ts checks against the
 * proto-loader serializer. Anything this encoder was not written for (a string that is not
 * well-formed UTF-16, whose UTF-8 form the two encoders might write differently, or a metadata
 * value of another kind) returns undefined, and the caller uses proto-loader's serializer.
 */
import { Buffer } from 'node:buffer';
import { isWellFormedUtf16 } from '../lib/text.js';
import type { WireCheckResponse, WireHeaderValueOption, WireQueryParameter, WireStruct, WireValue } from './wire-types.js';

/** `envoy.config.core.v3.HeaderValueOption.HeaderAppendAction` by name. */
const APPEND_ACTIONS: Readonly<Record<string, number>> = { APPEND_IF_EXISTS_OR_ADD: 0, ADD_IF_ABSENT: 1, OVERWRITE_IF_EXISTS_OR_ADD: 2, OVERWRITE_IF_EXISTS: 3 };

/**
 * Thrown (and caught below) when the response holds something this encoder does not write; one
 * instance made at load, so the fallback costs no stack trace.
 */
const UNSUPPORTED = new Error('not written by the hand-written CheckResponse encoder');

/** The protobuf bytes of `response`, or undefined when the generic serializer must write it. */
export function encodeCheckResponse(response: WireCheckResponse): Buffer | undefined {
  try {
    const size = new Sizer();
    const measured = checkResponse(response, size);
    const out = new Out(Buffer.allocUnsafe(measured), size.lengths, size.bytes);
    writeCheckResponse(response, out);
    return out.buffer;
  } catch (error) {
    if (error === UNSUPPORTED) return undefined;
    throw error;
  }
}

/**
 * Pass 1 computes every nested message's length in the order pass 2 writes them (pre-order),
 * so that pass 2 writes each length prefix without measuring again.
 */
class Sizer {
  readonly lengths: number[] = [];
  /** Every string's UTF-8 byte length, in the order pass 2 writes the strings. */
  readonly bytes: number[] = [];
  /** Reserves a slot for a nested message's length; filled by {@link close}. */
  open(): number {
    this.lengths.push(0);
    return this.lengths.length - 1;
  }
  close(slot: number, length: number): number {
    this.lengths[slot] = length;
    return 1 + varintSize(length) + length;
  }
}

class Out {
  pos = 0;
  private next = 0;
  private nextString = 0;
  constructor(
    readonly buffer: Buffer,
    private readonly lengths: readonly number[],
    private readonly bytes: readonly number[],
  ) {}
  /** Writes a nested message's tag and its length measured in pass 1. */
  message(tag: number): void {
    this.byte(tag);
    this.varint(this.lengths[this.next++] as number);
  }
  byte(value: number): void {
    this.buffer[this.pos++] = value;
  }
  varint(value: number): void {
    while (value > 0x7f) {
      this.buffer[this.pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.buffer[this.pos++] = value;
  }
  string(tag: number, text: string): void {
    const bytes = this.bytes[this.nextString++] as number;
    this.byte(tag);
    this.varint(bytes);
    if (bytes !== text.length) {
      this.pos += this.buffer.write(text, this.pos, 'utf8');
    } else if (bytes > 64) {
      // ASCII: its latin1 bytes are its UTF-8 bytes.
      this.pos += this.buffer.write(text, this.pos, 'latin1');
    } else {
      // Short ASCII: copied unit by unit, cheaper than a native write.
      for (let i = 0; i < bytes; i++) this.buffer[this.pos++] = text.charCodeAt(i);
    }
  }
  double(tag: number, value: number): void {
    this.byte(tag);
    this.pos = this.buffer.writeDoubleLE(value, this.pos);
  }
}

function varintSize(value: number): number {
  let size = 1;
  while (value > 0x7f) {
    value >>>= 7;
    size++;
  }
  return size;
}

function stringSize(text: string, size: Sizer): number {
  const bytes = isAscii(text) ? text.length : utf8Length(text);
  size.bytes.push(bytes);
  return 1 + varintSize(bytes) + bytes;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function utf8Length(text: string): number {
  if (!isWellFormedUtf16(text)) throw UNSUPPORTED;
  return Buffer.byteLength(text);
}

/** A non-negative int32 or enum as a varint (negative ones would take ten bytes: not written here). */
function enumSize(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) throw UNSUPPORTED;
  return 1 + varintSize(value);
}

// --- pass 1: sizes (pre-order, one slot per nested message) ---

function checkResponse(response: WireCheckResponse, size: Sizer): number {
  let total = 0;
  const status = size.open();
  let statusSize = enumSize(response.status.code);
  if (response.status.message != null) statusSize += stringSize(response.status.message, size);
  total += size.close(status, statusSize);
  if ('denied_response' in response) {
    const denied = response.denied_response;
    const slot = size.open();
    const httpStatus = size.open();
    let deniedSize = size.close(httpStatus, enumSize(denied.status.code));
    deniedSize += headerOptions(denied.headers, size);
    deniedSize += stringSize(denied.body, size);
    total += size.close(slot, deniedSize);
  } else {
    const ok = response.ok_response;
    const slot = size.open();
    let okSize = headerOptions(ok.headers, size);
    for (const name of ok.headers_to_remove) okSize += stringSize(name, size);
    okSize += queryParameters(ok.query_parameters_to_set, size);
    for (const name of ok.query_parameters_to_remove) okSize += stringSize(name, size);
    total += size.close(slot, okSize);
  }
  return total + struct(response.dynamic_metadata, size);
}

function headerOptions(options: readonly WireHeaderValueOption[], size: Sizer): number {
  let total = 0;
  for (const option of options) {
    // `append` (deprecated BoolValue) is never set by build-response.ts; protobufjs would write it.
    if ('append' in option) throw UNSUPPORTED;
    const slot = size.open();
    const header = size.open();
    let optionSize = size.close(header, stringSize(option.header.key, size) + stringSize(option.header.value, size));
    if (option.append_action != null) {
      const action = APPEND_ACTIONS[option.append_action];
      if (action === undefined) throw UNSUPPORTED;
      optionSize += enumSize(action);
    }
    if (option.keep_empty_value != null) optionSize += 2;
    total += size.close(slot, optionSize);
  }
  return total;
}

function queryParameters(parameters: readonly WireQueryParameter[], size: Sizer): number {
  let total = 0;
  for (const parameter of parameters) total += size.close(size.open(), stringSize(parameter.key, size) + stringSize(parameter.value, size));
  return total;
}

function struct(value: WireStruct, size: Sizer): number {
  const slot = size.open();
  let structSize = 0;
  for (const key of Object.keys(value.fields)) {
    const entry = size.open();
    const inner = size.open();
    // The key before the value: strings are measured in the order pass 2 writes them.
    const keySize = stringSize(key, size);
    structSize += size.close(entry, keySize + size.close(inner, valueOf(value.fields[key] as WireValue, size)));
  }
  return size.close(slot, structSize);
}

function valueOf(value: WireValue, size: Sizer): number {
  if ('stringValue' in value) return stringSize(value.stringValue, size);
  if ('boolValue' in value) return 2;
  if ('numberValue' in value) return 9;
  if ('nullValue' in value) return 2;
  throw UNSUPPORTED;
}

// --- pass 2: bytes, in the same order ---

function writeCheckResponse(response: WireCheckResponse, out: Out): void {
  out.message(0x0a);
  out.byte(0x08);
  out.varint(response.status.code);
  if (response.status.message != null) out.string(0x12, response.status.message);
  if ('denied_response' in response) {
    const denied = response.denied_response;
    out.message(0x12);
    out.message(0x0a);
    out.byte(0x08);
    out.varint(denied.status.code);
    writeHeaderOptions(denied.headers, out);
    out.string(0x1a, denied.body);
  } else {
    const ok = response.ok_response;
    out.message(0x1a);
    writeHeaderOptions(ok.headers, out);
    for (const name of ok.headers_to_remove) out.string(0x2a, name);
    for (const parameter of ok.query_parameters_to_set) {
      out.message(0x3a);
      out.string(0x0a, parameter.key);
      out.string(0x12, parameter.value);
    }
    for (const name of ok.query_parameters_to_remove) out.string(0x42, name);
  }
  out.message(0x22);
  const fields = response.dynamic_metadata.fields;
  for (const key of Object.keys(fields)) {
    out.message(0x0a);
    out.string(0x0a, key);
    out.message(0x12);
    writeValue(fields[key] as WireValue, out);
  }
}

function writeHeaderOptions(options: readonly WireHeaderValueOption[], out: Out): void {
  for (const option of options) {
    out.message(0x12);
    out.message(0x0a);
    out.string(0x0a, option.header.key);
    out.string(0x12, option.header.value);
    if (option.append_action != null) {
      out.byte(0x18);
      out.varint(APPEND_ACTIONS[option.append_action] as number);
    }
    if (option.keep_empty_value != null) {
      out.byte(0x20);
      out.byte(option.keep_empty_value ? 1 : 0);
    }
  }
}

function writeValue(value: WireValue, out: Out): void {
  if ('stringValue' in value) out.string(0x1a, value.stringValue);
  else if ('boolValue' in value) {
    out.byte(0x20);
    out.byte(value.boolValue ? 1 : 0);
  } else if ('numberValue' in value) out.double(0x11, value.numberValue);
  else {
    out.byte(0x08);
    out.byte(0);
  }
}
