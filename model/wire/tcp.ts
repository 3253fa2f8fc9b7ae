// TCP header (RFC 9293). Options are raw bytes; the data plane only rewrites ports and
// fixes checksums, so nothing here interprets them. A segment has no length of its own:
// the view covers what the IPv4 total length gives it.

import type { Ipv4 } from './addr.ts';
import { IPPROTO_TCP, checksumValid, pseudoHeaderSum, tcpChecksum } from './checksum.ts';
import { type Parsed, type WireError, fail, ok, truncated, wireError } from './result.ts';

const F = {
  SRC_PORT: [0, 2],
  DST_PORT: [2, 4],
  SEQ: [4, 8],
  ACK: [8, 12],
  /** Data offset (4 bits), reserved (3 bits), then the 9 flag bits. */
  OFF_FLAGS: [12, 14],
  WINDOW: [14, 16],
  CHECKSUM: [16, 18],
  URGENT: [18, 20],
} as const;

export const TCP_HEADER_LEN = F.URGENT[1];
export const TCP_MAX_HEADER_LEN = 15 * 4;

export const TcpFlag = {
  FIN: 0x001,
  SYN: 0x002,
  RST: 0x004,
  PSH: 0x008,
  ACK: 0x010,
  URG: 0x020,
  ECE: 0x040,
  CWR: 0x080,
  NS: 0x100,
} as const;

/** tcpdump's spelling: `[S]`, `[S.]`, `[P.]`, `[F.]`, `[R]`; `.` is ACK. */
export function tcpFlagsString(flags: number): string {
  let s = '';
  if (flags & TcpFlag.SYN) s += 'S';
  if (flags & TcpFlag.FIN) s += 'F';
  if (flags & TcpFlag.RST) s += 'R';
  if (flags & TcpFlag.PSH) s += 'P';
  if (flags & TcpFlag.URG) s += 'U';
  if (flags & TcpFlag.ECE) s += 'E';
  if (flags & TcpFlag.CWR) s += 'W';
  if (flags & TcpFlag.NS) s += 'N';
  if (flags & TcpFlag.ACK) s += '.';
  return `[${s === '' ? 'none' : s}]`;
}

export interface TcpRepr {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  /** The 12 bits after the data offset: 3 reserved bits, NS, and CWR..FIN (see TcpFlag). */
  readonly flags: number;
  readonly window: number;
  /** Carried, not computed: see UdpRepr for why. */
  readonly checksum: number;
  readonly urgent: number;
  /** Raw option bytes; emit pads them with zeros to a multiple of 4. */
  readonly options: Uint8Array;
}

export class TcpPacket {
  private readonly dv: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  static checked(bytes: Uint8Array, base = 0): Parsed<TcpPacket> {
    const p = new TcpPacket(bytes);
    const e = p.check(base);
    return e ? fail(e) : ok(p);
  }

  check(base = 0): WireError | undefined {
    const len = this.bytes.length;
    if (len < TCP_HEADER_LEN) return truncated('TCP', base, TCP_HEADER_LEN, len);
    const hl = this.headerLen;
    if (hl < TCP_HEADER_LEN) return wireError('TCP', base + F.OFF_FLAGS[0], `header length ${hl} < ${TCP_HEADER_LEN}`, 'dataOffset');
    if (len < hl) return truncated('TCP', base + F.OFF_FLAGS[0], hl, len, 'dataOffset');
    return undefined;
  }

