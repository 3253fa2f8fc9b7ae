// A Scapy-like frame builder for tests, scenarios and the CLI:
//
//   ether({ src, dst }).ipv4({ src, dst }).udp({ sport, dport: 6081 })
//     .geneve({ vni: 100, options: [hostLoc] }).ether({ ... }).arp({ ... }).build()
//
// Every layer is immutable; each call returns a new builder. Lengths, checksums, EtherTypes,
// IP protocols and the Geneve protocol are filled in at build time from the layers around
// them, and every one of those can be given explicitly to build malformed frames.

import { type Ipv4, type Mac, MAC_ZERO, ipv4, mac } from './addr.ts';
import { ARP_HTYPE_ETHERNET, ARP_LEN, ARP_PTYPE_IPV4, ArpOp, ArpRepr } from './arp.ts';
import { ipv4HeaderChecksum, tcpChecksum, udpChecksum } from './checksum.ts';
import { ETHERNET_HEADER_LEN, EtherType, EthernetRepr, VLAN_TAG_LEN } from './ethernet.ts';
import {
  type GeneveOption,
  ETH_P_TEB,
  GENEVE_HEADER_LEN,
  GENEVE_UDP_PORT,
  GeneveHeader,
  GeneveRepr,
  geneveOptionsLen,
  isCriticalOption,
} from './geneve.ts';
import { type TwinplaneOption, encodeTwinplaneOption } from './geneve-options.ts';
import { ICMP_HEADER_LEN, IcmpPacket, IcmpType } from './icmp.ts';
import { IpProtocol, Ipv4Packet, Ipv4Repr, ipv4HeaderLen } from './ipv4.ts';
import { TcpFlag, TcpPacket, TcpRepr, tcpHeaderLen } from './tcp.ts';
import { UDP_HEADER_LEN, UdpPacket, UdpRepr } from './udp.ts';
import { allocBuffer } from '../dataplane/parse.ts';

type MacLike = Mac | string;
type Ipv4Like = Ipv4 | string;

export interface EtherSpec {
  readonly src: MacLike;
  readonly dst: MacLike;
  /** Inferred from the next layer (IPv4, ARP); required when nothing follows that says. */
  readonly type?: number;
  readonly vlan?: { readonly vid: number; readonly pcp?: number; readonly dei?: boolean; readonly tpid?: number };
}

export interface Ipv4Spec {
  readonly src: Ipv4Like;
  readonly dst: Ipv4Like;
  readonly ttl?: number;
  readonly id?: number;
  readonly df?: boolean;
  readonly mf?: boolean;
  readonly reservedFlag?: boolean;
  readonly fragOffset?: number;
  readonly tos?: number;
  readonly options?: Uint8Array;
  /** Inferred from the next layer (UDP, TCP, ICMP). */
  readonly proto?: number;
  /** Overrides; each defaults to the true value. */
  readonly totalLength?: number;
  readonly ihl?: number;
  readonly version?: number;
  readonly checksum?: number;
}

export interface UdpSpec {
  readonly sport: number;
  /** Defaults to 6081 when Geneve follows. */
  readonly dport?: number;
  readonly length?: number;
  /** Defaults to the correct checksum; give 0 for "none". */
  readonly checksum?: number;
}

export interface TcpSpec {
  readonly sport: number;
  readonly dport: number;
  readonly seq?: number;
  readonly ack?: number;
  /** TcpFlag bits, or Scapy letters: 'S', 'SA', 'PA', 'FA', 'R' (A=ACK, P=PSH, U=URG, E=ECE, C=CWR). */
  readonly flags?: number | string;
  readonly window?: number;
  readonly urgent?: number;
  readonly options?: Uint8Array;
  readonly dataOffset?: number;
  readonly checksum?: number;
}

export type GeneveOptionSpec = GeneveOption | TwinplaneOption;

