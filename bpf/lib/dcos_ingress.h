/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dcos_ingress: XDP on an agent's underlay NIC (docs/dcos.md section 4.2;
 * model/dcos/dcos-ingress.ts line for line). VXLAN to this agent on port 64000 is checked,
 * un-NATed when it answers a local client's VIP flow, decapsulated and delivered; anything
 * else goes to the host stack untouched.
 */
#ifndef TWINPLANE_DCOS_INGRESS_H
#define TWINPLANE_DCOS_INGRESS_H

#include "dcos_verdict.h"
#include "dcos_lb.h"

struct dcos_ingress_scratch {
	struct dcos_pkt s;
	const struct dcos_cfg *cfg;
	__u32 inner_off;     /* offset of the inner Ethernet header */
	__u32 outer_ihl4;
	__u32 outer_tot_len;
	__u32 udp;
};

/* Step 1: is this VXLAN to this agent? Everything else is the host's. */
static __always_inline int dcos_ingress_outer(struct xdp_md *ctx, struct tp_verdict *v, struct tp_out *out,
					      struct dcos_ingress_scratch *e)
{
	struct tp_pkt o = {};
	__u32 pass = 0;
	__u8 *eth;

	dcos_point(v, TP_DP_DCOS_INGRESS_OUTER);
	eth = pkt_ptr(ctx, 0, TP_ETH_HLEN);
	if (!eth)
		return -TP_R_DCOS_ETH_TRUNCATED;
	if (rd16(eth + 12) != TP_ETH_P_IP || parse_ipv4(ctx, TP_ETH_HLEN, &o) < 0)
		pass = TP_R_DCOS_PASS_NOT_IPV4;
	else if (o.t.proto != TP_IPPROTO_UDP)
		pass = TP_R_DCOS_PASS_NOT_UDP;
	else if (o.t.daddr != e->cfg->underlay_ip)
		pass = TP_R_DCOS_PASS_NOT_FOR_HOST;
	else if (o.frag)
		pass = TP_R_DCOS_PASS_FRAGMENT;
	else if (o.ihl4 + TP_UDP_HLEN > o.tot_len || bpf_ntohs(o.t.dport) != DCOS_VXLAN_PORT)
		pass = TP_R_DCOS_PASS_NOT_VXLAN;
	if (pass != 0) {
		out_set(out, XDP_PASS, pass, 0);
		return TP_DONE;
	}
	e->outer_ihl4 = o.ihl4;
	e->outer_tot_len = o.tot_len;
	e->udp = TP_ETH_HLEN + o.ihl4;
	return 0;
}

/* Step 2: UDP length, VXLAN header, I flag, VNI. */
static __always_inline int dcos_ingress_vxlan(struct xdp_md *ctx, struct tp_verdict *v, struct dcos_ingress_scratch *e)
{
	__u8 *udp, *vx;
	__u32 vni;

	dcos_point(v, TP_DP_DCOS_INGRESS_VXLAN);
	udp = pkt_ptr(ctx, e->udp, TP_UDP_HLEN + DCOS_VXLAN_HLEN);
	if (!udp)
		return -TP_R_DCOS_VXLAN_MALFORMED;
	/* The datagram must be the whole rest of the frame: no lying length, no trailing bytes. */
	if (rd16(udp + 4) != e->outer_tot_len - e->outer_ihl4)
		return -TP_R_DCOS_VXLAN_MALFORMED;
	if (e->outer_tot_len != pkt_len(ctx) - TP_ETH_HLEN)
		return -TP_R_DCOS_VXLAN_MALFORMED;
	vx = udp + TP_UDP_HLEN;
	if ((vx[0] & DCOS_VXLAN_FLAG_I) == 0)
		return -TP_R_DCOS_VXLAN_NO_I_BIT;
	vni = ((__u32)vx[4] << 16) | ((__u32)vx[5] << 8) | vx[6];
	if (vni != DCOS_VNI)
		return -TP_R_DCOS_VXLAN_BAD_VNI;
	e->inner_off = e->udp + TP_UDP_HLEN + DCOS_VXLAN_HLEN;
	return 0;
}

