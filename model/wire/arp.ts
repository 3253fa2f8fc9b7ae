// ARP for Ethernet/IPv4 (RFC 826). Hardware and protocol types are kept as numbers so an odd
// value survives a round trip; the address lengths must be 6 and 4, since the field layout
// below depends on them.

import { type Ipv4, type Mac, readIpv4, readMac, writeIpv4, writeMac } from './addr.ts';
import { type Parsed, type WireError, fail, hex, ok, truncated, wireError } from './result.ts';

const F = {
  HTYPE: [0, 2],
  PTYPE: [2, 4],
  HLEN: [4, 5],
  PLEN: [5, 6],
  OPER: [6, 8],
  SHA: [8, 14],
  SPA: [14, 18],
  THA: [18, 24],
  TPA: [24, 28],
} as const;

export const ARP_LEN = F.TPA[1];
export const ARP_HTYPE_ETHERNET = 1;
export const ARP_PTYPE_IPV4 = 0x0800;

export const ArpOp = {
  Request: 1,
  Reply: 2,
  RarpRequest: 3,
  RarpReply: 4,
} as const;

const ARP_OP_NAMES: Record<number, string> = { 1: 'request', 2: 'reply', 3: 'rarp-request', 4: 'rarp-reply' };

export function arpOpName(op: number): string {
  return ARP_OP_NAMES[op] ?? hex(op);
}

export interface ArpRepr {
  readonly htype: number;
  readonly ptype: number;
  readonly op: number;
  readonly sha: Mac;
  readonly spa: Ipv4;
  readonly tha: Mac;
  readonly tpa: Ipv4;
}

export class ArpPacket {
  private readonly dv: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  static checked(bytes: Uint8Array, base = 0): Parsed<ArpPacket> {
    const p = new ArpPacket(bytes);
    const e = p.check(base);
    return e ? fail(e) : ok(p);
  }

  check(base = 0): WireError | undefined {
    const len = this.bytes.length;
    if (len < F.PLEN[1]) return truncated('ARP', base, ARP_LEN, len);
    if (this.hlen !== 6) return wireError('ARP', base + F.HLEN[0], `unsupported hardware address length ${this.hlen}`, 'hlen');
    if (this.plen !== 4) return wireError('ARP', base + F.PLEN[0], `unsupported protocol address length ${this.plen}`, 'plen');
    if (len < ARP_LEN) return truncated('ARP', base, ARP_LEN, len);
    return undefined;
  }

  get htype(): number {
    return this.dv.getUint16(F.HTYPE[0]);
  }
  set htype(v: number) {
    this.dv.setUint16(F.HTYPE[0], v);
  }
  get ptype(): number {
    return this.dv.getUint16(F.PTYPE[0]);
  }
  set ptype(v: number) {
    this.dv.setUint16(F.PTYPE[0], v);
  }
  get hlen(): number {
    return this.bytes[F.HLEN[0]];
  }
  get plen(): number {
    return this.bytes[F.PLEN[0]];
  }
  get op(): number {
    return this.dv.getUint16(F.OPER[0]);
  }
  set op(v: number) {
    this.dv.setUint16(F.OPER[0], v);
  }
  get sha(): Mac {
    return readMac(this.bytes, F.SHA[0]);
  }
  set sha(m: Mac) {
    writeMac(this.bytes, F.SHA[0], m);
  }
  get spa(): Ipv4 {
    return readIpv4(this.bytes, F.SPA[0]);
  }
  set spa(ip: Ipv4) {
    writeIpv4(this.bytes, F.SPA[0], ip);
  }
  get tha(): Mac {
    return readMac(this.bytes, F.THA[0]);
  }
  set tha(m: Mac) {
    writeMac(this.bytes, F.THA[0], m);
  }
  get tpa(): Ipv4 {
    return readIpv4(this.bytes, F.TPA[0]);
  }
  set tpa(ip: Ipv4) {
    writeIpv4(this.bytes, F.TPA[0], ip);
  }
}

export const ArpRepr = {
  parse(p: ArpPacket): Parsed<ArpRepr> {
    return ok({ htype: p.htype, ptype: p.ptype, op: p.op, sha: p.sha, spa: p.spa, tha: p.tha, tpa: p.tpa });
  },

  bufferLen(_repr: ArpRepr): number {
    return ARP_LEN;
  },

  emit(repr: ArpRepr, buf: Uint8Array, offset = 0): void {
    const p = new ArpPacket(buf.subarray(offset, offset + ARP_LEN));
    p.htype = repr.htype;
    p.ptype = repr.ptype;
    buf[offset + F.HLEN[0]] = 6;
    buf[offset + F.PLEN[0]] = 4;
    p.op = repr.op;
    p.sha = repr.sha;
    p.spa = repr.spa;
    p.tha = repr.tha;
    p.tpa = repr.tpa;
  },
};

export function parseArp(bytes: Uint8Array, base = 0): Parsed<ArpRepr> {
  const p = ArpPacket.checked(bytes, base);
  return p.ok ? ArpRepr.parse(p.value) : p;
}
