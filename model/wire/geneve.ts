// Geneve (RFC 8926): an 8-byte header, then opt_len 4-byte words of TLV options, then the
// inner frame. Reserved bits are kept so that what was received can be re-emitted exactly.

import { type Parsed, type WireError, fail, ok, truncated, wireError } from './result.ts';

const F = {
  /** Version (2 bits) and opt_len (6 bits, in 4-byte words). */
  VER_OPTLEN: [0, 1],
  /** O (0x80), C (0x40), 6 reserved bits. */
  FLAGS: [1, 2],
  PROTOCOL: [2, 4],
  VNI: [4, 7],
  RESERVED: [7, 8],
} as const;

/** Each option: class, type (critical bit 0x80), 3 reserved bits + 5-bit length in words. */
const OF = {
  CLASS: [0, 2],
  TYPE: [2, 3],
  LEN: [3, 4],
} as const;

export const GENEVE_HEADER_LEN = F.RESERVED[1];
export const GENEVE_OPT_HEADER_LEN = OF.LEN[1];
/** The 6-bit opt_len field. */
export const GENEVE_MAX_OPT_LEN = 63 * 4;
/** The 5-bit option length field. */
export const GENEVE_MAX_OPT_DATA_LEN = 31 * 4;
export const GENEVE_UDP_PORT = 6081;
/** Transparent Ethernet Bridging: the inner payload is an Ethernet frame. */
export const ETH_P_TEB = 0x6558;
export const GENEVE_OPT_CRITICAL = 0x80;

const FLAG_OAM = 0x80;
const FLAG_CRITICAL = 0x40;

export interface GeneveOption {
  readonly class: number;
  /** Including the critical bit 0x80. */
  readonly type: number;
  /** A multiple of 4 bytes on the wire; emit pads with zeros. */
  readonly data: Uint8Array;
  /** The 3 reserved bits beside the length; 0 unless received otherwise. */
  readonly reserved?: number;
}

export interface GeneveRepr {
  readonly version: number;
  readonly oam: boolean;
  readonly critical: boolean;
  /** The 6 reserved bits after O and C. */
  readonly reservedFlags: number;
  readonly protocol: number;
  readonly vni: number;
  /** The reserved byte after the VNI. */
  readonly reserved: number;
  readonly options: readonly GeneveOption[];
}

export function isCriticalOption(type: number): boolean {
  return (type & GENEVE_OPT_CRITICAL) !== 0;
}

export class GeneveHeader {
  private readonly dv: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  static checked(bytes: Uint8Array, base = 0): Parsed<GeneveHeader> {
    const p = new GeneveHeader(bytes);
    const e = p.check(base);
    return e ? fail(e) : ok(p);
  }

  /** The fixed header and all opt_len words fit; the options themselves are walked separately. */
  check(base = 0): WireError | undefined {
    const len = this.bytes.length;
    if (len < GENEVE_HEADER_LEN) return truncated('Geneve', base, GENEVE_HEADER_LEN, len);
    if (len < this.headerLen)
      return wireError(
        'Geneve',
        base,
        `opt_len ${this.optLen} words (${this.optLen * 4} bytes) overruns the packet: need ${this.headerLen} bytes, have ${len}`,
        'optLen',
      );
    return undefined;
  }

