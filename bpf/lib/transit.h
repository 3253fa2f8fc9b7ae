/* SPDX-License-Identifier: Apache-2.0 */
/*
 * transit: XDP on the underlay NIC (docs/dataplane.md 4.2): bouncer, divider and
 * decapsulation for local endpoints. One function per decision point, named as in the
 * spec; each returns 0 to go on, TP_DONE with a verdict in `out`, or a negative drop
 * reason. Steps that pick a next hop leave it in t->next and end in transit_send.
 */
#ifndef TWINPLANE_TRANSIT_H
#define TWINPLANE_TRANSIT_H

#include "verdict.h"
#include "parse.h"
#include "gnv.h"
#include "encap.h"
#include "rewrite.h"

/* What the transit knows about the packet it is handling. */
struct tp_transit {
	struct tp_host_cfg cfg;
	struct tp_gnv g;
	struct tp_pkt p;
	struct tp_ep_val ep;       /* the destination's endpoints entry (step 7) */
	struct tp_host_loc next;   /* next hop of a send */
	__u32 outer_len;           /* outer IPv4 total length */
	__u32 reason;              /* reason of the send */
	__u8 forward;              /* the send is a forward (outer TTL checked) */
	__u8 acted;                /* transit_svc_client rewrote the packet */
	__u8 step;                 /* where transit_endpoint sends it next: TP_NEXT_* */
	__u8 built;                /* transit_arp built the outer headers to t->next: the send keeps them */
};

static __always_inline int transit_pass(struct tp_out *out, __u32 reason)
{
	out_set(out, XDP_PASS, reason, 0);
	return TP_DONE;
}

/* 1. Is this Geneve for this host? Every "no" passes the frame untouched. */
static __always_inline int transit_outer(struct xdp_md *ctx, struct tp_verdict *v, struct tp_transit *t,
					 struct tp_out *out)
{
	__u32 len = pkt_len(ctx), ihl4, tot_len;
	__u8 *eth, *ip, *udp;

	verdict_point(v, TP_DP_TRANSIT_OUTER);
	eth = pkt_ptr(ctx, 0, TP_ETH_HLEN);
	if (!eth || rd16(eth + 12) != TP_ETH_P_IP)
		return transit_pass(out, TP_R_PASS_NOT_IPV4);
	ip = pkt_ptr(ctx, TP_ETH_HLEN, TP_IPV4_HLEN);
	if (!ip)
		return transit_pass(out, TP_R_PASS_NOT_IPV4);
	ihl4 = (__u32)(ip[0] & 0x0f) * 4;
	tot_len = rd16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl4 < TP_IPV4_HLEN || TP_ETH_HLEN + ihl4 > len || tot_len < ihl4 ||
	    tot_len > len - TP_ETH_HLEN)
		return transit_pass(out, TP_R_PASS_NOT_IPV4);
	if (ip[9] != TP_IPPROTO_UDP)
		return transit_pass(out, TP_R_PASS_NOT_UDP);
	if (rd_be32(ip + 16) != t->cfg.ip)
		return transit_pass(out, TP_R_PASS_NOT_FOR_HOST);
	if (rd16(ip + 6) & TP_IP_MF_OFFSET)
		return transit_pass(out, TP_R_PASS_OUTER_FRAGMENT);
	if (tot_len - ihl4 < TP_UDP_HLEN)
		return transit_pass(out, TP_R_PASS_NOT_UDP);
	udp = pkt_ptr(ctx, TP_ETH_HLEN + ihl4, TP_UDP_HLEN);
	if (!udp)
		return transit_pass(out, TP_R_PASS_NOT_UDP); /* unreachable: inside total length */
	if (rd16(udp + 2) != TP_GENEVE_PORT)
		return transit_pass(out, TP_R_PASS_NOT_GENEVE);
	t->g.ihl4 = ihl4;
	t->outer_len = tot_len;
	return 0;
}

