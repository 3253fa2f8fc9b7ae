/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dcos_egress: XDP on a container's host-side veth (docs/dcos.md section 4.1;
 * model/dcos/dcos-egress.ts line for line). Steps return 0 to go on, -reason to drop,
 * TP_DONE with the out filled.
 */
#ifndef TWINPLANE_DCOS_EGRESS_H
#define TWINPLANE_DCOS_EGRESS_H

#include "dcos_verdict.h"
#include "dcos_lb.h"
#include "dcos_vxlan.h"

struct dcos_egress_scratch {
	struct dcos_pkt s;
	struct dcos_iface *iface;
	const struct dcos_cfg *cfg;
	__u32 natted; /* a step rewrote the tuple: the later NAT steps are skipped */
};

/* Step 1: the container behind the ingress veth. */
static __always_inline int dcos_egress_iface(struct xdp_md *ctx, struct tp_verdict *v, struct dcos_egress_scratch *e)
{
	__u32 ifindex = ctx->ingress_ifindex;

	dcos_point(v, TP_DP_DCOS_EGRESS_IFACE);
	e->iface = bpf_map_lookup_elem(&dcos_iface, &ifindex);
	if (!e->iface)
		return -TP_R_DCOS_NO_IFACE;
	return 0;
}

/* Step 2: Ethernet; ARP is the bridge's business. */
static __always_inline int dcos_egress_eth(struct xdp_md *ctx, struct tp_verdict *v, struct tp_out *out,
					   struct dcos_egress_scratch *e)
{
	__u8 *eth;
	__u16 type;

	dcos_point(v, TP_DP_DCOS_EGRESS_ETH);
	eth = pkt_ptr(ctx, 0, TP_ETH_HLEN);
	if (!eth)
		return -TP_R_DCOS_ETH_TRUNCATED;
	if (!mac_eq(eth + 6, e->iface->mac))
		return -TP_R_DCOS_SPOOFED_SRC;
	type = rd16(eth + 12);
	if (type == TP_ETH_P_ARP) {
		out_set(out, XDP_PASS, TP_R_DCOS_PASS_ARP, 0);
		return TP_DONE;
	}
	if (type != TP_ETH_P_IP)
		return -TP_R_DCOS_BAD_ETHERTYPE;
	return 0;
}

/* Step 3: IPv4 and TCP/UDP header checks, the source address. */
static __always_inline int dcos_egress_ip(struct xdp_md *ctx, struct tp_verdict *v, struct dcos_egress_scratch *e)
{
	dcos_point(v, TP_DP_DCOS_EGRESS_IP);
	if (parse_ipv4(ctx, TP_ETH_HLEN, &e->s.p) < 0)
		return -TP_R_DCOS_IP_MALFORMED;
	if (e->s.p.t.saddr != e->iface->ip)
		return -TP_R_DCOS_SPOOFED_SRC;
	return dcos_l4_parse(ctx, &e->s, TP_R_DCOS_L4_MALFORMED);
}

/* Step 4: a reply of a hairpin flow, from its local backend: back to VIP -> client. */
static __always_inline int dcos_egress_nat(struct xdp_md *ctx, struct tp_verdict *v, struct dcos_egress_scratch *e)
{
	const struct tp_tuple *t = &e->s.p.t;
	struct dcos_nat_val *n;
	struct dcos_tuple k;

	dcos_point(v, TP_DP_DCOS_EGRESS_NAT);
	dcos_tuple_key(&k, t->saddr, t->daddr, t->sport, t->dport, t->proto);
	n = bpf_map_lookup_elem(&dcos_nat, &k);
	if (!n)
		return 0;
	e->natted = 1;
	return dcos_nat_rewrite(ctx, &e->s, n->saddr, n->sport, n->daddr, n->dport);
}

/* Step 5: an established VIP flow keeps its backend (weight 0 or not). */
static __always_inline int dcos_egress_flow(struct xdp_md *ctx, struct tp_verdict *v, struct dcos_egress_scratch *e)
{
	const struct tp_tuple *t = &e->s.p.t;
	struct dcos_flow_val *f, fv;
	struct dcos_tuple k;

	dcos_point(v, TP_DP_DCOS_EGRESS_FLOW);
	dcos_tuple_key(&k, t->saddr, t->daddr, t->sport, t->dport, t->proto);
	f = bpf_map_lookup_elem(&dcos_flow, &k);
	if (!f)
		return 0;
	fv = *f;
	e->natted = 1;
	dcos_flow_seen(v, &e->s, &k, &fv);
	return dcos_nat_rewrite(ctx, &e->s, fv.saddr, t->sport, fv.daddr, fv.dport);
}