/* Step 3: the inner Ethernet (to our VTEP MAC) and IPv4. */
static __always_inline int dcos_ingress_inner(struct xdp_md *ctx, struct tp_verdict *v, struct dcos_ingress_scratch *e)
{
	__u8 *eth;

	dcos_point(v, TP_DP_DCOS_INGRESS_INNER);
	eth = pkt_ptr(ctx, e->inner_off, TP_ETH_HLEN);
	if (!eth)
		return -TP_R_DCOS_INNER_MALFORMED;
	if (rd16(eth + 12) != TP_ETH_P_IP)
		return -TP_R_DCOS_INNER_BAD_ETHERTYPE;
	if (!mac_eq(eth, e->cfg->vtep_mac))
		return -TP_R_DCOS_INNER_NOT_VTEP;
	if (parse_ipv4(ctx, e->inner_off + TP_ETH_HLEN, &e->s.p) < 0)
		return -TP_R_DCOS_INNER_MALFORMED;
	return dcos_l4_parse(ctx, &e->s, TP_R_DCOS_INNER_MALFORMED);
}

/* Step 4: a backend's reply to a local client's VIP flow comes from the VIP again. */
static __always_inline int dcos_ingress_unnat(struct xdp_md *ctx, struct tp_verdict *v, struct dcos_ingress_scratch *e)
{
	const struct tp_tuple *t = &e->s.p.t;
	struct dcos_nat_val *n;
	struct dcos_tuple k;

	dcos_point(v, TP_DP_DCOS_INGRESS_UNNAT);
	dcos_tuple_key(&k, t->saddr, t->daddr, t->sport, t->dport, t->proto);
	n = bpf_map_lookup_elem(&dcos_nat, &k);
	if (!n)
		return 0;
	return dcos_nat_rewrite(ctx, &e->s, n->saddr, n->sport, n->daddr, n->dport);
}

/* Step 5: strip the outer headers; to the container's veth, or to this agent's own stack. */
static __always_inline int dcos_ingress_deliver(struct xdp_md *ctx, struct tp_verdict *v, struct tp_out *out,
						struct dcos_ingress_scratch *e)
{
	const struct dcos_cfg *cfg = e->cfg;
	struct dcos_local_val *loc;
	struct dcos_ip_key ik;
	__be32 d = e->s.p.t.daddr;
	int to_host;
	__u8 *eth;

	dcos_point(v, TP_DP_DCOS_INGRESS_DELIVER);
	ik.ip = d;
	loc = bpf_map_lookup_elem(&dcos_local, &ik);
	to_host = d == cfg->underlay_ip || d == cfg->gateway || d == cfg->vtep_ip;
	if (!loc && !to_host)
		return -TP_R_DCOS_UNKNOWN_LOCAL;
	/* Out of vtep1024 onto the bridge is a routed hop; to the agent itself it is local delivery. */
	if (loc) {
		int r = dcos_ttl_dec(ctx, &e->s);

		if (r != 0)
			return r;
	}
	if (bpf_xdp_adjust_head(ctx, (int)e->inner_off))
		return -TP_R_DCOS_ADJUST_FAILED;
	eth = pkt_ptr(ctx, 0, TP_ETH_HLEN);
	if (!eth)
		return -TP_R_DCOS_ADJUST_FAILED; /* unreachable: adjust_head leaves an Ethernet header */
	if (loc) {
		mac_copy(eth, loc->mac);
		mac_copy(eth + 6, cfg->bridge_mac);
		out_set(out, XDP_REDIRECT, TP_R_DCOS_DECAP_DELIVER, loc->ifindex);
		return TP_DONE;
	}
	/* What vtep1024 hands the agent's stack: addressed to the NIC, so the stack takes it. */
	mac_copy(eth, cfg->underlay_mac);
	out_set(out, XDP_PASS, TP_R_DCOS_DECAP_TO_HOST, 0);
	return TP_DONE;
}

/* The steps in order (docs/dcos.md 4.2). */
static __always_inline int dcos_ingress_steps(struct xdp_md *ctx, struct tp_verdict *v, struct tp_out *out,
					      struct dcos_ingress_scratch *e)
{
	int r;

	r = dcos_ingress_outer(ctx, v, out, e);
	if (r != 0)
		return r;
	r = dcos_ingress_vxlan(ctx, v, e);
	if (r != 0)
		return r;
	r = dcos_ingress_inner(ctx, v, e);
	if (r != 0)
		return r;
	if (e->s.l4) {
		r = dcos_ingress_unnat(ctx, v, e);
		if (r != 0)
			return r;
	}
	return dcos_ingress_deliver(ctx, v, out, e);
}

static __always_inline int dcos_ingress_main(struct xdp_md *ctx)
{
	struct dcos_ingress_scratch e = {};
	struct tp_out out = {};
	struct tp_verdict *v = dcos_run_start(&e.cfg);

	if (!v)
		return XDP_ABORTED;
	return dcos_finish(v, dcos_ingress_steps(ctx, v, &out, &e), &out);
}

#endif /* TWINPLANE_DCOS_INGRESS_H */
