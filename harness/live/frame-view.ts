// What live mode compares of a frame, read through the model's own codecs (model/wire):
// a Geneve frame's outer fields, our two options and the inner frame, or a pod's own
// frame. Captured bytes and the model's predicted output go through the same views, so a
// difference is a difference of the packets, never of two decoders. Never reads past the
// frame: the codecs' `check` bounds every view before a field is read, and a short or odd
// frame yields undefined or a partial summary.
import { ipv4ToString, macToString } from '../../model/wire/addr.ts';
import { ArpPacket } from '../../model/wire/arp.ts';
import { EtherType, EthernetFrame } from '../../model/wire/ethernet.ts';
import { GENEVE_UDP_PORT, GeneveHeader, walkGeneveOptions } from '../../model/wire/geneve.ts';
import { decodeTwinplaneOption } from '../../model/wire/geneve-options.ts';
import { IcmpPacket } from '../../model/wire/icmp.ts';
import { IpProtocol, Ipv4Packet } from '../../model/wire/ipv4.ts';
import { TcpPacket } from '../../model/wire/tcp.ts';
import { UdpPacket } from '../../model/wire/udp.ts';

export interface InnerSummary {
  readonly kind: 'arp' | 'ipv4' | 'other';
  readonly srcMac: string;
  readonly dstMac: string;
  /** Bytes of the frame (inner frame: from its Ethernet header to the end of the outer UDP). */
  readonly len: number;
  /** An 802.1Q tag's VLAN id, when the frame carries one. */
  readonly vlan?: number;
  /** ARP: operation, sender/target protocol addresses, sender hardware address. */
  readonly op?: number;
  readonly spa?: string;
  readonly tpa?: string;
  readonly sha?: string;
  readonly saddr?: string;
  readonly daddr?: string;
  readonly proto?: number;
  readonly ttl?: number;
  /** IPv4 more-fragments flag and fragment offset in bytes: a pod's kernel fragments at its MTU. */
  readonly mf?: boolean;
  readonly fragOffset?: number;
  readonly icmpType?: number;
  readonly icmpSeq?: number;
  readonly sport?: number;
  readonly dport?: number;
  /** TCP flags byte (FIN 1, SYN 2, RST 4, PSH 8, ACK 16). */
  readonly tcpFlags?: number;
  /** Bytes of L4 payload (TCP/UDP data, ICMP echo data). */
  readonly payloadLen?: number;
  /** Fields no rewrite of ours touches, for following one packet across hops. */
  readonly ipId?: number;
  readonly icmpId?: number;
  readonly tcpSeq?: number;
  readonly tcpAck?: number;
}

export interface HostLocOpt {
  readonly ip: string;
  readonly mac: string;
}

export interface SvcOpt {
  readonly vip: string;
  readonly backend: string;
  readonly vipPort: number;
  readonly backendPort: number;
  readonly proto: number;
  readonly backendHost: string;
}

export interface GeneveSummary {
  readonly srcMac: string;
  readonly dstMac: string;
  readonly srcIp: string;
  readonly dstIp: string;
  readonly ttl: number;
  readonly sport: number;
  readonly vni: number;
  /** Bytes of the whole frame on the wire. */
  readonly len: number;
  readonly hostLoc?: HostLocOpt;
  readonly svc?: SvcOpt;
  readonly inner: InnerSummary;
}

function l4(ip: Ipv4Packet): Partial<InnerSummary> {
  // A fragment past the first has no L4 header; the first one's header is read as usual.
  if (ip.fragOffset > 0) return {};
  const seg = ip.payload;
  if (ip.protocol === IpProtocol.ICMP) {
    const p = new IcmpPacket(seg);
    if (p.check()) return {};
    return { icmpType: p.type, icmpId: p.echoIdent, icmpSeq: p.echoSeq, payloadLen: p.data.length };
  }
  if (ip.protocol === IpProtocol.UDP) {
    const p = new UdpPacket(seg);
    if (p.check()) return {};
    return { sport: p.srcPort, dport: p.dstPort, payloadLen: Math.max(0, Math.min(p.length, seg.length) - 8) };
  }
  if (ip.protocol === IpProtocol.TCP) {
    const p = new TcpPacket(seg);
    if (p.check()) return {};
    return {
      sport: p.srcPort,
      dport: p.dstPort,
      tcpFlags: p.flags & 0x3f,
      tcpSeq: p.seq,
      tcpAck: p.ack,
      payloadLen: p.payload.length,
    };
  }
  return {};
}