/* Step 6: a new connection to a VIP: wlc choice, flow, NAT entry, DNAT (and masquerade). */
static __always_inline int dcos_egress_vip(struct xdp_md *ctx, struct tp_verdict *v, struct dcos_egress_scratch *e)
{
	const struct tp_tuple *t = &e->s.p.t;
	struct dcos_vip_key vk = {};
	struct dcos_vip_val *svc;
	struct dcos_backend *be;
	__be32 bip, masq;
	__be16 bport;
	__u32 idx;
	int slot, hairpin;

	dcos_point(v, TP_DP_DCOS_EGRESS_VIP);
	vk.vip = t->daddr;
	vk.port = t->dport;
	vk.proto = t->proto;
	svc = bpf_map_lookup_elem(&dcos_vip, &vk);
	if (!svc)
		return 0;
	/* IPVS schedules a TCP connection only on its SYN (no sloppy_tcp); RST never opens one. */
	if (t->proto == TP_IPPROTO_TCP && (e->s.tcp_flags & 0x02) == 0)
		return -TP_R_DCOS_VIP_NOT_SYN;
	if (t->proto == TP_IPPROTO_TCP && (e->s.tcp_flags & DCOS_TCP_RST) != 0)
		return -TP_R_DCOS_VIP_NOT_SYN;
	slot = dcos_wlc(svc->svc_id, svc->n_backends, t->proto);
	if (slot < 0)
		return -TP_R_DCOS_NO_BACKEND;
	idx = svc->svc_id * DCOS_MAX_BACKENDS + (__u32)slot;
	be = bpf_map_lookup_elem(&dcos_backend, &idx);
	if (!be)
		return -TP_R_DCOS_NO_BACKEND; /* unreachable: dcos_wlc read this slot */
	bip = be->ip;
	bport = be->port;
	/* A backend in this agent's /24 is a hairpin: masqueraded, so its replies come back here. */
	hairpin = ((bpf_ntohl(bip) ^ bpf_ntohl(e->cfg->gateway)) & 0xffffff00) == 0;
	masq = hairpin ? e->cfg->gateway : t->saddr;
	dcos_flow_new(v, &e->s, bip, bport, masq, hairpin);
	e->natted = 1;
	return dcos_nat_rewrite(ctx, &e->s, masq, t->sport, bip, bport);
}

/* Step 7: a local container, the host, or a remote agent's VTEP. */
static __always_inline int dcos_egress_route(struct xdp_md *ctx, struct tp_verdict *v, struct tp_out *out,
					     struct dcos_egress_scratch *e)
{
	const struct dcos_cfg *cfg = e->cfg;
	struct dcos_route_key rk;
	struct dcos_ip_key ik;
	struct dcos_local_val *loc;
	struct dcos_route_val *rt;
	__be32 d = e->s.p.t.daddr;
	__u8 *eth;

	dcos_point(v, TP_DP_DCOS_EGRESS_ROUTE);
	if (d == cfg->gateway) {
		out_set(out, XDP_PASS, TP_R_DCOS_PASS_TO_HOST, 0);
		return TP_DONE;
	}
	ik.ip = d;
	loc = bpf_map_lookup_elem(&dcos_local, &ik);
	if (loc) {
		/* Bridged unless IPVS rewrote it: a NATed packet went through the host's routing. */
		if (e->natted) {
			int r = dcos_ttl_dec(ctx, &e->s);

			if (r != 0)
				return r;
		}
		eth = pkt_ptr(ctx, 0, TP_ETH_HLEN);
		if (!eth)
			return -TP_R_DCOS_ETH_TRUNCATED; /* unreachable: step 2 read it */
		mac_copy(eth, loc->mac);
		mac_copy(eth + 6, cfg->bridge_mac);
		out_set(out, XDP_REDIRECT, TP_R_DCOS_DELIVER_LOCAL, loc->ifindex);
		return TP_DONE;
	}
	rk.prefixlen = 32;
	rk.ip = d;
	rt = bpf_map_lookup_elem(&dcos_route, &rk);
	if (rt) {
		e->s.vtep = rt->vtep_ip;
		return 0;
	}
	rt = bpf_map_lookup_elem(&dcos_rule, &ik);
	if (rt) {
		e->s.vtep = rt->vtep_ip;
		return 0;
	}
	/* A remote VTEP's own address: the VTEP /20 is connected on vtep1024, its neighbour entry is the route. */
	if (bpf_map_lookup_elem(&dcos_neigh, &ik)) {
		e->s.vtep = d;
		return 0;
	}
	if ((d & cfg->overlay_mask) == cfg->overlay_net)
		return -TP_R_DCOS_NO_ROUTE;
	out_set(out, XDP_PASS, TP_R_DCOS_PASS_TO_HOST, 0);
	return TP_DONE;
}

