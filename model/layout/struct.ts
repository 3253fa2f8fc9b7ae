// One declaration per C struct: field names, offsets, sizes and byte order, from which the
// TypeScript side encodes and decodes map keys and values. The harness checks these same
// declarations against the BTF of the compiled objects, so a C struct that is reordered or
// resized fails a test naming the field instead of silently corrupting maps.
//
// Byte order is explicit per field: 'le' = host order (x86-64, what C sees in a __u32),
// 'be' = network order (bytes exactly as on the wire, what C sees in a __be32).

export type Scalar =
  { kind: 'u8' } | { kind: 'u16'; order: 'le' | 'be' } | { kind: 'u32'; order: 'le' | 'be' } | { kind: 'u64'; order: 'le' };
export type FieldType = Scalar | { kind: 'bytes'; len: number } | { kind: 'struct'; of: StructDef; count: number };

export interface FieldDef {
  readonly name: string;
  readonly type: FieldType;
  readonly offset: number;
  readonly size: number;
}

export interface StructDef {
  /** The C name (`struct <name>`) this layout must match in BTF. */
  readonly name: string;
  readonly size: number;
  readonly fields: readonly FieldDef[];
}

export const u8: Scalar = { kind: 'u8' };
export const u16le: Scalar = { kind: 'u16', order: 'le' };
export const u16be: Scalar = { kind: 'u16', order: 'be' };
export const u32le: Scalar = { kind: 'u32', order: 'le' };
export const u32be: Scalar = { kind: 'u32', order: 'be' };
export const u64le: Scalar = { kind: 'u64', order: 'le' };
export const bytes = (len: number): FieldType => ({ kind: 'bytes', len });
export const array = (of: StructDef, count: number): FieldType => ({ kind: 'struct', of, count });
export const nested = (of: StructDef): FieldType => ({ kind: 'struct', of, count: 1 });

function sizeOf(t: FieldType): number {
  switch (t.kind) {
    case 'u8':
      return 1;
    case 'u16':
      return 2;
    case 'u32':
      return 4;
    case 'u64':
      return 8;
    case 'bytes':
      return t.len;
    case 'struct':
      return t.of.size * t.count;
  }
}

/**
 * Declares a struct from `[name, type, offset]` rows. Offsets are written out (not
 * computed) because they are the contract with C; the declaration checks that fields do
 * not overlap and fit in `size`.
 */
export function struct(name: string, size: number, rows: ReadonlyArray<readonly [string, FieldType, number]>): StructDef {
  const fields: FieldDef[] = [];
  let end = 0;
  for (const [fname, type, offset] of rows) {
    const fsize = sizeOf(type);
    if (offset < end) throw new Error(`struct ${name}: field ${fname} at ${offset} overlaps the previous field`);
    if (offset + fsize > size) throw new Error(`struct ${name}: field ${fname} ends past size ${size}`);
    fields.push({ name: fname, type, offset, size: fsize });
    end = offset + fsize;
  }
  return { name, size, fields };
}

/** Field values: numbers for scalars up to 32 bits, bigint for u64, Uint8Array for bytes. */
export type Value = number | bigint | Uint8Array | Record<string, unknown> | ReadonlyArray<Record<string, unknown>>;

export function encode(def: StructDef, value: Readonly<Record<string, unknown>>, out?: Uint8Array, at = 0): Uint8Array {
  const buf = out ?? new Uint8Array(def.size);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (const f of def.fields) writeField(dv, buf, at + f.offset, f, value[f.name]);
  return buf;
}

export function decode(def: StructDef, buf: Uint8Array, at = 0): Record<string, unknown> {
  if (buf.byteLength < at + def.size) {
    throw new RangeError(`struct ${def.name}: need ${def.size} bytes at ${at}, have ${buf.byteLength - at}`);
  }
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: Record<string, unknown> = {};
  for (const f of def.fields) out[f.name] = readField(dv, buf, at + f.offset, f);
  return out;
}

function writeField(dv: DataView, buf: Uint8Array, at: number, f: FieldDef, v: unknown): void {
  const t = f.type;
  switch (t.kind) {
    case 'u8':
      dv.setUint8(at, Number(v ?? 0));
      return;
    case 'u16':
      dv.setUint16(at, Number(v ?? 0), t.order === 'le');
      return;
    case 'u32':
      dv.setUint32(at, Number(v ?? 0) >>> 0, t.order === 'le');
      return;
    case 'u64':
      dv.setBigUint64(at, BigInt((v as bigint | number | undefined) ?? 0), true);
      return;
    case 'bytes': {
      const src = (v as Uint8Array | undefined) ?? new Uint8Array(t.len);
      if (src.byteLength !== t.len) throw new RangeError(`field ${f.name}: expected ${t.len} bytes, got ${src.byteLength}`);
      buf.set(src, at);
      return;
    }
    case 'struct': {
      if (t.count === 1 && !Array.isArray(v)) {
        encode(t.of, (v as Record<string, unknown> | undefined) ?? {}, buf, at);
        return;
      }
      const items = (v as ReadonlyArray<Record<string, unknown>> | undefined) ?? [];
      if (items.length > t.count) throw new RangeError(`field ${f.name}: at most ${t.count} items, got ${items.length}`);
      for (let i = 0; i < t.count; i++) encode(t.of, items[i] ?? {}, buf, at + i * t.of.size);
      return;
    }
  }
}

function readField(dv: DataView, buf: Uint8Array, at: number, f: FieldDef): unknown {
  const t = f.type;
  switch (t.kind) {
    case 'u8':
      return dv.getUint8(at);
    case 'u16':
      return dv.getUint16(at, t.order === 'le');
    case 'u32':
      return dv.getUint32(at, t.order === 'le');
    case 'u64':
      return dv.getBigUint64(at, true);
    case 'bytes':
      return buf.slice(at, at + t.len);
    case 'struct': {
      if (t.count === 1) return decode(t.of, buf, at);
      const items: Record<string, unknown>[] = [];
      for (let i = 0; i < t.count; i++) items.push(decode(t.of, buf, at + i * t.of.size));
      return items;
    }
  }
}