/* 2. Geneve header checks; the frame is cut to the outer IPv4 total length. */
static __always_inline int transit_geneve(struct xdp_md *ctx, struct tp_verdict *v, struct tp_transit *t)
{
	__u32 len = pkt_len(ctx), want = TP_ETH_HLEN + t->outer_len, udp_len, opt_words;
	__u8 *udp, *gnv;

	verdict_point(v, TP_DP_TRANSIT_GENEVE);
	if (len > want && bpf_xdp_adjust_tail(ctx, (int)want - (int)len))
		return -TP_R_ADJUST_FAILED; /* unreachable: cuts to >= 42 bytes; the kernel refuses only a frame under 14 */
	udp = pkt_ptr(ctx, TP_ETH_HLEN + t->g.ihl4, TP_UDP_HLEN);
	if (!udp)
		return -TP_R_GENEVE_MALFORMED; /* unreachable: checked by transit_outer */
	udp_len = rd16(udp + 4);
	if (udp_len != t->outer_len - t->g.ihl4 || udp_len < TP_UDP_HLEN + TP_GNV_HLEN)
		return -TP_R_GENEVE_MALFORMED;
	gnv = pkt_ptr(ctx, TP_ETH_HLEN + t->g.ihl4 + TP_UDP_HLEN, TP_GNV_HLEN);
	if (!gnv)
		return -TP_R_GENEVE_MALFORMED;
	if ((gnv[0] >> TP_GNV_VER_SHIFT) != 0)
		return -TP_R_GENEVE_BAD_VERSION;
	if (gnv[1] & TP_GNV_O_BIT)
		return -TP_R_GENEVE_OAM;
	if (rd16(gnv + 2) != TP_ETH_P_TEB)
		return -TP_R_GENEVE_BAD_PROTO;
	opt_words = gnv[0] & TP_GNV_OPTLEN_MASK;
	if (TP_GNV_HLEN + opt_words * 4 > udp_len - TP_UDP_HLEN)
		return -TP_R_OPT_OVERRUN;
	t->g.vni = ((__u32)gnv[4] << 16) | ((__u32)gnv[5] << 8) | gnv[6];
	t->g.opt_off = TP_ETH_HLEN + t->g.ihl4 + TP_UDP_HLEN + TP_GNV_HLEN;
	t->g.opt_bytes = opt_words * 4;
	t->g.inner_off = t->g.opt_off + t->g.opt_bytes;
	return 0;
}

/* 3. The option walk; remembers the host-location and service-rewrite options. */
static __always_inline int transit_options(struct xdp_md *ctx, struct tp_verdict *v, struct tp_transit *t)
{
	verdict_point(v, TP_DP_TRANSIT_OPTIONS);
	return geneve_walk_options(ctx, &t->g, t->cfg.opt_class);
}

/* 4. The inner frame: after the options, to the end of UDP (= the end of the cut frame). */
static __always_inline int transit_inner(struct xdp_md *ctx, struct tp_verdict *v, struct tp_transit *t)
{
	__u32 io = t->g.inner_off;
	__u8 *eth;
	__u16 proto;

	verdict_point(v, TP_DP_TRANSIT_INNER);
	if (pkt_len(ctx) < io + TP_ETH_HLEN)
		return -TP_R_INNER_MALFORMED;
	eth = pkt_ptr(ctx, io, TP_ETH_HLEN);
	if (!eth)
		return -TP_R_INNER_MALFORMED;
	proto = rd16(eth + 12);
	mac_copy(t->p.dmac, eth);
	if (proto == TP_ETH_P_ARP) {
		if (parse_arp(ctx, io + TP_ETH_HLEN, &t->p))
			return -TP_R_INNER_MALFORMED;
		if (t->p.arp_op != TP_ARP_OP_REQUEST && t->p.arp_op != TP_ARP_OP_REPLY)
			return -TP_R_ARP_BAD_OP;
		return 0;
	}
	if (proto == TP_ETH_P_IP) {
		if (parse_ipv4(ctx, io + TP_ETH_HLEN, &t->p))
			return -TP_R_INNER_MALFORMED;
		return 0;
	}
	return -TP_R_INNER_BAD_ETHERTYPE;
}

