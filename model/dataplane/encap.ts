// Encapsulation (docs/dataplane.md section 2; bpf/lib/encap.h line for line): the outer
// headers we originate, the host-location option, the outer rewrite of a send (4.2 step 13)
// and the insertion of the service-rewrite option in front of the existing options (4.2
// step 10).

import { CONSTS } from './consts.ts';
import { csum_finish, csum_ipv4_hdr, csum_word } from './csum.ts';
import { type Gnv, svc_opt_write } from './gnv.ts';
import { bpf_xdp_adjust_head } from './helpers.ts';
import { type XdpCtx, bytes_move, mac_copy, pkt_ptr, rd16, wr16, wr_be32 } from './parse.ts';
import type { NextHop } from './state.ts';
import type { HostCfgRec, SvcOptRec } from './structs.ts';
import { REASON as R } from './tables.ts';
import type { Run } from './verdict.ts';

const {
  ETH_HLEN,
  ETH_P_IP,
  ETH_P_TEB,
  GENEVE_PORT,
  GNV_C_BIT,
  GNV_HLEN,
  GNV_OPT_HLEN,
  GNV_OPTLEN_MASK,
  IP_DF,
  IP_VER_IHL5,
  IPPROTO_UDP,
  IPV4_HLEN,
  IPV4_MAX_HLEN,
  OPT_HOST_LOC,
  OPT_HOST_LOC_LEN,
  OPT_HOST_LOC_WORDS,
  OPT_SVC,
  OPT_SVC_LEN,
  OPT_SVC_WORDS,
  OUTER_HLEN,
  OUTER_MAX_HLEN,
  OUTER_TTL,
  UDP_HLEN,
} = CONSTS;

/** This host's configuration (cfg[0]; the zero record until the control plane writes it). */
export function host_cfg_get(v: Run): HostCfgRec {
  return v.host.config;
}

/** Full IPv4 header checksum of the outer header (at ETH_HLEN, ihl4 bytes), written in. */
export function outer_ip_csum(ctx: XdpCtx, ihl4: number): number {
  let ip = pkt_ptr(ctx, ETH_HLEN, IPV4_HLEN);
  if (ip < 0) return -1;
  const b = ctx.b;
  let sum = csum_ipv4_hdr(b, ip);
  // IP options, 4 bytes at a time.
  for (let off = IPV4_HLEN; off < IPV4_MAX_HLEN; off += 4) {
    if (off >= ihl4) break;
    const w = pkt_ptr(ctx, ETH_HLEN + off, 4);
    if (w < 0) return -1;
    sum = csum_word(sum, b, w);
    sum = csum_word(sum, b, w + 2);
  }
  ip = pkt_ptr(ctx, ETH_HLEN, IPV4_HLEN);
  if (ip < 0) return -1;
  wr16(b, ip + 10, csum_finish(sum));
  return 0;
}

/**
 * Writes the 50 outer bytes of section 2 at the start of the frame: Ethernet to `next` from
 * this host, IPv4 (IHL 5, DF, TTL 64, checksum), UDP (sport, 6081, checksum 0), Geneve
 * (opt_words, flags byte, Ethernet, VNI). `ip_len` is the outer IP total length.
 */
export function encap_write_outer(
  ctx: XdpCtx,
  cfg: HostCfgRec,
  next: NextHop,
  vni: number,
  sport: number,
  ip_len: number,
  opt_words: number,
  gnv_flags: number,
): number {
  const h = pkt_ptr(ctx, 0, OUTER_HLEN);
  if (h < 0) return -1;
  const b = ctx.b;
  mac_copy(b, h, next.mac);
  mac_copy(b, h + 6, cfg.mac);
  wr16(b, h + 12, ETH_P_IP);

  const ip = h + ETH_HLEN;
  b[ip] = IP_VER_IHL5;
  b[ip + 1] = 0;
  wr16(b, ip + 2, ip_len & 0xffff);
  wr16(b, ip + 4, 0);
  wr16(b, ip + 6, IP_DF);
  b[ip + 8] = OUTER_TTL;
  b[ip + 9] = IPPROTO_UDP;
  wr16(b, ip + 10, 0);
  wr_be32(b, ip + 12, cfg.ip);
  wr_be32(b, ip + 16, next.ip);

  const udp = ip + IPV4_HLEN;
  wr16(b, udp, sport);
  wr16(b, udp + 2, GENEVE_PORT);
  wr16(b, udp + 4, (ip_len - IPV4_HLEN) & 0xffff);
  wr16(b, udp + 6, 0);

  const gnv = udp + UDP_HLEN;
  b[gnv] = opt_words & GNV_OPTLEN_MASK; // version 0
  b[gnv + 1] = gnv_flags;
  wr16(b, gnv + 2, ETH_P_TEB);
  b[gnv + 4] = vni >>> 16;
  b[gnv + 5] = vni >>> 8;
  b[gnv + 6] = vni;
  b[gnv + 7] = 0;

  return outer_ip_csum(ctx, IPV4_HLEN);
}

