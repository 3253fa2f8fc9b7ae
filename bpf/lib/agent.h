/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent: XDP on each host-side veth, the pod's egress (docs/dataplane.md 4.1). One
 * function per decision point, named as in the spec; each returns 0 to go on, TP_DONE
 * with a verdict in `out`, or a negative drop reason.
 */
#ifndef TWINPLANE_AGENT_H
#define TWINPLANE_AGENT_H

#include "verdict.h"
#include "parse.h"
#include "gnv.h"
#include "encap.h"
#include "rewrite.h"

/* What the agent knows about the packet it is handling. */
struct tp_agent {
	struct tp_host_cfg cfg;
	struct tp_iface iface;
	struct tp_pkt p;
	struct tp_host_loc next; /* next hop of the encapsulated packet */
	__u32 reason;            /* reason of the encapsulation */
	__u8 flow_hit;           /* step 5 found an established service flow */
	__u8 have_next;
};

/* 1. The endpoint configured on the ingress veth. */
static __always_inline int agent_iface(struct xdp_md *ctx, struct tp_verdict *v, struct tp_agent *a)
{
	__u32 ifindex = ctx->ingress_ifindex;
	struct tp_iface *iface;

	verdict_point(v, TP_DP_AGENT_IFACE);
	iface = bpf_map_lookup_elem(&ifaces, &ifindex);
	if (!iface)
		return -TP_R_NO_IFACE;
	a->iface = *iface;
	return 0;
}

/* 2. Ethernet: length, VLAN, source MAC, EtherType (sets p.is_arp). */
static __always_inline int agent_eth(struct xdp_md *ctx, struct tp_verdict *v, struct tp_agent *a)
{
	__u8 *eth;
	__u16 proto;

	verdict_point(v, TP_DP_AGENT_ETH);
	eth = pkt_ptr(ctx, 0, TP_ETH_HLEN);
	if (!eth)
		return -TP_R_ETH_TRUNCATED; /* unreachable in the kernel: XDP never runs on a frame under 14 bytes (test runs refuse one) */
	proto = rd16(eth + 12);
	if (proto == TP_ETH_P_8021Q || proto == TP_ETH_P_8021AD)
		return -TP_R_VLAN_NOT_ALLOWED;
	if (!mac_eq(eth + 6, a->iface.mac))
		return -TP_R_SPOOFED_SRC;
	if (proto == TP_ETH_P_ARP)
		a->p.is_arp = 1;
	else if (proto == TP_ETH_P_IP)
		a->p.is_arp = 0;
	else
		return -TP_R_BAD_ETHERTYPE;
	return 0;
}

/* 3. ARP request from the pod: checks, cut to 42 bytes; it then goes to a bouncer. */
static __always_inline int agent_arp(struct xdp_md *ctx, struct tp_verdict *v, struct tp_agent *a)
{
	__u32 len;

	verdict_point(v, TP_DP_AGENT_ARP);
	if (parse_arp(ctx, TP_ETH_HLEN, &a->p))
		return -TP_R_ARP_MALFORMED;
	if (a->p.arp_op != TP_ARP_OP_REQUEST)
		return -TP_R_ARP_BAD_OP;
	if (!mac_eq(a->p.sha, a->iface.mac) || a->p.t.saddr != a->iface.ip)
		return -TP_R_SPOOFED_SRC;
	len = pkt_len(ctx);
	if (len > TP_ARP_FRAME_LEN && bpf_xdp_adjust_tail(ctx, (int)TP_ARP_FRAME_LEN - (int)len))
		return -TP_R_ADJUST_FAILED; /* unreachable: cuts to >= 42 bytes; the kernel refuses only a frame under 14 */
	a->reason = TP_R_ENCAP_TO_BOUNCER;
	return 0;
}

/* 4. IPv4 checks and source address; cut to 14 + total length; the flow tuple. */
static __always_inline int agent_ip(struct xdp_md *ctx, struct tp_verdict *v, struct tp_agent *a)
{
	__u32 len, want;

	verdict_point(v, TP_DP_AGENT_IP);
	if (parse_ipv4(ctx, TP_ETH_HLEN, &a->p))
		return -TP_R_IP_MALFORMED;
	if (a->p.t.saddr != a->iface.ip)
		return -TP_R_SPOOFED_SRC;
	len = pkt_len(ctx);
	want = TP_ETH_HLEN + a->p.tot_len;
	if (len > want && bpf_xdp_adjust_tail(ctx, (int)want - (int)len))
		return -TP_R_ADJUST_FAILED; /* unreachable: cuts to >= 42 bytes; the kernel refuses only a frame under 14 */
	return 0;
}

