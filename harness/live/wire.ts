// Reading what crossed the wire: a Geneve frame's outer fields, our two options and the
// inner frame, from captured bytes or from the model's predicted output. Only what live
// mode compares is decoded (the model's codecs do the full job in reports). Never reads
// past the frame: a short or odd frame yields undefined or a partial summary.

import { GENEVE_CLASS_TWINPLANE } from '../../model/wire/geneve-options.ts';

export interface InnerSummary {
  readonly kind: 'arp' | 'ipv4' | 'other';
  readonly srcMac: string;
  readonly dstMac: string;
  /** ARP: operation, sender/target protocol addresses, sender hardware address. */
  readonly op?: number;
  readonly spa?: string;
  readonly tpa?: string;
  readonly sha?: string;
  readonly saddr?: string;
  readonly daddr?: string;
  readonly proto?: number;
  readonly ttl?: number;
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
  readonly hostLoc?: HostLocOpt;
  readonly svc?: SvcOpt;
  readonly inner: InnerSummary;
}

const mac = (b: Uint8Array, o: number): string => Array.from(b.subarray(o, o + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
const ip4 = (b: Uint8Array, o: number): string => Array.from(b.subarray(o, o + 4)).join('.');
const u16 = (b: Uint8Array, o: number): number => (b[o] << 8) | b[o + 1];
const u32 = (b: Uint8Array, o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

/** The Ethernet frame at `off` (an inner frame, or a pod's own frame). */
export function summarizeInner(b: Uint8Array, off = 0): InnerSummary | undefined {
  if (b.length < off + 14) return undefined;
  const base = { srcMac: mac(b, off + 6), dstMac: mac(b, off) };
  const type = u16(b, off + 12);
  const l3 = off + 14;
  if (type === 0x0806) {
    if (b.length < l3 + 28) return { kind: 'other', ...base };
    return { kind: 'arp', ...base, op: u16(b, l3 + 6), sha: mac(b, l3 + 8), spa: ip4(b, l3 + 14), tpa: ip4(b, l3 + 24) };
  }
  if (type !== 0x0800 || b.length < l3 + 20) return { kind: 'other', ...base };
  const ihl = (b[l3] & 0x0f) * 4;
  const total = u16(b, l3 + 2);
  const end = Math.min(b.length, l3 + total);
  const proto = b[l3 + 9];
  const l4 = l3 + ihl;
  const ip = {
    kind: 'ipv4' as const,
    ...base,
    saddr: ip4(b, l3 + 12),
    daddr: ip4(b, l3 + 16),
    proto,
    ttl: b[l3 + 8],
    ipId: u16(b, l3 + 4),
  };
  if (proto === 1 && end >= l4 + 8)
    return { ...ip, icmpType: b[l4], icmpId: u16(b, l4 + 4), icmpSeq: u16(b, l4 + 6), payloadLen: end - l4 - 8 };
  if (proto === 17 && end >= l4 + 8) return { ...ip, sport: u16(b, l4), dport: u16(b, l4 + 2), payloadLen: end - l4 - 8 };
  if (proto === 6 && end >= l4 + 20) {
    const doff = (b[l4 + 12] >> 4) * 4;
    return {
      ...ip,
      sport: u16(b, l4),
      dport: u16(b, l4 + 2),
      tcpFlags: b[l4 + 13] & 0x3f,
      tcpSeq: u32(b, l4 + 4),
      tcpAck: u32(b, l4 + 8),
      payloadLen: Math.max(0, end - l4 - doff),
    };
  }
  return ip;
}

const OUR_CLASS = GENEVE_CLASS_TWINPLANE;

/** A Geneve frame (outer Ethernet/IPv4/UDP 6081); undefined for anything else. */
export function summarizeGeneve(b: Uint8Array): GeneveSummary | undefined {
  if (b.length < 34 || u16(b, 12) !== 0x0800 || b[23] !== 17) return undefined;
  const ihl = (b[14] & 0x0f) * 4;
  const udp = 14 + ihl;
  if (ihl < 20 || b.length < udp + 16 || u16(b, udp + 2) !== 6081) return undefined;
  const g = udp + 8;
  const optLen = (b[g] & 0x3f) * 4;
  const innerOff = g + 8 + optLen;
  if (b.length < innerOff) return undefined;
  let hostLoc: HostLocOpt | undefined;
  let svc: SvcOpt | undefined;
  // Bounded by the option area: each option moves at least 4 bytes forward.
  for (let o = g + 8; o + 4 <= g + 8 + optLen;) {
    const cls = u16(b, o);
    const type = b[o + 2];
    const len = (b[o + 3] & 0x1f) * 4;
    const d = o + 4;
    if (d + len > g + 8 + optLen) break;
    if (cls === OUR_CLASS && type === 0x01 && len >= 10) hostLoc = { ip: ip4(b, d), mac: mac(b, d + 4) };
    if (cls === OUR_CLASS && type === 0x82 && len >= 30) {
      svc = {
        vip: ip4(b, d),
        backend: ip4(b, d + 4),
        vipPort: u16(b, d + 8),
        backendPort: u16(b, d + 10),
        proto: b[d + 12],
        backendHost: ip4(b, d + 20),
      };
    }
    o = d + len;
  }
  const inner = summarizeInner(b, innerOff);
  if (!inner) return undefined;
  return {
    srcMac: mac(b, 6),
    dstMac: mac(b, 0),
    srcIp: ip4(b, 26),
    dstIp: ip4(b, 30),
    ttl: b[22],
    sport: u16(b, udp),
    vni: (b[g + 4] << 16) | (b[g + 5] << 8) | b[g + 6],
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
  if (i.kind !== 'ipv4') return `other ${i.srcMac}>${i.dstMac}`;
  const a = `${i.saddr}>${i.daddr}`;
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
  if (i.kind !== 'ipv4') return `frame ${i.srcMac} > ${i.dstMac}`;
  const a = `${i.saddr} > ${i.daddr}`;
  if (i.proto === 1)
    return `ICMP ${a} ${i.icmpType === 8 ? 'echo-request' : i.icmpType === 0 ? 'echo-reply' : `type ${i.icmpType}`} seq ${i.icmpSeq}`;
  if (i.proto === 6) return `TCP ${i.saddr}:${i.sport} > ${i.daddr}:${i.dport} ${tcpShape(i.tcpFlags ?? 0, i.payloadLen ?? 0)}`;
  if (i.proto === 17) return `UDP ${i.saddr}:${i.sport} > ${i.daddr}:${i.dport}`;
  return `IPv4 ${a} proto ${i.proto}`;
}

/**
 * Follows one packet across hops and rewrites: only fields our programs never change (a
 * service rewrite changes the destination, an un-NAT the source). An ARP reply gets the key
 * of the request it answers, so a resolution is one packet, as in the model's paths.
 */
export function identityKey(i: InnerSummary): string {
  if (i.kind === 'arp') return i.op === 2 ? `arp ${i.tpa}?${i.spa}` : `arp ${i.spa}?${i.tpa}`;
  if (i.kind !== 'ipv4') return `other ${i.srcMac}>${i.dstMac}`;
  // The IP id tells a retransmission (same TCP sequence number) from the original.
  if (i.proto === 1) return `icmp ${i.icmpType} ${i.icmpId} ${i.icmpSeq} ${i.ipId}`;
  if (i.proto === 6) return `tcp ${i.tcpSeq} ${i.tcpAck} ${i.tcpFlags} ${i.ipId}`;
  return `ip ${i.proto} ${i.ipId} ${i.payloadLen}`;
}
