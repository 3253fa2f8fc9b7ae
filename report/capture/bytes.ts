// Endian-aware reads and writes over a Uint8Array: both capture formats let the writer
// pick the byte order, so every multi-byte field goes through one of these.

export class ByteReader {
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly littleEndian: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u16(at: number): number {
    return this.view.getUint16(at, this.littleEndian);
  }
  u32(at: number): number {
    return this.view.getUint32(at, this.littleEndian);
  }
  u64(at: number): bigint {
    return this.view.getBigUint64(at, this.littleEndian);
  }
  i64(at: number): bigint {
    return this.view.getBigInt64(at, this.littleEndian);
  }
  /** Two u32 halves (pcapng timestamps: high word first, each in the section's order). */
  u32pair(at: number): bigint {
    return (BigInt(this.u32(at)) << 32n) | BigInt(this.u32(at + 4));
  }
}

const utf8 = new TextEncoder();

/**
 * Grows as fields are appended; `bytes()` returns exactly what was written. One writer may
 * serve many blocks (`reset()`): a file sink appends every packet's block to the same buffer.
 */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;
  constructor(
    readonly littleEndian: boolean,
    capacity = 256,
  ) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }
  get length(): number {
    return this.len;
  }
  /**
   * Reserves n bytes and returns their offset. It may replace `buf` and `view`, so callers
   * must take the offset *before* reading either (`this.buf.set(b, this.room(n))` would
   * write into the old buffer: JavaScript evaluates `this.buf` first).
   */
  private room(n: number): number {
    if (this.len + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const at = this.len;
    this.len += n;
    return at;
  }
  u8(v: number): this {
    const at = this.room(1);
    this.buf[at] = v;
    return this;
  }
  u16(v: number): this {
    const at = this.room(2);
    this.view.setUint16(at, v, this.littleEndian);
    return this;
  }
  u32(v: number): this {
    const at = this.room(4);
    this.view.setUint32(at, v >>> 0, this.littleEndian);
    return this;
  }
  u64(v: bigint): this {
    const at = this.room(8);
    this.view.setBigUint64(at, BigInt.asUintN(64, v), this.littleEndian);
    return this;
  }
  i64(v: bigint): this {
    const at = this.room(8);
    this.view.setBigInt64(at, BigInt.asIntN(64, v), this.littleEndian);
    return this;
  }
  raw(b: Uint8Array): this {
    const at = this.room(b.length);
    this.buf.set(b, at);
    return this;
  }
  /** `s` as UTF-8, encoded straight into the buffer; returns its length in bytes. */
  utf8(s: string): number {
    // At most 3 bytes per UTF-16 unit (a surrogate pair, 2 units, is 4 bytes).
    const max = 3 * s.length;
    const at = this.room(max);
    const { written } = utf8.encodeInto(s, this.buf.subarray(at, at + max));
    this.len = at + written;
    return written;
  }
  /** Zero bytes up to the next multiple of 4 (written: a reused buffer holds old bytes). */
  pad4(): this {
    const n = (4 - (this.len & 3)) & 3;
    const at = this.room(n);
    for (let i = 0; i < n; i++) this.buf[at + i] = 0;
    return this;
  }
  /** Overwrite a u16 already written (an option's length, known once its value is). */
  patchU16(at: number, v: number): void {
    this.view.setUint16(at, v, this.littleEndian);
  }
  /** Overwrite a u32 already written (block lengths are known only at the end). */
  patchU32(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0, this.littleEndian);
  }
  /** Back to empty, keeping the buffer. */
  reset(): void {
    this.len = 0;
  }
  /** Drops what was written after the first n bytes (a block that failed half-way). */
  truncate(n: number): void {
    if (n < this.len) this.len = n;
  }
  /** What was written, as a view of the buffer (valid until the next write or reset). */
  written(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
