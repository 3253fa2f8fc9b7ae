/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Encapsulation (docs/dataplane.md section 2): the outer headers we originate, the
 * host-location option, the outer rewrite of a send (4.2 step 13) and the insertion of the
 * service-rewrite option in front of the existing options (4.2 step 10).
 */
#ifndef TWINPLANE_ENCAP_H
#define TWINPLANE_ENCAP_H

#include "gnv.h"
#include "maps.h"

/* This host's configuration (cfg[0]). */
static __always_inline struct tp_host_cfg *host_cfg_get(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&cfg, &key);
}

/* Full IPv4 header checksum of the outer header (at TP_ETH_HLEN, ihl4 bytes), written in. */
static __always_inline int outer_ip_csum(const struct xdp_md *ctx, __u32 ihl4)
{
	__u32 sum;
	__u8 *ip, *w;

	ip = pkt_ptr(ctx, TP_ETH_HLEN, TP_IPV4_HLEN);
	if (!ip)
		return -1;
	sum = csum_ipv4_hdr(ip);
	/* IP options, 4 bytes at a time. */
	for (__u32 off = TP_IPV4_HLEN; off < TP_IPV4_MAX_HLEN; off += 4) {
		if (off >= ihl4)
			break;
		w = pkt_ptr(ctx, TP_ETH_HLEN + off, 4);
		if (!w)
			return -1;
		sum = csum_word(sum, w);
		sum = csum_word(sum, w + 2);
	}
	ip = pkt_ptr(ctx, TP_ETH_HLEN, TP_IPV4_HLEN);
	if (!ip)
		return -1;
	wr16(ip + 10, csum_finish(sum));
	return 0;
}

/*
 * Writes the 50 outer bytes of section 2 at the start of the frame: Ethernet to `next`
 * from this host, IPv4 (IHL 5, DF, TTL 64, checksum), UDP (sport, 6081, checksum 0),
 * Geneve (opt_words, flags byte, Ethernet, VNI). `ip_len` is the outer IP total length.
 */
static __always_inline int encap_write_outer(const struct xdp_md *ctx, const struct tp_host_cfg *cfg,
					     const struct tp_host_loc *next, __u32 vni, __be16 sport,
					     __u32 ip_len, __u8 opt_words, __u8 gnv_flags)
{
	__u8 *h = pkt_ptr(ctx, 0, TP_OUTER_HLEN);
	__u8 *ip, *udp, *gnv;

	if (!h)
		return -1;
	mac_copy(h, next->mac);
	mac_copy(h + 6, cfg->mac);
	wr16(h + 12, TP_ETH_P_IP);

	ip = h + TP_ETH_HLEN;
	ip[0] = TP_IP_VER_IHL5;
	ip[1] = 0;
	wr16(ip + 2, (__u16)ip_len);
	wr16(ip + 4, 0);
	wr16(ip + 6, TP_IP_DF);
	ip[8] = TP_OUTER_TTL;
	ip[9] = TP_IPPROTO_UDP;
	wr16(ip + 10, 0);
	wr_be32(ip + 12, cfg->ip);
	wr_be32(ip + 16, next->ip);

	udp = ip + TP_IPV4_HLEN;
	wr_be16(udp, sport);
	wr16(udp + 2, TP_GENEVE_PORT);
	wr16(udp + 4, (__u16)(ip_len - TP_IPV4_HLEN));
	wr16(udp + 6, 0);

	gnv = udp + TP_UDP_HLEN;
	gnv[0] = opt_words & TP_GNV_OPTLEN_MASK; /* version 0 */
	gnv[1] = gnv_flags;
	wr16(gnv + 2, TP_ETH_P_TEB);
	gnv[4] = (__u8)(vni >> 16);
	gnv[5] = (__u8)(vni >> 8);
	gnv[6] = (__u8)vni;
	gnv[7] = 0;

	return outer_ip_csum(ctx, TP_IPV4_HLEN);
}

/* Writes a host-location option (header and data) naming (ip, mac) at offset `off`. */
static __always_inline int encap_write_hostloc(const struct xdp_md *ctx, __u32 off, __be32 ip,
					       const __u8 *mac, __u16 opt_class)
{
	__u8 *o = pkt_ptr(ctx, off, TP_OPT_HOST_LOC_LEN);

	if (!o)
		return -1;
	wr16(o, opt_class);
	o[2] = TP_OPT_HOST_LOC;
	o[3] = TP_OPT_HOST_LOC_WORDS;
	wr_be32(o + 4, ip);
	mac_copy(o + 8, mac);
	wr16(o + 14, 0);
	return 0;
}