export interface GeneveSpec {
  readonly vni: number;
  readonly options?: readonly GeneveOptionSpec[];
  /** 0x0800 before IPv4, otherwise ETH_P_TEB (the overlay's inner Ethernet). */
  readonly protocol?: number;
  /** Overrides the opt_len the options give, to build a header that lies about them. */
  readonly optLen?: number;
  readonly version?: number;
  readonly oam?: boolean;
  /** Defaults to whether any option has the critical bit. */
  readonly critical?: boolean;
  readonly reservedFlags?: number;
  readonly reserved?: number;
}

export interface ArpSpec {
  readonly op: number | 'request' | 'reply';
  readonly sha: MacLike;
  readonly spa: Ipv4Like;
  readonly tha?: MacLike;
  readonly tpa: Ipv4Like;
  readonly htype?: number;
  readonly ptype?: number;
}

export interface IcmpEchoSpec {
  readonly type?: 'request' | 'reply' | number;
  readonly id: number;
  readonly seq: number;
  readonly code?: number;
  readonly checksum?: number;
}

/** Any ICMP message: the data (e.g. a quoted datagram) comes from the next layers. */
export interface IcmpSpec {
  readonly type: number;
  readonly code?: number;
  readonly rest?: number;
  readonly checksum?: number;
}

type Layer =
  | { readonly kind: 'ether'; readonly spec: EtherSpec }
  | { readonly kind: 'ipv4'; readonly spec: Ipv4Spec }
  | { readonly kind: 'udp'; readonly spec: UdpSpec }
  | { readonly kind: 'tcp'; readonly spec: TcpSpec }
  | { readonly kind: 'geneve'; readonly spec: GeneveSpec }
  | { readonly kind: 'arp'; readonly spec: ArpSpec }
  | { readonly kind: 'icmpEcho'; readonly spec: IcmpEchoSpec }
  | { readonly kind: 'icmp'; readonly spec: IcmpSpec }
  | { readonly kind: 'payload'; readonly bytes: Uint8Array };

const toMac = (m: MacLike): Mac => (typeof m === 'string' ? mac(m) : m);
const toIp = (a: Ipv4Like): Ipv4 => (typeof a === 'string' ? ipv4(a) : a >>> 0);

const TCP_FLAG_LETTERS: Record<string, number> = {
  F: TcpFlag.FIN,
  S: TcpFlag.SYN,
  R: TcpFlag.RST,
  P: TcpFlag.PSH,
  A: TcpFlag.ACK,
  U: TcpFlag.URG,
  E: TcpFlag.ECE,
  C: TcpFlag.CWR,
  N: TcpFlag.NS,
};

function tcpFlags(f: number | string | undefined): number {
  if (f === undefined) return 0;
  if (typeof f === 'number') return f;
  let v = 0;
  for (const ch of f) {
    const bit = TCP_FLAG_LETTERS[ch];
    if (bit === undefined) throw new Error(`unknown TCP flag letter ${JSON.stringify(ch)} in ${JSON.stringify(f)}`);
    v |= bit;
  }
  return v;
}

export class PacketBuilder {
  constructor(private readonly layers: readonly Layer[] = []) {}

  private with(layer: Layer): PacketBuilder {
    return new PacketBuilder([...this.layers, layer]);
  }

  ether(spec: EtherSpec): PacketBuilder {
    return this.with({ kind: 'ether', spec });
  }
  ipv4(spec: Ipv4Spec): PacketBuilder {
    return this.with({ kind: 'ipv4', spec });
  }
  udp(spec: UdpSpec): PacketBuilder {
    return this.with({ kind: 'udp', spec });
  }
  tcp(spec: TcpSpec): PacketBuilder {
    return this.with({ kind: 'tcp', spec });
  }
  geneve(spec: GeneveSpec): PacketBuilder {
    return this.with({ kind: 'geneve', spec });
  }
  arp(spec: ArpSpec): PacketBuilder {
    return this.with({ kind: 'arp', spec });
  }
  icmpEcho(spec: IcmpEchoSpec): PacketBuilder {
    return this.with({ kind: 'icmpEcho', spec });
  }
  icmp(spec: IcmpSpec): PacketBuilder {
    return this.with({ kind: 'icmp', spec });
  }
  /** Raw bytes, or a string sent as UTF-8. */
  payload(data: Uint8Array | string): PacketBuilder {
    return this.with({ kind: 'payload', bytes: typeof data === 'string' ? UTF8.encode(data) : data });
  }