/* 5. Bouncer: answer an ARP request in place, to the asking host. */
static __always_inline int transit_arp(struct xdp_md *ctx, struct tp_verdict *v, struct tp_transit *t)
{
	struct tp_ep_key key = {};
	struct tp_ep_val *ep;
	struct tp_ep_val *e = &t->ep;
	struct tp_tuple rt = {};
	__be32 tgt_ip, spa = t->p.t.saddr, tpa = t->p.t.daddr;
	__u8 tgt_mac[TP_ETH_ALEN], sha[TP_ETH_ALEN];
	__u32 len = pkt_len(ctx), reply_len, io;
	int with_opt;
	__u8 *in;

	verdict_point(v, TP_DP_TRANSIT_ARP);
	key.vni = t->g.vni;
	key.ip = tpa;
	ep = bpf_map_lookup_elem(&endpoints, &key);
	if (!ep)
		return -TP_R_ARP_UNKNOWN_TARGET;
	*e = *ep;
	if (!t->g.have_hl)
		return -TP_R_NO_HOST_LOC;
	mac_copy(sha, t->p.sha);
	with_opt = e->kind == TP_EP_LOCAL || e->kind == TP_EP_REMOTE;
	if (e->kind == TP_EP_LOCAL) {
		tgt_ip = t->cfg.ip;
		mac_copy(tgt_mac, t->cfg.mac);
	} else {
		tgt_ip = e->host_ip;
		mac_copy(tgt_mac, e->host_mac);
	}
	rt.saddr = tpa;
	rt.daddr = spa;
	io = TP_OUTER_HLEN + (with_opt ? TP_OPT_HOST_LOC_LEN : 0);
	reply_len = io + TP_ARP_FRAME_LEN;
	/* Never a growth (so no MTU check): the request holds a host-location option and 42 bytes
	 * of inner ARP after outer headers of at least TP_OUTER_HLEN, so len >= the longest reply. */
	if (len != reply_len && bpf_xdp_adjust_tail(ctx, (int)reply_len - (int)len))
		return -TP_R_ADJUST_FAILED; /* unreachable: the reply is never longer than the request, nor shorter than 14 */

	t->next.ip = t->g.hl.ip;
	mac_copy(t->next.mac, t->g.hl.mac);
	if (encap_write_outer(ctx, &t->cfg, &t->next, t->g.vni, flow_sport(&rt), reply_len - TP_ETH_HLEN,
			      with_opt ? TP_OPT_HOST_LOC_WORDS + 1 : 0, 0))
		return -TP_R_ADJUST_FAILED; /* unreachable: the frame was just sized to hold it */
	if (with_opt && encap_write_hostloc(ctx, TP_OUTER_HLEN, tgt_ip, tgt_mac, t->cfg.opt_class))
		return -TP_R_ADJUST_FAILED; /* unreachable: the frame was just sized to hold it */
	in = pkt_ptr(ctx, io, TP_ARP_FRAME_LEN);
	if (!in)
		return -TP_R_ADJUST_FAILED; /* unreachable: the frame was just sized to hold it */
	mac_copy(in, sha);
	mac_copy(in + 6, e->mac);
	wr16(in + 12, TP_ETH_P_ARP);
	in += TP_ETH_HLEN;
	wr16(in, TP_ARP_HTYPE_ETH);
	wr16(in + 2, TP_ETH_P_IP);
	in[4] = TP_ETH_ALEN;
	in[5] = 4;
	wr16(in + 6, TP_ARP_OP_REPLY);
	mac_copy(in + 8, e->mac);
	wr_be32(in + 14, tpa);
	mac_copy(in + 18, sha);
	wr_be32(in + 24, spa);

	t->forward = 0;
	t->built = 1;
	t->reason = TP_R_ARP_REPLY;
	return 0;
}

