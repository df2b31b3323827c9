import { Buffer } from 'node:buffer';

/** Protobuf wire types (the low three bits of a field's tag). */
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH = 2;
export const WIRE_FIXED32 = 5;

/**
 * A growable protobuf writer. Length-delimited fields reserve one byte for their length and
 * move their content when the length needs more (rare: only values of 128 bytes and more), so
 * a message is written in a single pass.
 */
export class ProtoWriter {
  private buffer: Buffer;
  private view: DataView;
  /** Bytes written so far. */
  pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
  }

  /** A copy of the bytes written so far, in a buffer of its own (so it can be transferred). */
  bytes(): Uint8Array {
    const copy = new Uint8Array(this.pos);
    copy.set(this.buffer.subarray(0, this.pos));
    return copy;
  }

  reset(): void {
    this.pos = 0;
  }

  private ensure(more: number): void {
    if (this.pos + more <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.pos + more) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.pos);
    this.buffer = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  /** A non-negative integer below 2^53, or a negative one as int64 two's complement (10 bytes). */
  varint(value: number): void {
    this.ensure(10);
    const buffer = this.buffer;
    if (value >= 0 && value <= 0xffffffff) {
      let v = value >>> 0;
      while (v > 0x7f) {
        buffer[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buffer[this.pos++] = v;
      return;
    }
    let low: number;
    let high: number;
    if (value >= 0) {
      low = value >>> 0;
      high = (value / 0x100000000) >>> 0;
    } else {
      const magnitude = -value;
      low = ~(magnitude >>> 0) >>> 0;
      high = ~((magnitude / 0x100000000) >>> 0) >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    while (high > 0 || low > 0x7f) {
      buffer[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buffer[this.pos++] = low;
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.buffer.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  double(value: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /**
   * An HrTime as fixed64 nanoseconds since the epoch, exact: seconds × 1e9 exceeds 2^53, so the
   * seconds are split into 16-bit halves whose products stay exact, then recombined in 32-bit words.
   */
  hrTime(time: readonly [number, number]): void {
    this.ensure(8);
    const seconds = time[0];
    const fromLow = (seconds & 0xffff) * 1e9;
    const fromHigh = ((seconds / 0x10000) >>> 0) * 1e9;
    const low = (fromLow >>> 0) + (((fromHigh & 0xffff) * 0x10000) >>> 0) + time[1];
    const high = Math.floor(fromLow / 0x100000000) + ((fromHigh / 0x10000) >>> 0) + Math.floor(low / 0x100000000);
    this.buffer.writeUInt32LE(low >>> 0, this.pos);
    this.buffer.writeUInt32LE(high >>> 0, this.pos + 4);
    this.pos += 8;
  }

  /** A length-prefixed UTF-8 string. */
  string(text: string): void {
    const length = text.length;
    // ASCII strings under 128 characters (nearly every attribute) are written byte by byte:
    // cheaper than a native call for short strings, and their length is known up front.
    if (length < 128) {
      let ascii = true;
      for (let i = 0; i < length; i++) {
        if (text.charCodeAt(i) > 0x7f) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        this.ensure(1 + length);
        const buffer = this.buffer;
        let pos = this.pos;
        buffer[pos++] = length;
        for (let i = 0; i < length; i++) buffer[pos++] = text.charCodeAt(i);
        this.pos = pos;
        return;
      }
    }
    const bytes = Buffer.byteLength(text, 'utf8');
    this.varint(bytes);
    this.ensure(bytes);
    this.pos += this.buffer.write(text, this.pos, bytes, 'utf8');
  }

  /** Length-prefixed raw bytes. */
  rawBytes(bytes: Uint8Array): void {
    this.varint(bytes.length);
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Bytes written verbatim (an already encoded field or message). */
  verbatim(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** A length-prefixed id from its lowercase (or uppercase) hex form, as the standard exporter sends it. */
  hexBytes(hex: string): void {
    const length = hex.length >>> 1;
    this.varint(length);
    this.ensure(length);
    const buffer = this.buffer;
    for (let i = 0; i < length; i++) buffer[this.pos++] = (nibble(hex.charCodeAt(2 * i)) << 4) | nibble(hex.charCodeAt(2 * i + 1));
  }

  /** Starts a length-delimited field: returns where its content starts (one byte is reserved for the length). */
  begin(field: number): number {
    this.tag(field, WIRE_LENGTH);
    this.ensure(1);
    this.pos += 1;
    return this.pos;
  }

  /** Ends the field `begin` started, writing its length (moving the content when it needs more than one byte). */
  end(start: number): void {
    const length = this.pos - start;
    if (length < 0x80) {
      this.buffer[start - 1] = length;
      return;
    }
    const extra = varintSize(length) - 1;
    this.ensure(extra);
    this.buffer.copyWithin(start + extra, start, this.pos);
    let at = start - 1;
    let v = length;
    while (v > 0x7f) {
      this.buffer[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buffer[at] = v;
    this.pos += extra;
  }
}

function nibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return code - 55;
}

/** Bytes the varint of `value` (a non-negative integer below 2^32) takes. */
export function varintSize(value: number): number {
  let size = 1;
  while (value > 0x7f) {
    value >>>= 7;
    size++;
  }
  return size;
}