  /**
   * One buffer for the whole frame, each layer's header length known from its spec alone;
   * then the layers are written from the innermost outwards, in place, so every length and
   * checksum covers what follows it.
   */
  build(): Uint8Array {
    const n = this.layers.length;
    const options = this.layers.map((l) => (l.kind === 'geneve' ? geneveOptions(l.spec) : undefined));
    const offs: number[] = new Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      offs[i] = total;
      total += headerLen(this.layers[i], options[i]);
    }
    // Carved from the model's packet slab, as its runs' outputs are: a fresh Uint8Array is
    // either off-heap (an allocation of its own) or, up to 64 bytes, on-heap and moved off
    // it by the first view the layers make, and either costs more than the encoding.
    const out = allocBuffer(total);
    for (let i = n - 1; i >= 0; i--) this.encode(i, out, offs[i], options[i]);
    return out;
  }

  /** Writes layer i at `off`; everything after it (its payload) is already in place. */
  private encode(i: number, out: Uint8Array, off: number, options: GeneveOption[] | undefined): void {
    const layer = this.layers[i];
    const next = this.layers[i + 1];
    switch (layer.kind) {
      case 'ether':
        return encodeEther(layer.spec, next, out, off);
      case 'ipv4':
        return encodeIpv4(layer.spec, next, from(out, off));
      case 'udp':
        return encodeUdp(layer.spec, next, from(out, off), this.enclosingIp(i));
      case 'tcp':
        return encodeTcp(layer.spec, from(out, off), this.enclosingIp(i));
      case 'geneve':
        return encodeGeneve(layer.spec, options!, next, out, off);
      case 'arp':
        return ArpRepr.emit(arpRepr(layer.spec), out, off);
      case 'icmpEcho':
        return encodeIcmp(
          echoType(layer.spec.type),
          layer.spec.code ?? 0,
          ((layer.spec.id & 0xffff) << 16) | (layer.spec.seq & 0xffff),
          layer.spec.checksum,
          from(out, off),
        );
      case 'icmp':
        return encodeIcmp(layer.spec.type, layer.spec.code ?? 0, layer.spec.rest ?? 0, layer.spec.checksum, from(out, off));
      case 'payload':
        return out.set(layer.bytes, off);
    }
  }

  /** The IPv4 addresses a UDP/TCP pseudo-header uses: the nearest IPv4 layer outside it. */
  private enclosingIp(i: number): { src: Ipv4; dst: Ipv4 } | undefined {
    for (let j = i - 1; j >= 0; j--) {
      const l = this.layers[j];
      if (l.kind === 'ipv4') return { src: toIp(l.spec.src), dst: toIp(l.spec.dst) };
    }
    return undefined;
  }
}

export function packet(): PacketBuilder {
  return new PacketBuilder();
}
export function ether(spec: EtherSpec): PacketBuilder {
  return packet().ether(spec);
}
/** Starts at IPv4, for what an XDP program sees after the Ethernet header or for quoting. */
export function ip(spec: Ipv4Spec): PacketBuilder {
  return packet().ipv4(spec);
}

const UTF8 = new TextEncoder();

