// VXLAN (RFC 7348): an 8-byte header after UDP, then the inner Ethernet frame. One field
// table drives both the zero-copy view and the plain record, as geneve.ts does. Reserved
// bits are kept so that what was received can be re-emitted exactly.

import { type Parsed, fail, ok, truncated } from './result.ts';

/** Byte ranges [start, end) of each field. */
const F = {
  /** 8 flag bits: only I (0x08) is defined; the others are reserved. */
  FLAGS: [0, 1],
  RESERVED1: [1, 4],
  VNI: [4, 7],
  RESERVED2: [7, 8],
} as const;

export const VXLAN_HEADER_LEN = F.RESERVED2[1];
/** IANA's VXLAN port. */
export const VXLAN_UDP_PORT = 4789;
/** The port DC/OS's overlay uses (dcos-net `dcos_overlay`, device vtep1024). */
export const DCOS_VXLAN_UDP_PORT = 64000;
/** The I flag: the VNI field is valid (RFC 7348 section 5). */
export const VXLAN_FLAG_I = 0x08;

export interface VxlanRepr {
  /** The whole flags byte (I = 0x08), reserved bits included. */
  readonly flags: number;
  /** The 24 reserved bits after the flags. */
  readonly reserved1: number;
  readonly vni: number;
  /** The reserved byte after the VNI. */
  readonly reserved2: number;
}

export class VxlanHeader {
  constructor(readonly bytes: Uint8Array) {}

  static checked(bytes: Uint8Array, base = 0): Parsed<VxlanHeader> {
    if (bytes.length < VXLAN_HEADER_LEN) return fail(truncated('VXLAN', base, VXLAN_HEADER_LEN, bytes.length));
    return ok(new VxlanHeader(bytes));
  }

  private u24(at: number): number {
    return (this.bytes[at] << 16) | (this.bytes[at + 1] << 8) | this.bytes[at + 2];
  }
  private setU24(at: number, v: number): void {
    this.bytes[at] = v >>> 16;
    this.bytes[at + 1] = v >>> 8;
    this.bytes[at + 2] = v;
  }

  get flags(): number {
    return this.bytes[F.FLAGS[0]];
  }
  set flags(v: number) {
    this.bytes[F.FLAGS[0]] = v;
  }
  /** Whether the I flag is set (a receiver drops the frame otherwise). */
  get vniValid(): boolean {
    return (this.flags & VXLAN_FLAG_I) !== 0;
  }
  get reserved1(): number {
    return this.u24(F.RESERVED1[0]);
  }
  set reserved1(v: number) {
    this.setU24(F.RESERVED1[0], v);
  }
  get vni(): number {
    return this.u24(F.VNI[0]);
  }
  set vni(v: number) {
    this.setU24(F.VNI[0], v);
  }
  get reserved2(): number {
    return this.bytes[F.RESERVED2[0]];
  }
  set reserved2(v: number) {
    this.bytes[F.RESERVED2[0]] = v;
  }
  /** The inner Ethernet frame. */
  get payload(): Uint8Array {
    return this.bytes.subarray(VXLAN_HEADER_LEN);
  }
}

export const VxlanRepr = {
  parse(h: VxlanHeader): VxlanRepr {
    return { flags: h.flags, reserved1: h.reserved1, vni: h.vni, reserved2: h.reserved2 };
  },

  bufferLen(): number {
    return VXLAN_HEADER_LEN;
  },

  emit(repr: VxlanRepr, buf: Uint8Array, offset = 0): void {
    const h = new VxlanHeader(buf.subarray(offset, offset + VXLAN_HEADER_LEN));
    h.flags = repr.flags;
    h.reserved1 = repr.reserved1;
    h.vni = repr.vni;
    h.reserved2 = repr.reserved2;
  },

  /** A header as a sender writes it: the I flag, the VNI, every reserved bit zero. */
  of(vni: number): VxlanRepr {
    return { flags: VXLAN_FLAG_I, reserved1: 0, vni, reserved2: 0 };
  },
};

export function parseVxlan(bytes: Uint8Array, base = 0): Parsed<VxlanRepr> {
  const h = VxlanHeader.checked(bytes, base);
  return h.ok ? ok(VxlanRepr.parse(h.value)) : h;
}

/** The 8 header bytes of a VXLAN header for `vni` (a builder's payload layer in front of the inner frame). */
export function vxlanHeaderBytes(vni: number, flags = VXLAN_FLAG_I): Uint8Array {
  const b = new Uint8Array(VXLAN_HEADER_LEN);
  VxlanRepr.emit({ ...VxlanRepr.of(vni), flags }, b);
  return b;
}