/* 5. Established service flow: rewrite the destination to the backend. */
static __always_inline int agent_flow(struct xdp_md *ctx, struct tp_verdict *v, struct tp_agent *a)
{
	struct tp_flow_key key = {};
	struct tp_flow_fwd *fwd, f;
	int ret;

	verdict_point(v, TP_DP_AGENT_FLOW);
	key.vni = a->iface.vni;
	key.saddr = a->p.t.saddr;
	key.daddr = a->p.t.daddr;
	key.sport = a->p.t.sport;
	key.dport = a->p.t.dport;
	key.proto = a->p.t.proto;
	fwd = learnt_lookup(&flows, a->iface.vni, &key);
	if (!fwd)
		return 0;
	f = *fwd;
	ret = rewrite_l4_check(&a->p);
	if (ret)
		return ret;
	ret = rewrite_addr(ctx, &a->p, 0, f.daddr, f.dport, f.dmac);
	if (ret)
		return ret;
	a->flow_hit = 1;
	a->next = f.host;
	return 0;
}

/* 6. Destination on this host: deliver without encapsulation (routing across subnets). */
static __always_inline int agent_local(struct xdp_md *ctx, struct tp_verdict *v, struct tp_agent *a,
				       struct tp_out *out)
{
	struct tp_ep_key key = {};
	struct tp_flow_key rkey = {};
	struct tp_ep_val *ep, e;
	struct tp_flow_rev *rev, r;
	__u8 *eth;
	int ret;

	verdict_point(v, TP_DP_AGENT_LOCAL);
	/* A service reply from a backend on the client's own host never crosses transit: un-NAT
	 * here, as transit_deliver does for replies from other hosts. First: a hairpin's reply is
	 * addressed to the masquerade address, and only its un-NAT names the local client. */
	rkey.vni = a->iface.vni;
	rkey.saddr = a->p.t.saddr;
	rkey.daddr = a->p.t.daddr;
	rkey.sport = a->p.t.sport;
	rkey.dport = a->p.t.dport;
	rkey.proto = a->p.t.proto;
	rev = learnt_lookup(&rflows, a->iface.vni, &rkey);
	if (rev) {
		r = *rev;
		ret = rewrite_unnat(ctx, &a->p, &r);
		if (ret)
			return ret;
	}
	key.vni = a->iface.vni;
	key.ip = a->p.t.daddr;
	ep = bpf_map_lookup_elem(&endpoints, &key);
	if (!ep || ep->kind != TP_EP_LOCAL)
		return 0;
	e = *ep;
	/* Hairpin: the flow chose the sender itself as backend. Linux drops a packet whose source
	 * is its own address, so the source is masqueraded as the subnet's gateway. */
	if (a->flow_hit && a->p.t.daddr == a->p.t.saddr) {
		ret = rewrite_addr(ctx, &a->p, 1, e.gw_ip, a->p.t.sport, e.gw_mac);
		if (ret)
			return ret;
	}
	if (e.net_id != a->iface.net_id) {
		ret = rewrite_route(ctx, &a->p, e.gw_mac);
		if (ret)
			return ret;
	}
	eth = pkt_ptr(ctx, 0, TP_ETH_HLEN);
	if (!eth)
		return -TP_R_ETH_TRUNCATED; /* unreachable: parsed */
	mac_copy(eth, e.mac);
	out_set(out, XDP_REDIRECT, TP_R_DELIVERED_LOCAL, e.ifindex);
	return TP_DONE;
}

/* 7. The learnt host of the destination. */
static __always_inline int agent_cache(struct xdp_md *ctx, struct tp_verdict *v, struct tp_agent *a)
{
	struct tp_ep_key key = {};
	struct tp_host_loc *loc;

	verdict_point(v, TP_DP_AGENT_CACHE);
	key.vni = a->iface.vni;
	key.ip = a->p.t.daddr;
	loc = learnt_lookup(&ep_cache, a->iface.vni, &key);
	if (!loc)
		return 0;
	a->next = *loc;
	a->have_next = 1;
	a->reason = TP_R_ENCAP_TO_HOST;
	return 0;
}

/* 8. A bouncer of the pod's own subnet, chosen by the address pair. */
static __always_inline int agent_bouncer(struct xdp_md *ctx, struct tp_verdict *v, struct tp_agent *a)
{
	struct tp_net_key key = {};
	struct tp_net_val *net;
	__u32 n, i;

	verdict_point(v, TP_DP_AGENT_BOUNCER);
	key.prefixlen = TP_NET_LOOKUP_PREFIXLEN;
	key.vni = a->iface.vni;
	key.ip = a->iface.ip;
	net = bpf_map_lookup_elem(&networks, &key);
	if (!net || net->n_bouncers == 0)
		return -TP_R_NO_BOUNCER;
	n = net->n_bouncers < TP_MAX_BOUNCERS ? net->n_bouncers : TP_MAX_BOUNCERS;
	i = pair_hash(&a->p.t, TP_SEED_BOUNCER) % n;
	barrier_var(i); /* keep the bound check: the verifier cannot see through % n */
	if (i >= TP_MAX_BOUNCERS)
		return -TP_R_NO_BOUNCER; /* unreachable: i < n <= TP_MAX_BOUNCERS */
	a->next = net->bouncers[i];
	if (!a->p.is_arp)
		a->reason = TP_R_ENCAP_TO_BOUNCER;
	return 0;
}