  get version(): number {
    return this.bytes[F.VER_OPTLEN[0]] >>> 6;
  }
  set version(v: number) {
    this.bytes[F.VER_OPTLEN[0]] = ((v & 3) << 6) | (this.bytes[F.VER_OPTLEN[0]] & 0x3f);
  }
  /** In 4-byte words. */
  get optLen(): number {
    return this.bytes[F.VER_OPTLEN[0]] & 0x3f;
  }
  set optLen(v: number) {
    this.bytes[F.VER_OPTLEN[0]] = (this.bytes[F.VER_OPTLEN[0]] & 0xc0) | (v & 0x3f);
  }
  get oam(): boolean {
    return (this.bytes[F.FLAGS[0]] & FLAG_OAM) !== 0;
  }
  set oam(on: boolean) {
    this.bytes[F.FLAGS[0]] = on ? this.bytes[F.FLAGS[0]] | FLAG_OAM : this.bytes[F.FLAGS[0]] & ~FLAG_OAM;
  }
  get critical(): boolean {
    return (this.bytes[F.FLAGS[0]] & FLAG_CRITICAL) !== 0;
  }
  set critical(on: boolean) {
    this.bytes[F.FLAGS[0]] = on ? this.bytes[F.FLAGS[0]] | FLAG_CRITICAL : this.bytes[F.FLAGS[0]] & ~FLAG_CRITICAL;
  }
  get reservedFlags(): number {
    return this.bytes[F.FLAGS[0]] & 0x3f;
  }
  set reservedFlags(v: number) {
    this.bytes[F.FLAGS[0]] = (this.bytes[F.FLAGS[0]] & 0xc0) | (v & 0x3f);
  }
  get protocol(): number {
    return this.dv.getUint16(F.PROTOCOL[0]);
  }
  set protocol(v: number) {
    this.dv.setUint16(F.PROTOCOL[0], v);
  }
  get vni(): number {
    return (this.dv.getUint16(F.VNI[0]) << 8) | this.bytes[F.VNI[0] + 2];
  }
  set vni(v: number) {
    this.dv.setUint16(F.VNI[0], (v >>> 8) & 0xffff);
    this.bytes[F.VNI[0] + 2] = v;
  }
  get reserved(): number {
    return this.bytes[F.RESERVED[0]];
  }
  set reserved(v: number) {
    this.bytes[F.RESERVED[0]] = v;
  }
  get headerLen(): number {
    return GENEVE_HEADER_LEN + this.optLen * 4;
  }
  /** The opt_len words, not yet split into TLVs. */
  get optionBytes(): Uint8Array {
    return this.bytes.subarray(GENEVE_HEADER_LEN, this.headerLen);
  }
  get payload(): Uint8Array {
    return this.bytes.subarray(this.headerLen);
  }
}

/** An option as found on the wire, with where it starts (relative to the options area). */
export interface GeneveOptionAt extends GeneveOption {
  readonly offset: number;
  /** Length field in 4-byte words (data only, excluding the 4-byte option header). */
  readonly lengthWords: number;
}

/**
 * Splits the options area into TLVs. Stops at the first option whose header or data overruns
 * the area and returns what was read so far with the error, so a dissector can still show
 * the good ones. `data` is a view into `area`, not a copy.
 */
export function walkGeneveOptions(area: Uint8Array, base = 0): { options: GeneveOptionAt[]; error?: WireError } {
  const options: GeneveOptionAt[] = [];
  const dv = new DataView(area.buffer, area.byteOffset, area.byteLength);
  let off = 0;
  while (off < area.length) {
    if (area.length - off < GENEVE_OPT_HEADER_LEN)
      return {
        options,
        error: wireError(
          'Geneve',
          base + off,
          `option header at +${off} overruns opt_len: need ${GENEVE_OPT_HEADER_LEN} bytes, have ${area.length - off}`,
          'options',
        ),
      };
    const lenByte = area[off + OF.LEN[0]];
    const lengthWords = lenByte & 0x1f;
    const end = off + GENEVE_OPT_HEADER_LEN + lengthWords * 4;
    if (end > area.length)
      return {
        options,
        error: wireError(
          'Geneve',
          base + off,
          `option at +${off} (length ${lengthWords} words) overruns opt_len by ${end - area.length} bytes`,
          'options',
        ),
      };
    const opt = {
      offset: off,
      class: dv.getUint16(off + OF.CLASS[0]),
      type: area[off + OF.TYPE[0]],
      lengthWords,
      data: area.subarray(off + GENEVE_OPT_HEADER_LEN, end),
    };
    const reserved = lenByte >>> 5;
    options.push(reserved !== 0 ? { ...opt, reserved } : opt);
    off = end;
  }
  return { options };
}

