// IPv4 (RFC 791). Options are kept as raw bytes: nothing here interprets them, but they must
// survive a round trip and count towards the header length.

import { type Ipv4, readIpv4, writeIpv4 } from './addr.ts';
import { checksumValid, ipv4HeaderChecksum } from './checksum.ts';
import { type Parsed, type WireError, fail, hex, ok, truncated, wireError } from './result.ts';

const F = {
  VER_IHL: [0, 1],
  TOS: [1, 2],
  LENGTH: [2, 4],
  IDENT: [4, 6],
  FLG_OFF: [6, 8],
  TTL: [8, 9],
  PROTOCOL: [9, 10],
  CHECKSUM: [10, 12],
  SRC: [12, 16],
  DST: [16, 20],
} as const;

export const IPV4_HEADER_LEN = F.DST[1];
/** IHL is 4 bits of 32-bit words. */
export const IPV4_MAX_HEADER_LEN = 15 * 4;
export const IPV4_MAX_OPTIONS_LEN = IPV4_MAX_HEADER_LEN - IPV4_HEADER_LEN;

const FLAG_RESERVED = 0x8000;
const FLAG_DF = 0x4000;
const FLAG_MF = 0x2000;
const FRAG_OFFSET_MASK = 0x1fff;

export const IpProtocol = {
  ICMP: 1,
  IGMP: 2,
  TCP: 6,
  UDP: 17,
  IPv6: 41,
  GRE: 47,
  ESP: 50,
  AH: 51,
  ICMPv6: 58,
  SCTP: 132,
} as const;

const IP_PROTOCOL_NAMES: Record<number, string> = {
  1: 'ICMP',
  2: 'IGMP',
  6: 'TCP',
  17: 'UDP',
  41: 'IPv6',
  47: 'GRE',
  50: 'ESP',
  51: 'AH',
  58: 'ICMPv6',
  132: 'SCTP',
};

export function ipProtocolName(proto: number): string {
  return IP_PROTOCOL_NAMES[proto] ?? hex(proto, 2);
}

export interface Ipv4Repr {
  readonly tos: number;
  readonly ident: number;
  readonly df: boolean;
  readonly mf: boolean;
  /** The reserved ("evil") flag bit; kept so that odd packets round-trip. */
  readonly reservedFlag?: boolean;
  /** In 8-byte units, as on the wire. */
  readonly fragOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly src: Ipv4;
  readonly dst: Ipv4;
  /** Raw option bytes; emit pads them with zeros (End of Options) to a multiple of 4. */
  readonly options: Uint8Array;
  readonly payloadLen: number;
}

export class Ipv4Packet {
  private readonly dv: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  static checked(bytes: Uint8Array, base = 0): Parsed<Ipv4Packet> {
    const p = new Ipv4Packet(bytes);
    const e = p.check(base);
    return e ? fail(e) : ok(p);
  }

  /**
   * Bounds only (like smoltcp's check_len): header, IHL and total length fit the buffer.
   * The buffer may be longer than the total length (Ethernet padding).
   */
  check(base = 0): WireError | undefined {
    const len = this.bytes.length;
    if (len < IPV4_HEADER_LEN) return truncated('IPv4', base, IPV4_HEADER_LEN, len);
    const hl = this.headerLen;
    if (hl < IPV4_HEADER_LEN) return wireError('IPv4', base, `header length ${hl} < ${IPV4_HEADER_LEN}`, 'ihl');
    if (len < hl) return truncated('IPv4', base, hl, len, 'ihl');
    const total = this.totalLen;
    if (total < hl) return wireError('IPv4', base + F.LENGTH[0], `total length ${total} < header length ${hl}`, 'totalLen');
    if (len < total) return truncated('IPv4', base + F.LENGTH[0], total, len, 'totalLen');
    return undefined;
  }