/** A layer's own bytes (its header; a payload's data), before whatever follows it. */
function headerLen(l: Layer, options: GeneveOption[] | undefined): number {
  switch (l.kind) {
    case 'ether':
      return ETHERNET_HEADER_LEN + (l.spec.vlan ? VLAN_TAG_LEN : 0);
    case 'ipv4':
      return ipv4HeaderLen(l.spec.options?.length ?? 0);
    case 'udp':
      return UDP_HEADER_LEN;
    case 'tcp':
      return tcpHeaderLen(l.spec.options?.length ?? 0);
    case 'geneve':
      return GENEVE_HEADER_LEN + geneveOptionsLen(options!);
    case 'arp':
      return ARP_LEN;
    case 'icmpEcho':
    case 'icmp':
      return ICMP_HEADER_LEN;
    case 'payload':
      return l.bytes.length;
  }
}

const NO_BYTES = new Uint8Array(0);

/** `out` from byte `off` on: a view built on the buffer (subarray() looks up the species and costs more). */
function from(out: Uint8Array, off: number): Uint8Array {
  return new Uint8Array(out.buffer, out.byteOffset + off, out.length - off);
}

function echoType(t: IcmpEchoSpec['type']): number {
  if (t === undefined || t === 'request') return IcmpType.EchoRequest;
  if (t === 'reply') return IcmpType.EchoReply;
  return t;
}

function infer(what: string, value: number | undefined, next: Layer | undefined, table: Partial<Record<Layer['kind'], number>>): number {
  if (value !== undefined) return value;
  const v = next ? table[next.kind] : undefined;
  if (v === undefined) throw new Error(`builder: ${what} cannot be inferred from ${next ? next.kind : 'nothing'}; give it explicitly`);
  return v;
}

function encodeEther(spec: EtherSpec, next: Layer | undefined, out: Uint8Array, off: number): void {
  const etherType = infer('ether type', spec.type, next, { ipv4: EtherType.IPv4, arp: EtherType.ARP });
  const base = { dst: toMac(spec.dst), src: toMac(spec.src), etherType };
  const v = spec.vlan;
  const repr: EthernetRepr = v
    ? { ...base, vlan: { tpid: v.tpid ?? EtherType.VLAN, pcp: v.pcp ?? 0, dei: v.dei ?? false, vid: v.vid } }
    : base;
  EthernetRepr.emit(repr, out, off);
}

/** `out`: this header, then its payload (already written) to the end. */
function encodeIpv4(spec: Ipv4Spec, next: Layer | undefined, out: Uint8Array): void {
  const protocol = infer('IPv4 protocol', spec.proto, next, {
    udp: IpProtocol.UDP,
    tcp: IpProtocol.TCP,
    icmp: IpProtocol.ICMP,
    icmpEcho: IpProtocol.ICMP,
  });
  const options = spec.options ?? NO_BYTES;
  const hl = ipv4HeaderLen(options.length);
  const repr: Ipv4Repr = {
    tos: spec.tos ?? 0,
    ident: spec.id ?? 0,
    df: spec.df ?? false,
    mf: spec.mf ?? false,
    reservedFlag: spec.reservedFlag ?? false,
    fragOffset: spec.fragOffset ?? 0,
    ttl: spec.ttl ?? 64,
    protocol,
    src: toIp(spec.src),
    dst: toIp(spec.dst),
    options,
    payloadLen: out.length - hl,
  };
  Ipv4Repr.emit(repr, out, 0); // with the checksum of the true header
  if (spec.version === undefined && spec.ihl === undefined && spec.totalLength === undefined && spec.checksum === undefined) return;
  const p = new Ipv4Packet(out);
  if (spec.version !== undefined) p.version = spec.version;
  if (spec.ihl !== undefined) p.ihl = spec.ihl;
  if (spec.totalLength !== undefined) p.totalLen = spec.totalLength;
  if (spec.checksum !== undefined) {
    p.checksum = spec.checksum;
  } else {
    // "Correct" for a lying IHL means what a receiver trusting that IHL would compute.
    const claimed = p.headerLen;
    const covered = claimed >= 20 && claimed <= out.length ? claimed : hl;
    p.checksum = ipv4HeaderChecksum(out.subarray(0, covered));
  }
}