/** The Ethernet frame at `off` (an inner frame, or a pod's own frame). */
export function summarizeInner(b: Uint8Array, off = 0): InnerSummary | undefined {
  const f = new EthernetFrame(b.subarray(off));
  if (f.check()) return undefined;
  const vlan = f.vlan;
  const base = {
    srcMac: macToString(f.src),
    dstMac: macToString(f.dst),
    len: b.length - off,
    ...(vlan ? { vlan: vlan.vid } : {}),
  };
  if (f.etherType === EtherType.ARP) {
    const a = new ArpPacket(f.payload);
    if (a.check()) return { kind: 'other', ...base };
    return { kind: 'arp', ...base, op: a.op, sha: macToString(a.sha), spa: ipv4ToString(a.spa), tpa: ipv4ToString(a.tpa) };
  }
  if (f.etherType !== EtherType.IPv4) return { kind: 'other', ...base };
  const ip = new Ipv4Packet(f.payload);
  if (ip.check() || ip.version !== 4) return { kind: 'other', ...base };
  return {
    kind: 'ipv4',
    ...base,
    saddr: ipv4ToString(ip.src),
    daddr: ipv4ToString(ip.dst),
    proto: ip.protocol,
    ttl: ip.ttl,
    ipId: ip.ident,
    mf: ip.mf,
    fragOffset: ip.fragOffset * 8,
    ...l4(ip),
  };
}

/**
 * A Geneve frame (outer Ethernet/IPv4/UDP 6081); undefined for anything else. Our options
 * are read in `optionClass` (the cluster's, default 0xFFF0).
 */
export function summarizeGeneve(b: Uint8Array, optionClass?: number): GeneveSummary | undefined {
  const eth = new EthernetFrame(b);
  if (eth.check() || eth.tagged || eth.etherType !== EtherType.IPv4) return undefined;
  const ip = new Ipv4Packet(eth.payload);
  if (ip.check() || ip.protocol !== IpProtocol.UDP || ip.fragOffset > 0 || ip.mf) return undefined;
  const udp = new UdpPacket(ip.payload);
  if (udp.check() || udp.dstPort !== GENEVE_UDP_PORT) return undefined;
  const gnv = new GeneveHeader(udp.payload);
  if (gnv.check()) return undefined;
  let hostLoc: HostLocOpt | undefined;
  let svc: SvcOpt | undefined;
  for (const o of walkGeneveOptions(gnv.optionBytes).options) {
    const d = decodeTwinplaneOption(o, 0, optionClass);
    if (!d?.ok) continue;
    const v = d.value;
    if (v.kind === 'host-location') hostLoc = { ip: ipv4ToString(v.hostIp), mac: macToString(v.hostMac) };
    else
      svc = {
        vip: ipv4ToString(v.vip),
        backend: ipv4ToString(v.backendIp),
        vipPort: v.vipPort,
        backendPort: v.backendPort,
        proto: v.protocol,
        backendHost: ipv4ToString(v.backendHostIp),
      };
  }
  const innerOff = b.length - gnv.payload.length;
  const inner = summarizeInner(b.subarray(0, innerOff + gnv.payload.length), innerOff);
  if (!inner) return undefined;
  return {
    srcMac: macToString(eth.src),
    dstMac: macToString(eth.dst),
    srcIp: ipv4ToString(ip.src),
    dstIp: ipv4ToString(ip.dst),
    ttl: ip.ttl,
    sport: udp.srcPort,
    vni: gnv.vni,
    len: b.length,
    ...(hostLoc ? { hostLoc } : {}),
    ...(svc ? { svc } : {}),
    inner,
  };
}

/**
 * What identifies "the same packet" between the model's run and the kernel's stack, leaving
 * out what must vary (IP ids, ICMP ids, TCP sequence numbers, checksums): ARP by operation
 * and addresses; ICMP by addresses, type and sequence; TCP by addresses, ports and the
 * SYN/FIN/RST flags plus whether it carries data; UDP by addresses and ports. Addresses are
 * the ones the packet had when its sender's pod sent it.
 */