/** Writes a host-location option (header and data) naming (ip, mac) at offset `off`. */
export function encap_write_hostloc(ctx: XdpCtx, off: number, ip: number, mac: Uint8Array, opt_class: number): number {
  const o = pkt_ptr(ctx, off, OPT_HOST_LOC_LEN);
  if (o < 0) return -1;
  const b = ctx.b;
  wr16(b, o, opt_class);
  b[o + 2] = OPT_HOST_LOC;
  b[o + 3] = OPT_HOST_LOC_WORDS;
  wr_be32(b, o + 4, ip);
  mac_copy(b, o + 8, mac);
  wr16(b, o + 14, 0);
  return 0;
}

/**
 * The outer rewrite of a send (4.2 step 13): a forward checks and decrements the outer TTL;
 * Ethernet from this host to `next`; IPv4 from this host to `next`, checksum recomputed in
 * full (IP options kept). 0 or a negative reason.
 */
export function encap_rewrite_outer(ctx: XdpCtx, cfg: HostCfgRec, next: NextHop, forward: boolean): number {
  const h = pkt_ptr(ctx, 0, ETH_HLEN + IPV4_HLEN);
  if (h < 0) return -R.ADJUST_FAILED; // unreachable: a parsed Geneve frame
  const b = ctx.b;
  const ip = h + ETH_HLEN;
  if (forward) {
    if (b[ip + 8] <= 1) return -R.TTL_EXCEEDED;
    b[ip + 8] -= 1;
  }
  mac_copy(b, h, next.mac);
  mac_copy(b, h + 6, cfg.mac);
  wr_be32(b, ip + 12, cfg.ip);
  wr_be32(b, ip + 16, next.ip);
  const ihl4 = (b[ip] & 0x0f) * 4;
  // unreachable: the frame was just sized to hold it
  if (outer_ip_csum(ctx, ihl4)) return -R.ADJUST_FAILED;
  return 0;
}

/**
 * Inserts the service-rewrite option `svc` in front of the existing options: the outer
 * headers (everything before g.opt_off) move OPT_SVC_LEN bytes towards the front, opt_len +=
 * 9, C bit set, UDP length and IP total length += 36. The IP checksum is left to the send.
 * 0 or a negative reason.
 */
export function encap_insert_svc(ctx: XdpCtx, g: Gnv, svc: SvcOptRec, opt_class: number): number {
  const hlen = g.opt_off;
  if (hlen > OUTER_MAX_HLEN || hlen < OUTER_HLEN) return -R.ADJUST_FAILED; // unreachable: opt_off = 30 + IHL*4
  if (bpf_xdp_adjust_head(ctx, -OPT_SVC_LEN)) return -R.ADJUST_FAILED;
  // The C moves the headers front to back, 2 bytes at a time, each pair bounds-checked for
  // the verifier; the last pair is the only check that can bite, and copyWithin is the move.
  // unreachable: the frame was just sized to hold it
  if (pkt_ptr(ctx, hlen - 2 + OPT_SVC_LEN, 2) < 0) return -R.ADJUST_FAILED;
  bytes_move(ctx.b, ctx.data, ctx.data + OPT_SVC_LEN, ctx.data + OPT_SVC_LEN + hlen);

  const b = ctx.b;
  const ip = pkt_ptr(ctx, ETH_HLEN, IPV4_HLEN);
  // unreachable: the frame was just sized to hold it
  if (ip < 0) return -R.ADJUST_FAILED;
  wr16(b, ip + 2, (rd16(b, ip + 2) + OPT_SVC_LEN) & 0xffff);
  const udp = pkt_ptr(ctx, ETH_HLEN + g.ihl4, UDP_HLEN + GNV_HLEN + OPT_SVC_LEN);
  // unreachable: the frame was just sized to hold it
  if (udp < 0) return -R.ADJUST_FAILED;
  wr16(b, udp + 4, (rd16(b, udp + 4) + OPT_SVC_LEN) & 0xffff);
  const gnv = udp + UDP_HLEN;
  b[gnv] = (b[gnv] & ~GNV_OPTLEN_MASK) | (((b[gnv] & GNV_OPTLEN_MASK) + OPT_SVC_WORDS + 1) & GNV_OPTLEN_MASK);
  b[gnv + 1] |= GNV_C_BIT;

  const o = gnv + GNV_HLEN;
  wr16(b, o, opt_class);
  b[o + 2] = OPT_SVC;
  b[o + 3] = OPT_SVC_WORDS;
  svc_opt_write(b, o + GNV_OPT_HLEN, svc);
  return 0;
}
