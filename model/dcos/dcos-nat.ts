// The NAT rewrites of the DC/OS programs (bpf/lib/dcos_nat.h line for line): a packet's
// 5-tuple set to new addresses and ports, the IPv4 and TCP/UDP checksums updated
// incrementally (RFC 1624, Linux's csum_replace helpers, model/dataplane/csum.ts), only the
// fields that change touched. Used by the DNAT of a VIP flow (with the masquerade of a
// hairpin) and by the un-NAT of its replies.

import { CONSTS } from '../dataplane/consts.ts';
import { csum_replace2, csum_replace4, l4_csum_addr, l4_csum_port } from '../dataplane/csum.ts';
import { type PktInfo, type XdpCtx, pkt_ptr, rd16, wr16, wr_be32 } from '../dataplane/parse.ts';
import { REASON as R } from '../dataplane/tables.ts';

const { IPPROTO_TCP, IPPROTO_UDP, IPV4_HLEN, TCP_HLEN, UDP_HLEN, TCP_CSUM_OFF, UDP_CSUM_OFF } = CONSTS;

/** What the parse of a container's (or an inner) IPv4 packet found (struct dcos_pkt). */
export interface DcosPkt {
  p: PktInfo;
  /** TCP or UDP, unfragmented, its whole header inside the total length: NAT applies. */
  l4: number;
  /** TCP flags (0 for UDP). */
  tcp_flags: number;
  /** The remote VTEP the route step chose. */
  vtep: number;
}

/**
 * The L4 facts of a parsed IPv4 packet: s.l4 = 1 for TCP/UDP not fragmented; -reason when
 * its TCP (20 bytes) or UDP (8) header does not fit inside the total length.
 */
export function dcos_l4_parse(ctx: XdpCtx, s: DcosPkt, reason: number): number {
  const p = s.p;
  s.l4 = 0;
  s.tcp_flags = 0;
  if ((p.t.proto !== IPPROTO_TCP && p.t.proto !== IPPROTO_UDP) || p.frag) return 0;
  const need = p.t.proto === IPPROTO_TCP ? TCP_HLEN : UDP_HLEN;
  if (p.ihl4 + need > p.tot_len) return -reason;
  const l4 = pkt_ptr(ctx, p.l3_off + p.ihl4, need);
  if (l4 < 0) return -reason; // unreachable: the total length lies inside the frame
  if (p.t.proto === IPPROTO_TCP) s.tcp_flags = ctx.b[l4 + 13];
  s.l4 = 1;
  return 0;
}

/**
 * A hop the agent routes (into vtep1024, out of it, through IPVS): TTL - 1 with the IPv4
 * checksum updated; a TTL that would reach 0 drops (Linux would send ICMP time exceeded).
 */
export function dcos_ttl_dec(ctx: XdpCtx, s: DcosPkt): number {
  const ip = pkt_ptr(ctx, s.p.l3_off, IPV4_HLEN);
  if (ip < 0) return -R.DCOS_L4_MALFORMED; // unreachable: the header was parsed
  const b = ctx.b;
  if (b[ip + 8] <= 1) return -R.DCOS_TTL_EXCEEDED;
  const from = rd16(b, ip + 8);
  b[ip + 8] -= 1;
  wr16(b, ip + 10, csum_replace2(rd16(b, ip + 10), from, rd16(b, ip + 8)));
  return 0;
}

/** Sets the packet's tuple to (saddr:sport -> daddr:dport); the caller saw s.l4. 0 or -reason. */
export function dcos_nat_rewrite(ctx: XdpCtx, s: DcosPkt, saddr: number, sport: number, daddr: number, dport: number): number {
  const t = s.p.t;
  const is_udp = t.proto === IPPROTO_UDP;
  const ip = pkt_ptr(ctx, s.p.l3_off, IPV4_HLEN);
  if (ip < 0) return -R.DCOS_L4_MALFORMED; // unreachable: the header was parsed
  const l4 = pkt_ptr(ctx, s.p.l3_off + s.p.ihl4, is_udp ? UDP_HLEN : TCP_HLEN);
  if (l4 < 0) return -R.DCOS_L4_MALFORMED; // unreachable: dcos_l4_parse saw it
  const b = ctx.b;
  const c = l4 + (is_udp ? UDP_CSUM_OFF : TCP_CSUM_OFF);
  let ipc = rd16(b, ip + 10);
  let l4c = rd16(b, c);
  if (saddr !== t.saddr) {
    ipc = csum_replace4(ipc, t.saddr, saddr);
    l4c = l4_csum_addr(l4c, t.saddr, saddr, is_udp);
    wr_be32(b, ip + 12, saddr);
    t.saddr = saddr;
  }
  if (daddr !== t.daddr) {
    ipc = csum_replace4(ipc, t.daddr, daddr);
    l4c = l4_csum_addr(l4c, t.daddr, daddr, is_udp);
    wr_be32(b, ip + 16, daddr);
    t.daddr = daddr;
  }
  if (sport !== t.sport) {
    l4c = l4_csum_port(l4c, t.sport, sport, is_udp);
    wr16(b, l4, sport);
    t.sport = sport;
  }
  if (dport !== t.dport) {
    l4c = l4_csum_port(l4c, t.dport, dport, is_udp);
    wr16(b, l4 + 2, dport);
    t.dport = dport;
  }
  wr16(b, ip + 10, ipc);
  wr16(b, c, l4c);
  return 0;
}