  get version(): number {
    return this.bytes[F.VER_IHL[0]] >>> 4;
  }
  set version(v: number) {
    this.bytes[F.VER_IHL[0]] = ((v & 0xf) << 4) | (this.bytes[F.VER_IHL[0]] & 0x0f);
  }
  /** IHL in 32-bit words. */
  get ihl(): number {
    return this.bytes[F.VER_IHL[0]] & 0x0f;
  }
  set ihl(v: number) {
    this.bytes[F.VER_IHL[0]] = (this.bytes[F.VER_IHL[0]] & 0xf0) | (v & 0x0f);
  }
  get headerLen(): number {
    return this.ihl * 4;
  }
  get tos(): number {
    return this.bytes[F.TOS[0]];
  }
  set tos(v: number) {
    this.bytes[F.TOS[0]] = v;
  }
  get totalLen(): number {
    return this.dv.getUint16(F.LENGTH[0]);
  }
  set totalLen(v: number) {
    this.dv.setUint16(F.LENGTH[0], v);
  }
  get ident(): number {
    return this.dv.getUint16(F.IDENT[0]);
  }
  set ident(v: number) {
    this.dv.setUint16(F.IDENT[0], v);
  }
  private get flagsOffset(): number {
    return this.dv.getUint16(F.FLG_OFF[0]);
  }
  private setFlag(mask: number, on: boolean): void {
    this.dv.setUint16(F.FLG_OFF[0], on ? this.flagsOffset | mask : this.flagsOffset & ~mask);
  }
  get reservedFlag(): boolean {
    return (this.flagsOffset & FLAG_RESERVED) !== 0;
  }
  set reservedFlag(on: boolean) {
    this.setFlag(FLAG_RESERVED, on);
  }
  get df(): boolean {
    return (this.flagsOffset & FLAG_DF) !== 0;
  }
  set df(on: boolean) {
    this.setFlag(FLAG_DF, on);
  }
  get mf(): boolean {
    return (this.flagsOffset & FLAG_MF) !== 0;
  }
  set mf(on: boolean) {
    this.setFlag(FLAG_MF, on);
  }
  get fragOffset(): number {
    return this.flagsOffset & FRAG_OFFSET_MASK;
  }
  set fragOffset(v: number) {
    this.dv.setUint16(F.FLG_OFF[0], (this.flagsOffset & ~FRAG_OFFSET_MASK) | (v & FRAG_OFFSET_MASK));
  }
  get ttl(): number {
    return this.bytes[F.TTL[0]];
  }
  set ttl(v: number) {
    this.bytes[F.TTL[0]] = v;
  }
  get protocol(): number {
    return this.bytes[F.PROTOCOL[0]];
  }
  set protocol(v: number) {
    this.bytes[F.PROTOCOL[0]] = v;
  }
  get checksum(): number {
    return this.dv.getUint16(F.CHECKSUM[0]);
  }
  set checksum(v: number) {
    this.dv.setUint16(F.CHECKSUM[0], v);
  }
  get src(): Ipv4 {
    return readIpv4(this.bytes, F.SRC[0]);
  }
  set src(ip: Ipv4) {
    writeIpv4(this.bytes, F.SRC[0], ip);
  }
  get dst(): Ipv4 {
    return readIpv4(this.bytes, F.DST[0]);
  }
  set dst(ip: Ipv4) {
    writeIpv4(this.bytes, F.DST[0], ip);
  }
  get header(): Uint8Array {
    return this.bytes.subarray(0, this.headerLen);
  }
  get options(): Uint8Array {
    return this.bytes.subarray(IPV4_HEADER_LEN, this.headerLen);
  }
  /** Bounded by the total length, so Ethernet padding is not payload. */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.headerLen, this.totalLen);
  }
  /** What the header checksum should be. */
  computeChecksum(): number {
    return ipv4HeaderChecksum(this.header);
  }
  verifyChecksum(): boolean {
    return checksumValid(this.header);
  }
  fillChecksum(): void {
    this.checksum = this.computeChecksum();
  }
}

/** The header's length with `optionsLen` bytes of options (padded to 32 bits). */
export function ipv4HeaderLen(optionsLen: number): number {
  return IPV4_HEADER_LEN + ((optionsLen + 3) & ~3);
}

export const Ipv4Repr = {
  /** Needs a checked packet; rejects only what is not IPv4 at all. Checksums are not judged here. */
  parse(p: Ipv4Packet, base = 0): Parsed<Ipv4Repr> {
    if (p.version !== 4) return fail(wireError('IPv4', base, `version ${p.version}, expected 4`, 'version'));
    const repr = {
      tos: p.tos,
      ident: p.ident,
      df: p.df,
      mf: p.mf,
      fragOffset: p.fragOffset,
      ttl: p.ttl,
      protocol: p.protocol,
      src: p.src,
      dst: p.dst,
      options: p.options.slice(),
      payloadLen: p.totalLen - p.headerLen,
    };
    return ok(p.reservedFlag ? { ...repr, reservedFlag: true } : repr);
  },

  bufferLen(repr: Ipv4Repr): number {
    return ipv4HeaderLen(repr.options.length);
  },

  /** Writes the header with a correct checksum; throws on options that cannot fit IHL. */
  emit(repr: Ipv4Repr, buf: Uint8Array, offset = 0): void {
    const hl = Ipv4Repr.bufferLen(repr);
    if (hl > IPV4_MAX_HEADER_LEN) throw new RangeError(`IPv4 options of ${repr.options.length} bytes exceed ${IPV4_MAX_OPTIONS_LEN}`);
    const p = new Ipv4Packet(buf.subarray(offset, offset + hl));
    buf[offset] = 0x40 | (hl / 4);
    p.tos = repr.tos;
    p.totalLen = hl + repr.payloadLen;
    p.ident = repr.ident;
    buf[offset + F.FLG_OFF[0]] = 0;
    buf[offset + F.FLG_OFF[0] + 1] = 0;
    p.reservedFlag = repr.reservedFlag === true;
    p.df = repr.df;
    p.mf = repr.mf;
    p.fragOffset = repr.fragOffset;
    p.ttl = repr.ttl;
    p.protocol = repr.protocol;
    p.src = repr.src;
    p.dst = repr.dst;
    buf.set(repr.options, offset + IPV4_HEADER_LEN);
    buf.fill(0, offset + IPV4_HEADER_LEN + repr.options.length, offset + hl);
    p.fillChecksum();
  },
};

export function parseIpv4Packet(bytes: Uint8Array, base = 0): Parsed<Ipv4Repr> {
  const p = Ipv4Packet.checked(bytes, base);
  return p.ok ? Ipv4Repr.parse(p.value, base) : p;
}
