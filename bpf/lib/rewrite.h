/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rewrites of docs/dataplane.md 4.3, shared by both programs, on an IPv4 frame whose
 * IPv4 header is at p->l3_off (its Ethernet header just before it): destination or
 * source rewrite (address, TCP/UDP port, MAC, checksums updated incrementally) and the
 * route (TTL - 1, gateway source MAC).
 */
#ifndef TWINPLANE_REWRITE_H
#define TWINPLANE_REWRITE_H

#include "parse.h"

/* Whether the rewrites touch the L4 header: TCP or UDP, and not a fragment. */
static __always_inline int rewrite_has_ports(const struct tp_pkt *p)
{
	return (p->t.proto == TP_IPPROTO_TCP || p->t.proto == TP_IPPROTO_UDP) && !p->frag;
}

/* The L4 check of a rewrite: a TCP (20 bytes) or UDP (8) header inside the total length. */
static __always_inline int rewrite_l4_check(const struct tp_pkt *p)
{
	__u32 need;

	if (!rewrite_has_ports(p))
		return 0;
	need = p->t.proto == TP_IPPROTO_TCP ? TP_TCP_HLEN : TP_UDP_HLEN;
	if (p->ihl4 + need > p->tot_len)
		return -TP_R_L4_MALFORMED;
	return 0;
}

/*
 * Rewrites the destination (is_src = 0) or the source (is_src = 1) of the packet to
 * (addr, port, mac). The caller ran rewrite_l4_check. 0 or a negative reason.
 */
static __always_inline int rewrite_addr(const struct xdp_md *ctx, struct tp_pkt *p, int is_src,
					__be32 addr, __be16 port, const __u8 *mac)
{
	__u32 aoff = is_src ? 12 : 16, poff = is_src ? 0 : 2, moff = is_src ? 6 : 0;
	__u8 *ip, *l4, *eth;
	__u32 from, to = bpf_ntohl(addr);
	__u16 check, pfrom;
	int is_udp = p->t.proto == TP_IPPROTO_UDP;

	ip = pkt_ptr(ctx, p->l3_off, TP_IPV4_HLEN);
	if (!ip)
		return -TP_R_L4_MALFORMED; /* unreachable: the header was parsed */
	from = bpf_ntohl(rd_be32(ip + aoff));
	wr_be32(ip + aoff, addr);
	wr16(ip + 10, csum_replace4(rd16(ip + 10), from, to));

	if (rewrite_has_ports(p)) {
		if (is_udp)
			l4 = pkt_ptr(ctx, p->l3_off + p->ihl4, TP_UDP_HLEN);
		else
			l4 = pkt_ptr(ctx, p->l3_off + p->ihl4, TP_TCP_HLEN);
		if (!l4)
			return -TP_R_L4_MALFORMED;
		{
			__u8 *c = l4 + (is_udp ? TP_UDP_CSUM_OFF : TP_TCP_CSUM_OFF);

			check = l4_csum_addr(rd16(c), from, to, is_udp);
			pfrom = rd16(l4 + poff);
			wr_be16(l4 + poff, port);
			check = l4_csum_port(check, pfrom, bpf_ntohs(port), is_udp);
			wr16(c, check);
		}
		if (is_src)
			p->t.sport = port;
		else
			p->t.dport = port;
	}
	if (is_src)
		p->t.saddr = addr;
	else
		p->t.daddr = addr;

	eth = pkt_ptr(ctx, p->l3_off - TP_ETH_HLEN, TP_ETH_HLEN);
	if (!eth)
		return -TP_R_L4_MALFORMED;
	mac_copy(eth + moff, mac);
	return 0;
}

/*
 * Un-NAT of a service reply (docs 4.3): the source becomes the VIP (address, port, MAC); a
 * hairpin's reply, addressed to the masquerade address, also gets the client back as its
 * destination (r->daddr != 0). 0 or a negative reason.
 */
static __always_inline int rewrite_unnat(const struct xdp_md *ctx, struct tp_pkt *p, const struct tp_flow_rev *r)
{
	int ret = rewrite_l4_check(p);

	if (ret)
		return ret;
	ret = rewrite_addr(ctx, p, 1, r->saddr, r->sport, r->smac);
	if (ret)
		return ret;
	if (r->daddr)
		ret = rewrite_addr(ctx, p, 0, r->daddr, r->dport, r->dmac);
	return ret;
}

/* Route: inner TTL <= 1 drops, else TTL - 1 (checksum updated) and source MAC := gw_mac. */
static __always_inline int rewrite_route(const struct xdp_md *ctx, const struct tp_pkt *p,
					 const __u8 *gw_mac)
{
	__u8 *ip = pkt_ptr(ctx, p->l3_off, TP_IPV4_HLEN);
	__u8 *eth;
	__u8 ttl;

	if (!ip)
		return -TP_R_INNER_TTL_EXCEEDED; /* unreachable: the header was parsed */
	ttl = ip[8];
	if (ttl <= 1)
		return -TP_R_INNER_TTL_EXCEEDED;
	ip[8] = ttl - 1;
	wr16(ip + 10, csum_replace2(rd16(ip + 10), (__u16)((ttl << 8) | ip[9]),
				    (__u16)(((ttl - 1) << 8) | ip[9])));
	eth = pkt_ptr(ctx, p->l3_off - TP_ETH_HLEN, TP_ETH_HLEN);
	if (!eth)
		return -TP_R_INNER_TTL_EXCEEDED;
	mac_copy(eth + 6, gw_mac);
	return 0;
}

#endif /* TWINPLANE_REWRITE_H */