export function shapeKey(i: InnerSummary): string {
  if (i.kind === 'arp') return `arp ${i.op} ${i.spa}>${i.tpa}`;
  if (i.kind !== 'ipv4') return `other ${i.srcMac}>${i.dstMac}${i.vlan !== undefined ? ` vlan ${i.vlan}` : ''}`;
  const a = `${i.saddr}>${i.daddr}`;
  if (i.fragOffset) return `fragment ${a} proto ${i.proto} at ${i.fragOffset}`;
  if (i.proto === 1) return `icmp ${a} type ${i.icmpType} seq ${i.icmpSeq}`;
  if (i.proto === 6) return `tcp ${a} ${i.sport}>${i.dport} ${tcpShape(i.tcpFlags ?? 0, i.payloadLen ?? 0)}`;
  if (i.proto === 17) return `udp ${a} ${i.sport}>${i.dport}`;
  return `ip ${a} proto ${i.proto}`;
}

function tcpShape(flags: number, len: number): string {
  if (flags & 0x04) return 'RST';
  if (flags & 0x02) return flags & 0x10 ? 'SYN-ACK' : 'SYN';
  if (flags & 0x01) return 'FIN';
  return len > 0 ? 'DATA' : 'ACK';
}

/** One line for reports: `ICMP 10.0.0.10 > 10.0.0.11 echo-request seq 1`. */
export function innerLine(i: InnerSummary): string {
  if (i.kind === 'arp') return `ARP ${i.op === 1 ? 'who-has' : 'reply'} ${i.tpa} from ${i.spa}${i.op === 2 ? ` is-at ${i.sha}` : ''}`;
  if (i.kind !== 'ipv4') return `frame ${i.srcMac} > ${i.dstMac}${i.vlan !== undefined ? ` vlan ${i.vlan}` : ''}`;
  const a = `${i.saddr} > ${i.daddr}`;
  const frag = i.mf || i.fragOffset ? ` (fragment at ${i.fragOffset}${i.mf ? ', more' : ''})` : '';
  if (i.fragOffset) return `IPv4 ${a} proto ${i.proto}${frag}`;
  if (i.proto === 1)
    return `ICMP ${a} ${i.icmpType === 8 ? 'echo-request' : i.icmpType === 0 ? 'echo-reply' : `type ${i.icmpType}`} seq ${i.icmpSeq}${frag}`;
  if (i.proto === 6) return `TCP ${i.saddr}:${i.sport} > ${i.daddr}:${i.dport} ${tcpShape(i.tcpFlags ?? 0, i.payloadLen ?? 0)}${frag}`;
  if (i.proto === 17) return `UDP ${i.saddr}:${i.sport} > ${i.daddr}:${i.dport}${frag}`;
  return `IPv4 ${a} proto ${i.proto}${frag}`;
}

/**
 * Follows one packet across hops and rewrites: only fields our programs never change (a
 * service rewrite changes the destination, an un-NAT the source). An ARP reply gets the key
 * of the request it answers, so a resolution is one packet, as in the model's paths.
 */
export function identityKey(i: InnerSummary): string {
  if (i.kind === 'arp') return i.op === 2 ? `arp ${i.tpa}?${i.spa}` : `arp ${i.spa}?${i.tpa}`;
  if (i.kind !== 'ipv4') return `other ${i.srcMac}>${i.dstMac} ${i.len}`;
  // The IP id tells a retransmission (same TCP sequence number) from the original; the
  // fragment offset tells the fragments of one datagram apart.
  const frag = i.mf || i.fragOffset ? ` frag ${i.fragOffset}` : '';
  if (i.fragOffset) return `ip ${i.proto} ${i.ipId}${frag}`;
  if (i.proto === 1) return `icmp ${i.icmpType} ${i.icmpId} ${i.icmpSeq} ${i.ipId}${frag}`;
  if (i.proto === 6) return `tcp ${i.tcpSeq} ${i.tcpAck} ${i.tcpFlags} ${i.ipId}`;
  return `ip ${i.proto} ${i.ipId} ${i.payloadLen}${frag}`;
}