function optionWireLen(o: GeneveOption): number {
  return GENEVE_OPT_HEADER_LEN + ((o.data.length + 3) & ~3);
}

export function geneveOptionsLen(options: readonly GeneveOption[]): number {
  let n = 0;
  for (const o of options) n += optionWireLen(o);
  return n;
}

/** Writes option TLVs at `offset`; returns the bytes written. Throws on data over 124 bytes. */
export function emitGeneveOptions(options: readonly GeneveOption[], buf: Uint8Array, offset: number): number {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = offset;
  for (const o of options) {
    const padded = (o.data.length + 3) & ~3;
    if (padded > GENEVE_MAX_OPT_DATA_LEN)
      throw new RangeError(`Geneve option data of ${o.data.length} bytes exceeds ${GENEVE_MAX_OPT_DATA_LEN}`);
    dv.setUint16(off + OF.CLASS[0], o.class);
    buf[off + OF.TYPE[0]] = o.type;
    buf[off + OF.LEN[0]] = (((o.reserved ?? 0) & 7) << 5) | (padded / 4);
    buf.set(o.data, off + GENEVE_OPT_HEADER_LEN);
    buf.fill(0, off + GENEVE_OPT_HEADER_LEN + o.data.length, off + GENEVE_OPT_HEADER_LEN + padded);
    off += GENEVE_OPT_HEADER_LEN + padded;
  }
  return off - offset;
}

export const GeneveRepr = {
  /** Needs a checked header; fails when an option overruns opt_len. */
  parse(h: GeneveHeader, base = 0): Parsed<GeneveRepr> {
    const walked = walkGeneveOptions(h.optionBytes, base + GENEVE_HEADER_LEN);
    if (walked.error) return fail(walked.error);
    const options = walked.options.map((o): GeneveOption => {
      const opt = { class: o.class, type: o.type, data: o.data.slice() };
      return o.reserved !== undefined ? { ...opt, reserved: o.reserved } : opt;
    });
    return ok({
      version: h.version,
      oam: h.oam,
      critical: h.critical,
      reservedFlags: h.reservedFlags,
      protocol: h.protocol,
      vni: h.vni,
      reserved: h.reserved,
      options,
    });
  },

  bufferLen(repr: GeneveRepr): number {
    return GENEVE_HEADER_LEN + geneveOptionsLen(repr.options);
  },

  /** Header and options; opt_len follows from the options. */
  emit(repr: GeneveRepr, buf: Uint8Array, offset = 0): void {
    const optBytes = geneveOptionsLen(repr.options);
    if (optBytes > GENEVE_MAX_OPT_LEN) throw new RangeError(`Geneve options of ${optBytes} bytes exceed ${GENEVE_MAX_OPT_LEN}`);
    const h = new GeneveHeader(buf.subarray(offset, offset + GENEVE_HEADER_LEN + optBytes));
    buf[offset + F.VER_OPTLEN[0]] = ((repr.version & 3) << 6) | (optBytes / 4);
    buf[offset + F.FLAGS[0]] = (repr.oam ? FLAG_OAM : 0) | (repr.critical ? FLAG_CRITICAL : 0) | (repr.reservedFlags & 0x3f);
    h.protocol = repr.protocol;
    h.vni = repr.vni;
    h.reserved = repr.reserved;
    emitGeneveOptions(repr.options, buf, offset + GENEVE_HEADER_LEN);
  },
};

export function parseGeneve(bytes: Uint8Array, base = 0): Parsed<GeneveRepr> {
  const h = GeneveHeader.checked(bytes, base);
  return h.ok ? GeneveRepr.parse(h.value, base) : h;
}