/* 6. The client's host: store the service flow, rewrite it to the backend. */
static __always_inline int transit_svc_client(struct xdp_md *ctx, struct tp_verdict *v, struct tp_transit *t)
{
	const struct tp_svc_opt *s = &t->g.svc;
	struct tp_ep_key key = {};
	struct tp_flow_key fk = {};
	struct tp_flow_fwd fwd = {};
	struct tp_flow_rev rev = {};
	struct tp_ep_val *ep;
	int ret, hairpin;

	verdict_point(v, TP_DP_TRANSIT_SVC_CLIENT);
	if (t->p.t.daddr != s->vip)
		return 0;
	key.vni = t->g.vni;
	key.ip = t->p.t.saddr;
	ep = bpf_map_lookup_elem(&endpoints, &key);
	if (!ep || ep->kind != TP_EP_LOCAL)
		return 0;
	if (t->p.t.proto != s->proto)
		return -TP_R_SVC_MISMATCH;
	if ((t->p.t.proto == TP_IPPROTO_TCP || t->p.t.proto == TP_IPPROTO_UDP) && t->p.t.dport != s->vip_port)
		return -TP_R_SVC_MISMATCH;
	ret = rewrite_l4_check(&t->p);
	if (ret)
		return ret;

	fk.vni = t->g.vni;
	fk.saddr = t->p.t.saddr;
	fk.daddr = s->vip;
	fk.sport = t->p.t.sport;
	fk.dport = s->vip_port;
	fk.proto = t->p.t.proto;
	fwd.daddr = s->backend_ip;
	fwd.dport = s->backend_port;
	mac_copy(fwd.dmac, s->backend_mac);
	fwd.host.ip = s->host_ip;
	mac_copy(fwd.host.mac, s->host_mac);
	verdict_learn(v, &flows, t->g.vni, &fk, &fwd);

	/* Hairpin: the client is its own backend. Its request is masqueraded as coming from its
	 * subnet's gateway (Linux drops a packet from its own address); the reply, sent to the
	 * gateway address, is un-NATed back to the client. */
	hairpin = s->backend_ip == t->p.t.saddr;
	fk.saddr = s->backend_ip;
	fk.daddr = hairpin ? ep->gw_ip : t->p.t.saddr;
	fk.sport = s->backend_port;
	fk.dport = t->p.t.sport;
	rev.saddr = s->vip;
	rev.sport = s->vip_port;
	mac_copy(rev.smac, t->p.dmac);
	if (hairpin) {
		rev.daddr = t->p.t.saddr;
		rev.dport = t->p.t.sport;
		mac_copy(rev.dmac, ep->mac);
	}
	verdict_learn(v, &rflows, t->g.vni, &fk, &rev);

	ret = rewrite_addr(ctx, &t->p, 0, s->backend_ip, s->backend_port, s->backend_mac);
	if (ret)
		return ret;
	if (hairpin) {
		ret = rewrite_addr(ctx, &t->p, 1, ep->gw_ip, t->p.t.sport, ep->gw_mac);
		if (ret)
			return ret;
	}
	t->next.ip = s->host_ip;
	mac_copy(t->next.mac, s->host_mac);
	t->forward = 1;
	t->reason = TP_R_SERVICE_REWRITE;
	t->acted = 1;
	return 0;
}

/* Whether `ip` is this host. */
static __always_inline int is_me(const struct tp_transit *t, __be32 ip)
{
	return ip == t->cfg.ip;
}