/* Step 8: neighbour, FDB, MTU, VXLAN to the remote agent. */
static __always_inline int dcos_egress_encap(struct xdp_md *ctx, struct tp_verdict *v, struct tp_out *out,
					     struct dcos_egress_scratch *e)
{
	const struct dcos_cfg *cfg = e->cfg;
	struct dcos_ip_key ik;
	struct dcos_mac_key mk = {};
	struct dcos_neigh_val *n;
	struct dcos_fdb_val *f;
	__u8 *eth;
	int r;

	dcos_point(v, TP_DP_DCOS_EGRESS_ENCAP);
	ik.ip = e->s.vtep;
	n = bpf_map_lookup_elem(&dcos_neigh, &ik);
	if (!n)
		return -TP_R_DCOS_NO_NEIGH;
	mac_copy(mk.mac, n->mac);
	f = bpf_map_lookup_elem(&dcos_fdb, &mk);
	if (!f)
		return -TP_R_DCOS_NO_FDB;
	if (cfg->mtu != 0 && pkt_len(ctx) + DCOS_ENCAP_LEN - TP_ETH_HLEN > cfg->mtu)
		return -TP_R_DCOS_MTU_EXCEEDED;
	r = dcos_ttl_dec(ctx, &e->s);
	if (r != 0)
		return r;
	eth = pkt_ptr(ctx, 0, TP_ETH_HLEN);
	if (!eth)
		return -TP_R_DCOS_ETH_TRUNCATED; /* unreachable: step 2 read it */
	mac_copy(eth, n->mac);
	mac_copy(eth + 6, cfg->vtep_mac);
	r = dcos_vxlan_encap(ctx, cfg, f, &e->s.p.t);
	if (r != 0)
		return r;
	out_set(out, XDP_REDIRECT, TP_R_DCOS_ENCAP_REMOTE, cfg->underlay_ifindex);
	return TP_DONE;
}

/* The steps in order (docs/dcos.md 4.1). */
static __always_inline int dcos_egress_steps(struct xdp_md *ctx, struct tp_verdict *v, struct tp_out *out,
					     struct dcos_egress_scratch *e)
{
	int r;

	r = dcos_egress_iface(ctx, v, e);
	if (r != 0)
		return r;
	r = dcos_egress_eth(ctx, v, out, e);
	if (r != 0)
		return r;
	r = dcos_egress_ip(ctx, v, e);
	if (r != 0)
		return r;
	if (e->s.l4) {
		r = dcos_egress_nat(ctx, v, e);
		if (r != 0)
			return r;
	}
	if (e->s.l4 && !e->natted) {
		r = dcos_egress_flow(ctx, v, e);
		if (r != 0)
			return r;
	}
	if (e->s.l4 && !e->natted) {
		r = dcos_egress_vip(ctx, v, e);
		if (r != 0)
			return r;
	}
	r = dcos_egress_route(ctx, v, out, e);
	if (r != 0)
		return r;
	return dcos_egress_encap(ctx, v, out, e);
}

static __always_inline int dcos_egress_main(struct xdp_md *ctx)
{
	struct dcos_egress_scratch e = {};
	struct tp_out out = {};
	struct tp_verdict *v = dcos_run_start(&e.cfg);

	if (!v)
		return XDP_ABORTED;
	return dcos_finish(v, dcos_egress_steps(ctx, v, &out, &e), &out);
}

#endif /* TWINPLANE_DCOS_EGRESS_H */