/* 10. The outer destination is this host: continue in transit. */
static __always_inline int agent_tail_call(struct xdp_md *ctx, struct tp_verdict *v)
{
	verdict_point(v, TP_DP_AGENT_TAIL_CALL);
	v->flags |= TP_VF_CONTINUE;
	bpf_tail_call(ctx, &progs, TP_PROG_TRANSIT);
	v->flags &= ~TP_VF_CONTINUE;
	return -TP_R_TAIL_CALL_FAILED;
}

/* 9. Geneve encapsulation with the host-location option, then out (or into transit). */
static __always_inline int agent_encap(struct xdp_md *ctx, struct tp_verdict *v, struct tp_agent *a,
				       struct tp_out *out)
{
	__u32 inner_len = pkt_len(ctx);
	__u32 ip_len = inner_len + TP_ENCAP_LEN - TP_ETH_HLEN;
	__be16 sport;

	verdict_point(v, TP_DP_AGENT_ENCAP);
	/* Room for a bouncer's service-rewrite option too: the agent cannot tell a VIP from an
	 * endpoint, and a first packet to a VIP grows by TP_OPT_SVC_LEN at the bouncer. */
	if (a->cfg.mtu != 0 && ip_len + TP_OPT_SVC_LEN > a->cfg.mtu)
		return -TP_R_MTU_EXCEEDED;
	sport = flow_sport(&a->p.t);
	if (bpf_xdp_adjust_head(ctx, -(int)TP_ENCAP_LEN))
		return -TP_R_ADJUST_FAILED; /* unreachable: XDP gives 256 bytes of headroom, a run grows by at most 102 */
	if (encap_write_outer(ctx, &a->cfg, &a->next, a->iface.vni & TP_VNI_MASK, sport, ip_len,
			      TP_OPT_HOST_LOC_WORDS + 1, 0))
		return -TP_R_ADJUST_FAILED; /* unreachable: the frame was just sized to hold it */
	if (encap_write_hostloc(ctx, TP_OUTER_HLEN, a->cfg.ip, a->cfg.mac, a->cfg.opt_class))
		return -TP_R_ADJUST_FAILED; /* unreachable: the frame was just sized to hold it */
	if (a->next.ip == a->cfg.ip)
		return agent_tail_call(ctx, v);
	out_set(out, XDP_REDIRECT, a->reason, a->cfg.underlay_ifindex);
	return TP_DONE;
}

static __always_inline int agent_steps(struct xdp_md *ctx, struct tp_verdict *v, struct tp_agent *a,
				       struct tp_out *out)
{
	int ret;

	ret = agent_iface(ctx, v, a);
	if (ret)
		return ret;
	ret = agent_eth(ctx, v, a);
	if (ret)
		return ret;
	if (a->p.is_arp) {
		ret = agent_arp(ctx, v, a);
		if (ret)
			return ret;
	} else {
		ret = agent_ip(ctx, v, a);
		if (ret)
			return ret;
		ret = agent_flow(ctx, v, a);
		if (ret)
			return ret;
		ret = agent_local(ctx, v, a, out);
		if (ret)
			return ret;
		if (a->flow_hit) {
			a->reason = TP_R_ENCAP_TO_BACKEND;
			a->have_next = 1;
		} else {
			ret = agent_cache(ctx, v, a);
			if (ret)
				return ret;
		}
	}
	if (!a->have_next) {
		ret = agent_bouncer(ctx, v, a);
		if (ret)
			return ret;
	}
	return agent_encap(ctx, v, a, out);
}

/* The agent program: a fresh record, the steps, the one exit. */
static __always_inline int agent_main(struct xdp_md *ctx)
{
	struct tp_verdict *v = verdict_get();
	struct tp_host_cfg *hc = host_cfg_get();
	struct tp_agent a = {};
	struct tp_out out = {};
	int ret;

	if (!v || !hc)
		return XDP_ABORTED; /* a CPU past the verdict slots (cfg key 0 always exists) */
	verdict_reset(v);
	a.cfg = *hc;
	ret = agent_steps(ctx, v, &a, &out);
	return verdict_finish(v, ret, &out);
}

#endif /* TWINPLANE_AGENT_H */