/* 7. The inner destination: local, known elsewhere, a VIP, or unknown here. */
static __always_inline int transit_endpoint(struct xdp_md *ctx, struct tp_verdict *v, struct tp_transit *t)
{
	struct tp_ep_key key = {};
	struct tp_ep_val *ep;
	struct tp_vpc_val *vpc;
	__u32 vni = t->g.vni, n;
	int arp_reply = t->p.is_arp; /* requests never get here */

	verdict_point(v, TP_DP_TRANSIT_ENDPOINT);
	key.vni = vni;
	key.ip = t->p.t.daddr;
	ep = bpf_map_lookup_elem(&endpoints, &key);
	if (ep && ep->kind >= TP_EP_LOCAL && ep->kind <= TP_EP_VIP) {
		t->ep = *ep;
		switch (t->ep.kind) {
		case TP_EP_LOCAL:
			t->step = TP_NEXT_DELIVER;
			return 0;
		case TP_EP_REMOTE:
			if (arp_reply)
				return -TP_R_ARP_NOT_LOCAL;
			t->step = TP_NEXT_BOUNCE;
			return 0;
		case TP_EP_VIP:
			if (arp_reply)
				return -TP_R_ARP_NOT_LOCAL;
			t->step = TP_NEXT_SERVICE;
			return 0;
		default:
			return -TP_R_DST_GATEWAY;
		}
	}
	if (arp_reply)
		return -TP_R_ARP_NOT_LOCAL;
	t->step = TP_NEXT_FORWARD;
	vpc = bpf_map_lookup_elem(&vpcs, &vni);
	if (!vpc)
		return 0;
	n = vpc->n_dividers < TP_MAX_DIVIDERS ? vpc->n_dividers : TP_MAX_DIVIDERS;
	for (__u32 i = 0; i < TP_MAX_DIVIDERS; i++) {
		if (i < n && is_me(t, vpc->dividers[i].ip))
			t->step = TP_NEXT_ROUTE;
	}
	return 0;
}

/* Learns the host-location option's host for (vni, ip) unless it names this host. */
static __always_inline void transit_learn(struct tp_verdict *v, struct tp_transit *t, __be32 ip)
{
	struct tp_ep_key key = {};
	struct tp_host_loc loc = {};

	if (!t->g.have_hl || is_me(t, t->g.hl.ip))
		return;
	key.vni = t->g.vni;
	key.ip = ip;
	loc.ip = t->g.hl.ip;
	mac_copy(loc.mac, t->g.hl.mac);
	verdict_learn(v, &ep_cache, t->g.vni, &key, &loc);
}

/* 8. Local endpoint: learn, un-NAT, decapsulate, redirect to its veth. */
static __always_inline int transit_deliver(struct xdp_md *ctx, struct tp_verdict *v, struct tp_transit *t,
					   struct tp_out *out)
{
	struct tp_flow_key fk = {};
	struct tp_flow_rev *rev, r;
	__u8 *eth;
	int ret;

	verdict_point(v, TP_DP_TRANSIT_DELIVER);
	transit_learn(v, t, t->p.t.saddr);
	if (!t->p.is_arp) {
		fk.vni = t->g.vni;
		fk.saddr = t->p.t.saddr;
		fk.daddr = t->p.t.daddr;
		fk.sport = t->p.t.sport;
		fk.dport = t->p.t.dport;
		fk.proto = t->p.t.proto;
		rev = learnt_lookup(&rflows, t->g.vni, &fk);
		if (rev) {
			r = *rev;
			ret = rewrite_unnat(ctx, &t->p, &r);
			if (ret)
				return ret;
		}
	}
	if (bpf_xdp_adjust_head(ctx, (int)t->g.inner_off))
		return -TP_R_ADJUST_FAILED; /* unreachable: inner_off + 14 <= the frame length (transit_inner) */
	eth = pkt_ptr(ctx, 0, TP_ETH_HLEN);
	if (!eth)
		return -TP_R_ADJUST_FAILED; /* unreachable: inner_off + 14 <= the frame length (transit_inner) */
	mac_copy(eth, t->ep.mac);
	out_set(out, XDP_REDIRECT, TP_R_DECAP_DELIVER, t->ep.ifindex);
	return TP_DONE;
}

/* 9. Bouncer: forward to the endpoint's host. */
static __always_inline int transit_bounce(struct xdp_md *ctx, struct tp_verdict *v, struct tp_transit *t)
{
	__u8 *eth;

	verdict_point(v, TP_DP_TRANSIT_BOUNCE);
	eth = pkt_ptr(ctx, t->g.inner_off, TP_ETH_HLEN);
	if (!eth)
		return -TP_R_INNER_MALFORMED; /* unreachable: parsed */
	mac_copy(eth, t->ep.mac);
	t->next.ip = t->ep.host_ip;
	mac_copy(t->next.mac, t->ep.host_mac);
	t->forward = 1;
	t->reason = TP_R_BOUNCE_TO_HOST;
	return 0;
}

