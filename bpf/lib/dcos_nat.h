/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The NAT rewrites of the DC/OS programs (model/dcos/dcos-nat.ts line for line): a packet's
 * 5-tuple set to new addresses and ports, IPv4 and TCP/UDP checksums updated incrementally,
 * only the fields that change touched.
 */
#ifndef TWINPLANE_DCOS_NAT_H
#define TWINPLANE_DCOS_NAT_H

#include "parse.h"
#include "dcos_structs.h"

/* What the parse of a container's (or an inner) IPv4 packet found. */
struct dcos_pkt {
	struct tp_pkt p;
	__u32 l4;        /* TCP/UDP, unfragmented, whole header inside the total length */
	__u32 tcp_flags; /* 0 for UDP */
	__be32 vtep;     /* the remote VTEP the route step chose */
};

/* s->l4 = 1 for TCP/UDP not fragmented; -reason when its header does not fit the total length. */
static __always_inline int dcos_l4_parse(const struct xdp_md *ctx, struct dcos_pkt *s, __u32 reason)
{
	struct tp_pkt *p = &s->p;
	__u8 *l4;

	s->l4 = 0;
	s->tcp_flags = 0;
	if ((p->t.proto != TP_IPPROTO_TCP && p->t.proto != TP_IPPROTO_UDP) || p->frag)
		return 0;
	if (p->t.proto == TP_IPPROTO_TCP) {
		if (p->ihl4 + TP_TCP_HLEN > p->tot_len)
			return -(int)reason;
		l4 = pkt_ptr(ctx, p->l3_off + p->ihl4, TP_TCP_HLEN);
		if (!l4)
			return -(int)reason; /* unreachable: the total length lies inside the frame */
		s->tcp_flags = l4[13];
	} else {
		if (p->ihl4 + TP_UDP_HLEN > p->tot_len)
			return -(int)reason;
		l4 = pkt_ptr(ctx, p->l3_off + p->ihl4, TP_UDP_HLEN);
		if (!l4)
			return -(int)reason; /* unreachable: the total length lies inside the frame */
	}
	s->l4 = 1;
	return 0;
}

/*
 * A hop the agent routes (into vtep1024, out of it, through IPVS): TTL - 1 with the IPv4
 * checksum updated; a TTL that would reach 0 drops (Linux would send ICMP time exceeded).
 */
static __always_inline int dcos_ttl_dec(const struct xdp_md *ctx, struct dcos_pkt *s)
{
	__u8 *ip = pkt_ptr(ctx, s->p.l3_off, TP_IPV4_HLEN);
	__u16 from;

	if (!ip)
		return -TP_R_DCOS_L4_MALFORMED; /* unreachable: the header was parsed */
	if (ip[8] <= 1)
		return -TP_R_DCOS_TTL_EXCEEDED;
	from = rd16(ip + 8);
	ip[8] -= 1;
	wr16(ip + 10, csum_replace2(rd16(ip + 10), from, rd16(ip + 8)));
	return 0;
}

/* Sets the tuple to (saddr:sport -> daddr:dport); the caller saw s->l4. 0 or -reason. */
static __always_inline int dcos_nat_rewrite(const struct xdp_md *ctx, struct dcos_pkt *s, __be32 saddr, __be16 sport,
					    __be32 daddr, __be16 dport)
{
	struct tp_tuple *t = &s->p.t;
	int is_udp = t->proto == TP_IPPROTO_UDP;
	__u8 *ip, *l4, *c;
	__u16 ipc, l4c;

	ip = pkt_ptr(ctx, s->p.l3_off, TP_IPV4_HLEN);
	if (!ip)
		return -TP_R_DCOS_L4_MALFORMED; /* unreachable: the header was parsed */
	if (is_udp)
		l4 = pkt_ptr(ctx, s->p.l3_off + s->p.ihl4, TP_UDP_HLEN);
	else
		l4 = pkt_ptr(ctx, s->p.l3_off + s->p.ihl4, TP_TCP_HLEN);
	if (!l4)
		return -TP_R_DCOS_L4_MALFORMED; /* unreachable: dcos_l4_parse saw it */
	c = l4 + (is_udp ? TP_UDP_CSUM_OFF : TP_TCP_CSUM_OFF);
	ipc = rd16(ip + 10);
	l4c = rd16(c);
	if (saddr != t->saddr) {
		ipc = csum_replace4(ipc, bpf_ntohl(t->saddr), bpf_ntohl(saddr));
		l4c = l4_csum_addr(l4c, bpf_ntohl(t->saddr), bpf_ntohl(saddr), is_udp);
		wr_be32(ip + 12, saddr);
		t->saddr = saddr;
	}
	if (daddr != t->daddr) {
		ipc = csum_replace4(ipc, bpf_ntohl(t->daddr), bpf_ntohl(daddr));
		l4c = l4_csum_addr(l4c, bpf_ntohl(t->daddr), bpf_ntohl(daddr), is_udp);
		wr_be32(ip + 16, daddr);
		t->daddr = daddr;
	}
	if (sport != t->sport) {
		l4c = l4_csum_port(l4c, bpf_ntohs(t->sport), bpf_ntohs(sport), is_udp);
		wr_be16(l4, sport);
		t->sport = sport;
	}
	if (dport != t->dport) {
		l4c = l4_csum_port(l4c, bpf_ntohs(t->dport), bpf_ntohs(dport), is_udp);
		wr_be16(l4 + 2, dport);
		t->dport = dport;
	}
	wr16(ip + 10, ipc);
	wr16(c, l4c);
	return 0;
}

#endif /* TWINPLANE_DCOS_NAT_H */
