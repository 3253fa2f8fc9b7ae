// One declaration per C struct: field names, offsets, sizes and byte order, from which the
// TypeScript side encodes and decodes map keys and values. The harness checks these same
// declarations against the BTF of the compiled objects, so a C struct that is reordered or
// resized fails a test naming the field instead of silently corrupting maps.
//
// Byte order is explicit per field: 'le' = host order (x86-64, what C sees in a __u32),
// 'be' = network order (bytes exactly as on the wire, what C sees in a __be32).

export type Scalar =
  | { readonly kind: 'u8' }
  | { readonly kind: 'u16'; readonly order: 'le' | 'be' }
  | { readonly kind: 'u32'; readonly order: 'le' | 'be' }
  | { readonly kind: 'u64'; readonly order: 'le' };
export interface BytesType {
  readonly kind: 'bytes';
  readonly len: number;
}
/** A nested struct (`count` 1, `many` false) or an array of them (`many` true). */
export interface StructType<V = unknown, Many extends boolean = boolean> {
  readonly kind: 'struct';
  readonly of: StructDef<V>;
  readonly count: number;
  readonly many: Many;
}
export type FieldType = Scalar | BytesType | StructType;

export interface FieldDef {
  readonly name: string;
  readonly type: FieldType;
  readonly offset: number;
  readonly size: number;
}

/**
 * A C struct's layout. `V` is the plain record a value of it decodes to, derived from the
 * field rows by `struct()`, so a record type is never written by hand beside its layout.
 */
export interface StructDef<V = unknown> {
  /** The C name (`struct <name>`) this layout must match in BTF. */
  readonly name: string;
  readonly size: number;
  readonly fields: readonly FieldDef[];
  /** Type-level only: the record type (never set at run time). */
  readonly __record?: V;
}

/** The record type of a struct definition: `Rec<typeof HostCfg>`. */
export type Rec<S> = S extends StructDef<infer V> ? V : never;

export const u8 = { kind: 'u8' } as const satisfies Scalar;
export const u16le = { kind: 'u16', order: 'le' } as const satisfies Scalar;
export const u16be = { kind: 'u16', order: 'be' } as const satisfies Scalar;
export const u32le = { kind: 'u32', order: 'le' } as const satisfies Scalar;
export const u32be = { kind: 'u32', order: 'be' } as const satisfies Scalar;
export const u64le = { kind: 'u64', order: 'le' } as const satisfies Scalar;
export const bytes = (len: number): BytesType => ({ kind: 'bytes', len });
export const array = <V>(of: StructDef<V>, count: number): StructType<V, true> => ({ kind: 'struct', of, count, many: true });
export const nested = <V>(of: StructDef<V>): StructType<V, false> => ({ kind: 'struct', of, count: 1, many: false });

/** The TypeScript value of one field type. */
type FieldValue<T> = T extends { kind: 'u64' }
  ? bigint
  : T extends BytesType
    ? Uint8Array
    : T extends StructType<infer V, infer Many>
      ? Many extends true
        ? V[]
        : V
      : number;

type Row = readonly [string, FieldType, number];
type RecordOf<R extends readonly Row[]> = { [E in R[number] as E[0]]: FieldValue<E[1]> };

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
 * not overlap and fit in `size`. The rows also give the record type (see `Rec`).
 */
export function struct<const R extends readonly Row[]>(name: string, size: number, rows: R): StructDef<RecordOf<R>> {
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

/** Encodes a record (missing fields read as zero) into the struct's bytes. */
export function encode<V>(def: StructDef<V>, value: V | Readonly<Record<string, unknown>>, out?: Uint8Array, at = 0): Uint8Array {
  const buf = out ?? new Uint8Array(def.size);
  const rec = value as Readonly<Record<string, unknown>>;
  for (const f of def.fields) writeField(buf, at + f.offset, f, rec[f.name]);
  return buf;
}

/** Decodes the struct's bytes at `at` into its record; the field rows guarantee the shape. */
export function decode<V>(def: StructDef<V>, buf: Uint8Array, at = 0): V {
  if (buf.byteLength < at + def.size) {
    throw new RangeError(`struct ${def.name}: need ${def.size} bytes at ${at}, have ${buf.byteLength - at}`);
  }
  const out: Record<string, unknown> = {};
  for (const f of def.fields) out[f.name] = readField(buf, at + f.offset, f);
  return out as V;
}

// Byte arithmetic rather than a DataView, as in readField.
function writeField(buf: Uint8Array, at: number, f: FieldDef, v: unknown): void {
  const t = f.type;
  switch (t.kind) {
    case 'u8':
      buf[at] = Number(v ?? 0);
      return;
    case 'u16': {
      const n = Number(v ?? 0);
      if (t.order === 'le') {
        buf[at] = n;
        buf[at + 1] = n >>> 8;
      } else {
        buf[at] = n >>> 8;
        buf[at + 1] = n;
      }
      return;
    }
    case 'u32': {
      const n = Number(v ?? 0) >>> 0;
      if (t.order === 'le') {
        buf[at] = n;
        buf[at + 1] = n >>> 8;
        buf[at + 2] = n >>> 16;
        buf[at + 3] = n >>> 24;
      } else {
        buf[at] = n >>> 24;
        buf[at + 1] = n >>> 16;
        buf[at + 2] = n >>> 8;
        buf[at + 3] = n;
      }
      return;
    }
    case 'u64':
      new DataView(buf.buffer, buf.byteOffset, buf.byteLength).setBigUint64(at, BigInt((v as bigint | number | undefined) ?? 0), true);
      return;
    case 'bytes': {
      const src = (v as Uint8Array | undefined) ?? new Uint8Array(t.len);
      if (src.byteLength !== t.len) throw new RangeError(`field ${f.name}: expected ${t.len} bytes, got ${src.byteLength}`);
      buf.set(src, at);
      return;
    }
    case 'struct': {
      if (!t.many) {
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

// Byte arithmetic rather than a DataView: programs decode option data per packet.
function readField(buf: Uint8Array, at: number, f: FieldDef): unknown {
  const t = f.type;
  switch (t.kind) {
    case 'u8':
      return buf[at];
    case 'u16':
      return t.order === 'le' ? buf[at] | (buf[at + 1] << 8) : (buf[at] << 8) | buf[at + 1];
    case 'u32':
      return t.order === 'le'
        ? (buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) | (buf[at + 3] << 24)) >>> 0
        : ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) >>> 0;
    case 'u64':
      return new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getBigUint64(at, true);
    case 'bytes':
      return buf.slice(at, at + t.len);
    case 'struct': {
      if (!t.many) return decode(t.of, buf, at);
      const items: unknown[] = [];
      for (let i = 0; i < t.count; i++) items.push(decode(t.of, buf, at + i * t.of.size));
      return items;
    }
  }
}