/* 10. VIP: Maglev backend choice, bounced to the client's host with a rewrite option. */
static __always_inline int transit_service(struct xdp_md *ctx, struct tp_verdict *v, struct tp_transit *t)
{
	struct tp_svc_key sk = {};
	struct tp_svc_val *sv, s;
	struct tp_backend *bk;
	struct tp_svc_opt opt = {};
	__u32 key, *idx, i;
	int ret;

	verdict_point(v, TP_DP_TRANSIT_SERVICE);
	if (t->p.frag)
		return -TP_R_SVC_FRAGMENT;
	sk.vni = t->g.vni;
	sk.vip = t->p.t.daddr;
	sk.port = t->p.t.dport;
	sk.proto = t->p.t.proto;
	sv = bpf_map_lookup_elem(&services, &sk);
	if (!sv)
		return -TP_R_NO_SERVICE_PORT;
	s = *sv;
	if (s.n_backends == 0)
		return -TP_R_NO_BACKEND;
	if (!t->g.have_hl)
		return -TP_R_NO_HOST_LOC;
	if (t->g.have_svc)
		return -TP_R_SVC_LOOP;
	if (t->g.opt_bytes / 4 + TP_OPT_SVC_WORDS + 1 > TP_GENEVE_MAX_OPT_WORDS)
		return -TP_R_OPT_NO_ROOM;
	/* The option grows the packet: checked before growing it, as the agent checks its encapsulation. */
	if (t->cfg.mtu != 0 && t->outer_len + TP_OPT_SVC_LEN > t->cfg.mtu)
		return -TP_R_MTU_EXCEEDED;
	/* u32 arithmetic (wraps like the model's); an index past the array misses. */
	key = s.svc_id * TP_MAGLEV_M + flow_hash(&t->p.t, TP_SEED_MAGLEV) % TP_MAGLEV_M;
	idx = bpf_map_lookup_elem(&maglev, &key);
	if (!idx)
		return -TP_R_NO_BACKEND;
	i = *idx;
	if (i >= s.n_backends)
		return -TP_R_NO_BACKEND;
	key = s.svc_id * TP_MAX_BACKENDS + i;
	bk = bpf_map_lookup_elem(&backends, &key);
	if (!bk)
		return -TP_R_NO_BACKEND;

	opt.vip = t->p.t.daddr;
	opt.backend_ip = bk->ip;
	opt.vip_port = t->p.t.dport;
	opt.backend_port = s.target_port ? s.target_port : t->p.t.dport;
	opt.proto = t->p.t.proto;
	mac_copy(opt.backend_mac, bk->mac);
	opt.host_ip = bk->host.ip;
	mac_copy(opt.host_mac, bk->host.mac);
	ret = encap_insert_svc(ctx, &t->g, &opt, t->cfg.opt_class);
	if (ret)
		return ret;
	t->next.ip = t->g.hl.ip;
	mac_copy(t->next.mac, t->g.hl.mac);
	t->forward = 1;
	t->reason = TP_R_SERVICE_BOUNCE;
	return 0;
}

/* Picks bouncer pair_hash(SEED_BOUNCER) % n of a subnet into t->next; -1 when it has none. */
static __always_inline int pick_bouncer(struct tp_transit *t, const struct tp_net_val *net)
{
	__u32 n = net->n_bouncers < TP_MAX_BOUNCERS ? net->n_bouncers : TP_MAX_BOUNCERS, i;

	if (n == 0)
		return -1;
	i = pair_hash(&t->p.t, TP_SEED_BOUNCER) % n;
	barrier_var(i); /* keep the bound check: the verifier cannot see through % n */
	if (i >= TP_MAX_BOUNCERS)
		return -1; /* unreachable: i < n */
	t->next.ip = net->bouncers[i].ip;
	mac_copy(t->next.mac, net->bouncers[i].mac);
	return 0;
}

