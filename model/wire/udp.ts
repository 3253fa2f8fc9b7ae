// UDP (RFC 768). The checksum is carried in the repr rather than computed by emit: it
// covers the IPv4 pseudo-header and the payload, which emit does not see. Fill it with
// `UdpPacket.fillChecksum` once the payload is in place (0 means "none", which the overlay's
// outer header uses).

import type { Ipv4 } from './addr.ts';
import { IPPROTO_UDP, checksumValid, pseudoHeaderSum, udpChecksum } from './checksum.ts';
import { type Parsed, type WireError, fail, ok, truncated, wireError } from './result.ts';

const F = {
  SRC_PORT: [0, 2],
  DST_PORT: [2, 4],
  LENGTH: [4, 6],
  CHECKSUM: [6, 8],
} as const;

export const UDP_HEADER_LEN = F.CHECKSUM[1];

export interface UdpRepr {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payloadLen: number;
  readonly checksum: number;
}

export class UdpPacket {
  private readonly dv: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  static checked(bytes: Uint8Array, base = 0): Parsed<UdpPacket> {
    const p = new UdpPacket(bytes);
    const e = p.check(base);
    return e ? fail(e) : ok(p);
  }

  check(base = 0): WireError | undefined {
    const len = this.bytes.length;
    if (len < UDP_HEADER_LEN) return truncated('UDP', base, UDP_HEADER_LEN, len);
    const l = this.length;
    if (l < UDP_HEADER_LEN) return wireError('UDP', base + F.LENGTH[0], `length ${l} < ${UDP_HEADER_LEN}`, 'length');
    if (len < l) return truncated('UDP', base + F.LENGTH[0], l, len, 'length');
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
  get length(): number {
    return this.dv.getUint16(F.LENGTH[0]);
  }
  set length(v: number) {
    this.dv.setUint16(F.LENGTH[0], v);
  }
  get checksum(): number {
    return this.dv.getUint16(F.CHECKSUM[0]);
  }
  set checksum(v: number) {
    this.dv.setUint16(F.CHECKSUM[0], v);
  }
  /** Bounded by the length field. */
  get payload(): Uint8Array {
    return this.bytes.subarray(UDP_HEADER_LEN, this.length);
  }
  /** Header and payload as the length field says: what the checksum covers. */
  get datagram(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
  computeChecksum(src: Ipv4, dst: Ipv4): number {
    return udpChecksum(src, dst, this.datagram);
  }
  /** A zero checksum ("none") is valid. */
  verifyChecksum(src: Ipv4, dst: Ipv4): boolean {
    if (this.checksum === 0) return true;
    const d = this.datagram;
    return checksumValid(d, pseudoHeaderSum(src, dst, IPPROTO_UDP, d.length));
  }
  fillChecksum(src: Ipv4, dst: Ipv4): void {
    this.checksum = this.computeChecksum(src, dst);
  }
}

export const UdpRepr = {
  parse(p: UdpPacket): Parsed<UdpRepr> {
    return ok({ srcPort: p.srcPort, dstPort: p.dstPort, payloadLen: p.length - UDP_HEADER_LEN, checksum: p.checksum });
  },

  bufferLen(_repr: UdpRepr): number {
    return UDP_HEADER_LEN;
  },

  emit(repr: UdpRepr, buf: Uint8Array, offset = 0): void {
    const p = new UdpPacket(buf.subarray(offset, offset + UDP_HEADER_LEN));
    p.srcPort = repr.srcPort;
    p.dstPort = repr.dstPort;
    p.length = UDP_HEADER_LEN + repr.payloadLen;
    p.checksum = repr.checksum;
  },
};

export function parseUdp(bytes: Uint8Array, base = 0): Parsed<UdpRepr> {
  const p = UdpPacket.checked(bytes, base);
  return p.ok ? UdpRepr.parse(p.value) : p;
}