  get srcPort(): number {
    return this.dv.getUint16(F.SRC_PORT[0]);
  }
  set srcPort(v: number) {
    this.dv.setUint16(F.SRC_PORT[0], v);
  }
  get dstPort(): number {
    return this.dv.getUint16(F.DST_PORT[0]);
  }
  set dstPort(v: number) {
    this.dv.setUint16(F.DST_PORT[0], v);
  }
  get seq(): number {
    return this.dv.getUint32(F.SEQ[0]);
  }
  set seq(v: number) {
    this.dv.setUint32(F.SEQ[0], v >>> 0);
  }
  get ack(): number {
    return this.dv.getUint32(F.ACK[0]);
  }
  set ack(v: number) {
    this.dv.setUint32(F.ACK[0], v >>> 0);
  }
  /** In 32-bit words. */
  get dataOffset(): number {
    return this.bytes[F.OFF_FLAGS[0]] >>> 4;
  }
  set dataOffset(v: number) {
    this.bytes[F.OFF_FLAGS[0]] = ((v & 0xf) << 4) | (this.bytes[F.OFF_FLAGS[0]] & 0x0f);
  }
  get headerLen(): number {
    return this.dataOffset * 4;
  }
  get flags(): number {
    return this.dv.getUint16(F.OFF_FLAGS[0]) & 0x0fff;
  }
  set flags(v: number) {
    this.dv.setUint16(F.OFF_FLAGS[0], (this.dv.getUint16(F.OFF_FLAGS[0]) & 0xf000) | (v & 0x0fff));
  }
  get window(): number {
    return this.dv.getUint16(F.WINDOW[0]);
  }
  set window(v: number) {
    this.dv.setUint16(F.WINDOW[0], v);
  }
  get checksum(): number {
    return this.dv.getUint16(F.CHECKSUM[0]);
  }
  set checksum(v: number) {
    this.dv.setUint16(F.CHECKSUM[0], v);
  }
  get urgent(): number {
    return this.dv.getUint16(F.URGENT[0]);
  }
  set urgent(v: number) {
    this.dv.setUint16(F.URGENT[0], v);
  }
  get options(): Uint8Array {
    return this.bytes.subarray(TCP_HEADER_LEN, this.headerLen);
  }
  get payload(): Uint8Array {
    return this.bytes.subarray(this.headerLen);
  }
  computeChecksum(src: Ipv4, dst: Ipv4): number {
    return tcpChecksum(src, dst, this.bytes);
  }
  verifyChecksum(src: Ipv4, dst: Ipv4): boolean {
    return checksumValid(this.bytes, pseudoHeaderSum(src, dst, IPPROTO_TCP, this.bytes.length));
  }
  fillChecksum(src: Ipv4, dst: Ipv4): void {
    this.checksum = this.computeChecksum(src, dst);
  }
}

/** The header's length with `optionsLen` bytes of options (padded to 32 bits). */
export function tcpHeaderLen(optionsLen: number): number {
  return TCP_HEADER_LEN + ((optionsLen + 3) & ~3);
}

export const TcpRepr = {
  parse(p: TcpPacket): Parsed<TcpRepr> {
    return ok({
      srcPort: p.srcPort,
      dstPort: p.dstPort,
      seq: p.seq,
      ack: p.ack,
      flags: p.flags,
      window: p.window,
      checksum: p.checksum,
      urgent: p.urgent,
      options: p.options.slice(),
    });
  },

  bufferLen(repr: TcpRepr): number {
    return tcpHeaderLen(repr.options.length);
  },

  emit(repr: TcpRepr, buf: Uint8Array, offset = 0): void {
    const hl = TcpRepr.bufferLen(repr);
    if (hl > TCP_MAX_HEADER_LEN)
      throw new RangeError(`TCP options of ${repr.options.length} bytes exceed ${TCP_MAX_HEADER_LEN - TCP_HEADER_LEN}`);
    const p = new TcpPacket(buf.subarray(offset, offset + hl));
    p.srcPort = repr.srcPort;
    p.dstPort = repr.dstPort;
    p.seq = repr.seq;
    p.ack = repr.ack;
    buf[offset + F.OFF_FLAGS[0]] = (hl / 4) << 4;
    p.flags = repr.flags;
    p.window = repr.window;
    p.checksum = repr.checksum;
    p.urgent = repr.urgent;
    buf.set(repr.options, offset + TCP_HEADER_LEN);
    buf.fill(0, offset + TCP_HEADER_LEN + repr.options.length, offset + hl);
  },
};

export function parseTcp(bytes: Uint8Array, base = 0): Parsed<TcpRepr> {
  const p = TcpPacket.checked(bytes, base);
  return p.ok ? TcpRepr.parse(p.value) : p;
}