/* 11. The divider: route between subnets of the VPC. */
static __always_inline int transit_route(struct xdp_md *ctx, struct tp_verdict *v, struct tp_transit *t)
{
	struct tp_net_key nk = {};
	struct tp_ep_key key = {};
	struct tp_net_val *dst, *src;
	struct tp_host_loc *loc;
	__u8 *d;
	int ret;

	verdict_point(v, TP_DP_TRANSIT_ROUTE);
	if (!t->g.have_hl)
		return -TP_R_NO_HOST_LOC;
	nk.prefixlen = TP_NET_LOOKUP_PREFIXLEN;
	nk.vni = t->g.vni;
	nk.ip = t->p.t.daddr;
	dst = bpf_map_lookup_elem(&networks, &nk);
	if (!dst)
		return -TP_R_NO_ROUTE;
	nk.ip = t->p.t.saddr;
	src = bpf_map_lookup_elem(&networks, &nk);
	if (!src || src->net_id != dst->net_id) {
		ret = rewrite_route(ctx, &t->p, dst->gw_mac);
		if (ret)
			return ret;
	}
	transit_learn(v, t, t->p.t.saddr);
	d = pkt_ptr(ctx, t->g.hl_off + TP_GNV_OPT_HLEN, sizeof(struct tp_host_loc));
	if (!d)
		return -TP_R_OPT_OVERRUN; /* unreachable: the walk read it */
	wr_be32(d, t->cfg.ip);
	mac_copy(d + 4, t->cfg.mac);
	wr16(d + 10, 0);

	key.vni = t->g.vni;
	key.ip = t->p.t.daddr;
	loc = learnt_lookup(&ep_cache, t->g.vni, &key);
	if (loc) {
		t->next = *loc;
		t->reason = TP_R_ROUTE_TO_HOST;
	} else {
		if (pick_bouncer(t, dst))
			return -TP_R_NO_BOUNCER;
		if (is_me(t, t->next.ip))
			return -TP_R_UNKNOWN_DEST;
		t->reason = TP_R_ROUTE_TO_BOUNCER;
	}
	t->forward = 1;
	return 0;
}

/* 12. Unknown here: to a bouncer of the destination's subnet, or to a divider. */
static __always_inline int transit_forward(struct xdp_md *ctx, struct tp_verdict *v, struct tp_transit *t)
{
	struct tp_net_key nk = {};
	struct tp_net_val *dst;
	struct tp_vpc_val *vpc;
	__u32 vni = t->g.vni, n, i;

	verdict_point(v, TP_DP_TRANSIT_FORWARD);
	nk.prefixlen = TP_NET_LOOKUP_PREFIXLEN;
	nk.vni = vni;
	nk.ip = t->p.t.daddr;
	dst = bpf_map_lookup_elem(&networks, &nk);
	if (dst) {
		n = dst->n_bouncers < TP_MAX_BOUNCERS ? dst->n_bouncers : TP_MAX_BOUNCERS;
		for (i = 0; i < TP_MAX_BOUNCERS; i++) {
			if (i < n && is_me(t, dst->bouncers[i].ip))
				return -TP_R_UNKNOWN_DEST;
		}
		if (pick_bouncer(t, dst))
			return -TP_R_NO_BOUNCER;
		t->reason = TP_R_FORWARD_TO_BOUNCER;
	} else {
		vpc = bpf_map_lookup_elem(&vpcs, &vni);
		if (!vpc || vpc->n_dividers == 0)
			return -TP_R_NO_ROUTE;
		n = vpc->n_dividers < TP_MAX_DIVIDERS ? vpc->n_dividers : TP_MAX_DIVIDERS;
		i = pair_hash(&t->p.t, TP_SEED_DIVIDER) % n;
		barrier_var(i); /* keep the bound check: the verifier cannot see through % n */
		if (i >= TP_MAX_DIVIDERS)
			return -TP_R_NO_ROUTE; /* unreachable: i < n */
		t->next.ip = vpc->dividers[i].ip;
		mac_copy(t->next.mac, vpc->dividers[i].mac);
		t->reason = TP_R_FORWARD_TO_DIVIDER;
	}
	t->forward = 1;
	return 0;
}

