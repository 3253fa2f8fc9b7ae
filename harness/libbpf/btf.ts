// Struct layouts read from BTF, through libbpf's btf__* accessors and the kernel's
// `struct btf_type` encoding (include/uapi/linux/btf.h): a 12-byte header (name_off,
// info = kind<<24 | kind_flag<<31 | vlen, size-or-type) followed by per-kind data.
import { BpfError } from './bpf-error.ts';
import { koffi, lastErrno, libbpf, type Ptr } from './native.ts';
import type { BpfObject } from './object.ts';

const KIND = {
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

/** What a member's type comes down to, after typedefs and qualifiers. */
export type BtfShape =
  | { kind: 'int'; size: number; signed: boolean }
  | { kind: 'enum'; size: number }
  | { kind: 'ptr'; size: number }
  | { kind: 'float'; size: number }
  | { kind: 'array'; size: number; count: number; elem: BtfShape }
  | { kind: 'struct' | 'union'; size: number; layout: BtfStruct }
  | { kind: 'other'; size: number; btfKind: number };

export interface BtfMember {
  readonly name: string;
  /** Byte offset; for bitfields the offset of the containing byte. */
  readonly offset: number;
  readonly size: number;
  /** Non-zero for bitfields: their width in bits. */
  readonly bitfieldBits: number;
  readonly bitOffset: number;
  /** Typedef names on the way to the base type, outermost first (`__be16`, ...). */
  readonly typedefs: readonly string[];
  readonly shape: BtfShape;
}

export interface BtfStruct {
  readonly name: string;
  readonly kind: 'struct' | 'union';
  readonly size: number;
  readonly members: readonly BtfMember[];
}

interface RawType {
  name: string;
  kind: number;
  kflag: boolean;
  vlen: number;
  sizeOrType: number;
  ptr: Ptr;
}

export class Btf {
  private handle: Ptr | null;
  private readonly owned: boolean;
  readonly source: string;

  private constructor(handle: Ptr, owned: boolean, source: string) {
    this.handle = handle;
    this.owned = owned;
    this.source = source;
  }

  /** BTF parsed straight from an object file's .BTF section (no kernel involved). */
  static fromFile(path: string): Btf {
    const h = libbpf().btf__parse(path, null);
    if (!h) throw new BpfError({ errno: lastErrno() || 2, call: 'btf__parse', object: path, hint: 'was it compiled with -g?' });
    return new Btf(h, true, path);
  }

  /** The BTF of an opened or loaded object; valid while the object is open. */
  static fromObject(obj: BpfObject): Btf {
    const h = obj.btfHandle();
    if (!h) throw new BpfError({ errno: 2, call: 'bpf_object__btf', object: obj.label, hint: 'the object has no BTF: compile with -g' });
    return new Btf(h, false, obj.path);
  }

  /** The layout of `struct <name>` (or a typedef to a struct); null when BTF has no such type. */
  struct(name: string): BtfStruct | null {
    const lib = libbpf();
    let id = lib.btf__find_by_name_kind(this.live(), name, KIND.STRUCT);
    if (id < 0) id = lib.btf__find_by_name_kind(this.live(), name, KIND.UNION);
    if (id < 0) {
      const td = lib.btf__find_by_name_kind(this.live(), name, KIND.TYPEDEF);
      if (td < 0) return null;
      const shape = this.shape(td, []);
      return shape.kind === 'struct' || shape.kind === 'union' ? shape.layout : null;
    }
    const shape = this.shape(id, []);
    return shape.kind === 'struct' || shape.kind === 'union' ? shape.layout : null;
  }

  /** Names of every struct in this BTF (for "did you mean" messages). */
  structNames(): string[] {
    const out: string[] = [];
    const n = libbpf().btf__type_cnt(this.live());
    for (let id = 1; id < n; id++) {
      const t = this.raw(id);
      if (t.kind === KIND.STRUCT && t.name) out.push(t.name);
    }
    return out;
  }

  /** Frees BTF we parsed ourselves; BTF owned by an object goes with the object. */
  close(): void {
    if (this.handle && this.owned) libbpf().btf__free(this.handle);
    this.handle = null;
  }

  private live(): Ptr {
    if (!this.handle) throw new Error(`BTF of ${this.source} is closed`);
    return this.handle;
  }

  private raw(id: number): RawType {
    const lib = libbpf();
    const ptr = lib.btf__type_by_id(this.live(), id);
    if (!ptr) throw new Error(`BTF of ${this.source}: no type id ${id}`);
    const hdr = new DataView(koffi.view(ptr, 12));
    const info = hdr.getUint32(4, true);
    return {
      name: lib.btf__name_by_offset(this.live(), hdr.getUint32(0, true)) ?? '',
      kind: (info >>> 24) & 0x1f,
      kflag: info >>> 31 === 1,
      vlen: info & 0xffff,
      sizeOrType: hdr.getUint32(8, true),
      ptr,
    };
  }

  private shape(id: number, typedefs: string[]): BtfShape {
    const t = this.raw(id);
    switch (t.kind) {
      case KIND.TYPEDEF:
        typedefs.push(t.name);
        return this.shape(t.sizeOrType, typedefs);
      case KIND.VOLATILE:
      case KIND.CONST:
      case KIND.RESTRICT:
      case KIND.TYPE_TAG:
        return this.shape(t.sizeOrType, typedefs);
      case KIND.INT: {
        const enc = new DataView(koffi.view(t.ptr, 16)).getUint32(12, true);
        return { kind: 'int', size: t.sizeOrType, signed: ((enc >>> 24) & 1) === 1 };
      }
      case KIND.ENUM:
      case KIND.ENUM64:
        return { kind: 'enum', size: t.sizeOrType };
      case KIND.PTR:
        return { kind: 'ptr', size: 8 };
      case KIND.FLOAT:
        return { kind: 'float', size: t.sizeOrType };
      case KIND.ARRAY: {
        // struct btf_array { type, index_type, nelems } follows the header.
        const arr = new DataView(koffi.view(t.ptr, 24));
        const elem = this.shape(arr.getUint32(12, true), []);
        const count = arr.getUint32(20, true);
        return { kind: 'array', size: elem.size * count, count, elem };
      }
      case KIND.STRUCT:
      case KIND.UNION:
        return { kind: t.kind === KIND.STRUCT ? 'struct' : 'union', size: t.sizeOrType, layout: this.members(t) };
      default:
        return { kind: 'other', size: 0, btfKind: t.kind };
    }
  }

  private members(t: RawType): BtfStruct {
    const lib = libbpf();
    // struct btf_member { name_off, type, offset } × vlen after the header; with
    // kind_flag set, offset = bitfield_size << 24 | bit_offset.
    const dv = new DataView(koffi.view(t.ptr, 12 + 12 * t.vlen));
    const members: BtfMember[] = [];
    for (let i = 0; i < t.vlen; i++) {
      const at = 12 + 12 * i;
      const name = lib.btf__name_by_offset(this.live(), dv.getUint32(at, true)) ?? '';
      const raw = dv.getUint32(at + 8, true);
      const bitOffset = t.kflag ? raw & 0xffffff : raw;
      const bitfieldBits = t.kflag ? raw >>> 24 : 0;
      const typedefs: string[] = [];
      const shape = this.shape(dv.getUint32(at + 4, true), typedefs);
      members.push({
        name,
        offset: Math.floor(bitOffset / 8),
        size: bitfieldBits > 0 ? Math.ceil(bitfieldBits / 8) : shape.size,
        bitfieldBits,
        bitOffset,
        typedefs,
        shape,
      });
    }
    return { name: t.name, kind: t.kind === KIND.UNION ? 'union' : 'struct', size: t.sizeOrType, members };
  }
}