/** `out`: this header, then its payload (already written) to the end. */
function encodeUdp(spec: UdpSpec, next: Layer | undefined, out: Uint8Array, ipAddrs: { src: Ipv4; dst: Ipv4 } | undefined): void {
  const dstPort = spec.dport ?? (next?.kind === 'geneve' ? GENEVE_UDP_PORT : undefined);
  if (dstPort === undefined) throw new Error('builder: udp dport is needed unless Geneve follows');
  UdpRepr.emit({ srcPort: spec.sport, dstPort, payloadLen: out.length - UDP_HEADER_LEN, checksum: 0 }, out, 0);
  const p = new UdpPacket(out);
  if (spec.checksum !== undefined) p.checksum = spec.checksum;
  else if (ipAddrs) p.checksum = udpChecksum(ipAddrs.src, ipAddrs.dst, out);
  // The length is set last so that a lying length does not change what the checksum covers.
  if (spec.length !== undefined) p.length = spec.length;
}

/** `out`: this header, then its payload (already written) to the end. */
function encodeTcp(spec: TcpSpec, out: Uint8Array, ipAddrs: { src: Ipv4; dst: Ipv4 } | undefined): void {
  const repr: TcpRepr = {
    srcPort: spec.sport,
    dstPort: spec.dport,
    seq: spec.seq ?? 0,
    ack: spec.ack ?? 0,
    flags: tcpFlags(spec.flags),
    window: spec.window ?? 65535,
    checksum: 0,
    urgent: spec.urgent ?? 0,
    options: spec.options ?? NO_BYTES,
  };
  TcpRepr.emit(repr, out, 0);
  const p = new TcpPacket(out);
  if (spec.dataOffset !== undefined) p.dataOffset = spec.dataOffset;
  if (spec.checksum !== undefined) p.checksum = spec.checksum;
  else if (ipAddrs) p.checksum = tcpChecksum(ipAddrs.src, ipAddrs.dst, out);
}

/** The Geneve layer's options, encoded (its header length depends on them). */
function geneveOptions(spec: GeneveSpec): GeneveOption[] {
  return (spec.options ?? []).map((o): GeneveOption => ('kind' in o ? encodeTwinplaneOption(o) : o));
}

function encodeGeneve(spec: GeneveSpec, options: GeneveOption[], next: Layer | undefined, out: Uint8Array, off: number): void {
  const repr: GeneveRepr = {
    version: spec.version ?? 0,
    oam: spec.oam ?? false,
    critical: spec.critical ?? options.some((o) => isCriticalOption(o.type)),
    reservedFlags: spec.reservedFlags ?? 0,
    protocol: spec.protocol ?? (next?.kind === 'ipv4' ? EtherType.IPv4 : ETH_P_TEB),
    vni: spec.vni,
    reserved: spec.reserved ?? 0,
    options,
  };
  GeneveRepr.emit(repr, out, off);
  if (spec.optLen !== undefined) new GeneveHeader(out.subarray(off)).optLen = spec.optLen;
}

function arpRepr(spec: ArpSpec): ArpRepr {
  const op = spec.op === 'request' ? ArpOp.Request : spec.op === 'reply' ? ArpOp.Reply : spec.op;
  return {
    htype: spec.htype ?? ARP_HTYPE_ETHERNET,
    ptype: spec.ptype ?? ARP_PTYPE_IPV4,
    op,
    sha: toMac(spec.sha),
    spa: toIp(spec.spa),
    tha: spec.tha === undefined ? MAC_ZERO : toMac(spec.tha),
    tpa: toIp(spec.tpa),
  };
}

/** `out`: this header, then its data (already written) to the end. */
function encodeIcmp(type: number, code: number, rest: number, checksum: number | undefined, out: Uint8Array): void {
  const p = new IcmpPacket(out);
  p.type = type;
  p.code = code;
  p.rest = rest;
  p.checksum = checksum ?? p.computeChecksum();
}