/* 13. Outer rewrite and send: out the underlay, or once more through transit. */
static __always_inline int transit_send(struct xdp_md *ctx, struct tp_verdict *v, struct tp_transit *t,
					struct tp_out *out)
{
	int ret;

	verdict_point(v, TP_DP_TRANSIT_SEND);
	/* A reply transit_arp built already has these headers (to t->next, from this host, a
	 * fresh TTL, its checksum): rewriting them would write the same bytes again. */
	if (!t->built) {
		ret = encap_rewrite_outer(ctx, &t->cfg, &t->next, t->forward);
		if (ret)
			return ret;
	}
	if (is_me(t, t->next.ip)) {
		verdict_point(v, TP_DP_TRANSIT_TAIL_CALL);
		v->flags |= TP_VF_CONTINUE;
		bpf_tail_call(ctx, &progs, TP_PROG_TRANSIT);
		v->flags &= ~TP_VF_CONTINUE;
		return -TP_R_TAIL_CALL_FAILED;
	}
	if (ctx->ingress_ifindex == t->cfg.underlay_ifindex)
		out_set(out, XDP_TX, t->reason, 0);
	else
		out_set(out, XDP_REDIRECT, t->reason, t->cfg.underlay_ifindex);
	return TP_DONE;
}

static __always_inline int transit_steps(struct xdp_md *ctx, struct tp_verdict *v, struct tp_transit *t,
					 struct tp_out *out)
{
	int ret;

	ret = transit_outer(ctx, v, t, out);
	if (ret)
		return ret;
	ret = transit_geneve(ctx, v, t);
	if (ret)
		return ret;
	ret = transit_options(ctx, v, t);
	if (ret)
		return ret;
	ret = transit_inner(ctx, v, t);
	if (ret)
		return ret;
	if (t->p.is_arp && t->p.arp_op == TP_ARP_OP_REQUEST) {
		ret = transit_arp(ctx, v, t);
		if (ret)
			return ret;
		return transit_send(ctx, v, t, out);
	}
	if (!t->p.is_arp && t->g.have_svc) {
		ret = transit_svc_client(ctx, v, t);
		if (ret)
			return ret;
		if (t->acted)
			return transit_send(ctx, v, t, out);
	}
	ret = transit_endpoint(ctx, v, t);
	if (ret)
		return ret;
	switch (t->step) {
	case TP_NEXT_DELIVER:
		return transit_deliver(ctx, v, t, out);
	case TP_NEXT_BOUNCE:
		ret = transit_bounce(ctx, v, t);
		break;
	case TP_NEXT_SERVICE:
		ret = transit_service(ctx, v, t);
		break;
	case TP_NEXT_ROUTE:
		ret = transit_route(ctx, v, t);
		break;
	default:
		ret = transit_forward(ctx, v, t);
		break;
	}
	if (ret)
		return ret;
	return transit_send(ctx, v, t, out);
}

/* The transit program: continue the record after a tail call, else a fresh one; one exit. */
static __always_inline int transit_main(struct xdp_md *ctx)
{
	struct tp_verdict *v = verdict_get();
	struct tp_host_cfg *hc = host_cfg_get();
	struct tp_transit t = {};
	struct tp_out out = {};
	int ret;

	if (!v || !hc)
		return XDP_ABORTED; /* a CPU past the verdict slots (cfg key 0 always exists) */
	if (v->flags & TP_VF_CONTINUE)
		v->flags &= ~TP_VF_CONTINUE;
	else
		verdict_reset(v);
	t.cfg = *hc;
	/*
	 * Keep the run state in memory: split into scalars it would not fit the 512-byte
	 * stack as register spills across this (fully inlined) program.
	 */
	asm volatile("" : : "r"(&t) : "memory");
	ret = transit_steps(ctx, v, &t, &out);
	return verdict_finish(v, ret, &out);
}

#endif /* TWINPLANE_TRANSIT_H */
