// The rewrites of docs/dataplane.md 4.3, shared by both programs (bpf/lib/rewrite.h, line for
// line), on an IPv4 frame whose IPv4 header is at p.l3_off (its Ethernet header just before
// it): destination or source rewrite (address, TCP/UDP port, MAC, checksums updated
// incrementally) and the route (TTL - 1, gateway source MAC). Checksums change
// unconditionally: the update runs even when old and new values are equal, so both
// implementations take the same branch-free path and produce the same one's-complement zero.

import { CONSTS } from './consts.ts';
import { csum_replace2, csum_replace4, l4_csum_addr, l4_csum_port } from './csum.ts';
import { type PktInfo, type XdpCtx, mac_copy, pkt_ptr, rd16, rd_be32, wr16, wr_be32 } from './parse.ts';
import type { FlowRevRec } from './structs.ts';
import { REASON as R } from './tables.ts';

const { ETH_HLEN, IPPROTO_TCP, IPPROTO_UDP, IPV4_HLEN, TCP_CSUM_OFF, TCP_HLEN, UDP_CSUM_OFF, UDP_HLEN } = CONSTS;

/** Whether the rewrites touch the L4 header: TCP or UDP, and not a fragment. */
export function rewrite_has_ports(p: PktInfo): boolean {
  return (p.t.proto === IPPROTO_TCP || p.t.proto === IPPROTO_UDP) && !p.frag;
}

/** The L4 check of a rewrite: a TCP (20 bytes) or UDP (8) header inside the total length. */
export function rewrite_l4_check(p: PktInfo): number {
  if (!rewrite_has_ports(p)) return 0;
  const need = p.t.proto === IPPROTO_TCP ? TCP_HLEN : UDP_HLEN;
  if (p.ihl4 + need > p.tot_len) return -R.L4_MALFORMED;
  return 0;
}

/**
 * Rewrites the destination (is_src false) or the source (is_src true) of the packet to
 * (addr, port, mac). The caller ran rewrite_l4_check. 0 or a negative reason.
 */
export function rewrite_addr(ctx: XdpCtx, p: PktInfo, is_src: boolean, addr: number, port: number, mac: Uint8Array): number {
  const aoff = is_src ? 12 : 16;
  const poff = is_src ? 0 : 2;
  const moff = is_src ? 6 : 0;
  const is_udp = p.t.proto === IPPROTO_UDP;

  const ip = pkt_ptr(ctx, p.l3_off, IPV4_HLEN);
  if (ip < 0) return -R.L4_MALFORMED; // unreachable: the header was parsed
  const b = ctx.b;
  const from = rd_be32(b, ip + aoff);
  const to = addr >>> 0;
  wr_be32(b, ip + aoff, addr);
  wr16(b, ip + 10, csum_replace4(rd16(b, ip + 10), from, to));

  if (rewrite_has_ports(p)) {
    const l4 = pkt_ptr(ctx, p.l3_off + p.ihl4, is_udp ? UDP_HLEN : TCP_HLEN);
    if (l4 < 0) return -R.L4_MALFORMED;
    const c = l4 + (is_udp ? UDP_CSUM_OFF : TCP_CSUM_OFF);
    let check = l4_csum_addr(rd16(b, c), from, to, is_udp);
    const pfrom = rd16(b, l4 + poff);
    wr16(b, l4 + poff, port);
    check = l4_csum_port(check, pfrom, port, is_udp);
    wr16(b, c, check);
    if (is_src) p.t.sport = port;
    else p.t.dport = port;
  }
  if (is_src) p.t.saddr = to;
  else p.t.daddr = to;

  const eth = pkt_ptr(ctx, p.l3_off - ETH_HLEN, ETH_HLEN);
  if (eth < 0) return -R.L4_MALFORMED;
  mac_copy(b, eth + moff, mac);
  return 0;
}

/**
 * Un-NAT of a service reply (docs 4.3): the source becomes the VIP (address, port, MAC); a
 * hairpin's reply, addressed to the masquerade address, also gets the client back as its
 * destination (r.daddr !== 0). 0 or a negative reason.
 */
export function rewrite_unnat(ctx: XdpCtx, p: PktInfo, r: FlowRevRec): number {
  let ret = rewrite_l4_check(p);
  if (ret) return ret;
  ret = rewrite_addr(ctx, p, true, r.saddr, r.sport, r.smac);
  if (ret) return ret;
  if (r.daddr) ret = rewrite_addr(ctx, p, false, r.daddr, r.dport, r.dmac);
  return ret;
}

/** Route: inner TTL <= 1 drops, else TTL - 1 (checksum updated) and source MAC := gw_mac. */
export function rewrite_route(ctx: XdpCtx, p: PktInfo, gw_mac: Uint8Array): number {
  const ip = pkt_ptr(ctx, p.l3_off, IPV4_HLEN);
  if (ip < 0) return -R.INNER_TTL_EXCEEDED; // unreachable: the header was parsed
  const b = ctx.b;
  const ttl = b[ip + 8];
  if (ttl <= 1) return -R.INNER_TTL_EXCEEDED;
  b[ip + 8] = ttl - 1;
  wr16(b, ip + 10, csum_replace2(rd16(b, ip + 10), (ttl << 8) | b[ip + 9], ((ttl - 1) << 8) | b[ip + 9]));
  const eth = pkt_ptr(ctx, p.l3_off - ETH_HLEN, ETH_HLEN);
  if (eth < 0) return -R.INNER_TTL_EXCEEDED;
  mac_copy(b, eth + 6, gw_mac);
  return 0;
}