/*
 * The outer rewrite of a send (4.2 step 13): a forward checks and decrements the outer
 * TTL; Ethernet from this host to `next`; IPv4 from this host to `next`, checksum
 * recomputed in full (IP options kept). 0 or a negative reason.
 */
static __always_inline int encap_rewrite_outer(const struct xdp_md *ctx, const struct tp_host_cfg *cfg,
					       const struct tp_host_loc *next, int forward)
{
	__u8 *h = pkt_ptr(ctx, 0, TP_ETH_HLEN + TP_IPV4_HLEN);
	__u8 *ip;
	__u32 ihl4;

	if (!h)
		return -TP_R_ADJUST_FAILED; /* unreachable: a parsed Geneve frame */
	ip = h + TP_ETH_HLEN;
	if (forward) {
		if (ip[8] <= 1)
			return -TP_R_TTL_EXCEEDED;
		ip[8] -= 1;
	}
	mac_copy(h, next->mac);
	mac_copy(h + 6, cfg->mac);
	wr_be32(ip + 12, cfg->ip);
	wr_be32(ip + 16, next->ip);
	ihl4 = (__u32)(ip[0] & 0x0f) * 4;
	if (outer_ip_csum(ctx, ihl4))
		return -TP_R_ADJUST_FAILED; /* unreachable: the frame was just sized to hold it */
	return 0;
}

/*
 * Inserts the service-rewrite option `svc` in front of the existing options: the outer
 * headers (everything before g->opt_off) move TP_OPT_SVC_LEN bytes towards the front,
 * opt_len += 9, C bit set, UDP length and IP total length += 36. The IP checksum is left
 * to the send. 0 or a negative reason.
 */
static __always_inline int encap_insert_svc(struct xdp_md *ctx, const struct tp_gnv *g,
					    const struct tp_svc_opt *svc, __u16 opt_class)
{
	__u32 hlen = g->opt_off;
	__u8 *ip, *udp, *gnv, *o, *from, *to;

	if (hlen > TP_OUTER_MAX_HLEN || hlen < TP_OUTER_HLEN)
		return -TP_R_ADJUST_FAILED; /* unreachable: opt_off = 30 + IHL*4 */
	if (bpf_xdp_adjust_head(ctx, -(int)TP_OPT_SVC_LEN))
		return -TP_R_ADJUST_FAILED; /* unreachable: XDP gives 256 bytes of headroom, a run grows by at most 102 */
	/* Front to back, 2 bytes at a time (hlen is even): the source always lies ahead. */
	for (__u32 i = 0; i < TP_OUTER_MAX_HLEN; i += 2) {
		if (i >= hlen)
			break;
		to = pkt_ptr(ctx, i, 2);
		from = pkt_ptr(ctx, i + TP_OPT_SVC_LEN, 2);
		if (!to || !from)
			return -TP_R_ADJUST_FAILED; /* unreachable: the frame was just sized to hold it */
		to[0] = from[0];
		to[1] = from[1];
	}

	ip = pkt_ptr(ctx, TP_ETH_HLEN, TP_IPV4_HLEN);
	if (!ip)
		return -TP_R_ADJUST_FAILED; /* unreachable: the frame was just sized to hold it */
	wr16(ip + 2, (__u16)(rd16(ip + 2) + TP_OPT_SVC_LEN));
	udp = pkt_ptr(ctx, TP_ETH_HLEN + g->ihl4, TP_UDP_HLEN + TP_GNV_HLEN + TP_OPT_SVC_LEN);
	if (!udp)
		return -TP_R_ADJUST_FAILED; /* unreachable: the frame was just sized to hold it */
	wr16(udp + 4, (__u16)(rd16(udp + 4) + TP_OPT_SVC_LEN));
	gnv = udp + TP_UDP_HLEN;
	gnv[0] = (__u8)((gnv[0] & ~TP_GNV_OPTLEN_MASK) |
			(((gnv[0] & TP_GNV_OPTLEN_MASK) + TP_OPT_SVC_WORDS + 1) & TP_GNV_OPTLEN_MASK));
	gnv[1] |= TP_GNV_C_BIT;

	o = gnv + TP_GNV_HLEN;
	wr16(o, opt_class);
	o[2] = TP_OPT_SVC;
	o[3] = TP_OPT_SVC_WORDS;
	__builtin_memcpy(o + TP_GNV_OPT_HLEN, svc, sizeof(*svc));
	return 0;
}

#endif /* TWINPLANE_ENCAP_H */
