/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The L4 load balancer (model/dcos/dcos-lb.ts line for line): weighted least connection
 * over a VIP's slots, the flow and NAT entries of a new connection, dcos_conns.
 */
#ifndef TWINPLANE_DCOS_LB_H
#define TWINPLANE_DCOS_LB_H

#include "dcos_maps.h"
#include "dcos_nat.h"

static __always_inline void dcos_tuple_key(struct dcos_tuple *k, __be32 saddr, __be32 daddr, __be16 sport,
					   __be16 dport, __u8 proto)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->saddr = saddr;
	k->daddr = daddr;
	k->sport = sport;
	k->dport = dport;
	k->proto = proto;
}

static __always_inline void dcos_conn_key(struct dcos_conn_key *k, __be32 ip, __be16 port, __u8 proto)
{
	k->ip = ip;
	k->port = port;
	k->proto = proto;
	k->pad = 0;
}

/*
 * The slot among the first n with the lowest conns/weight (weight 0 never; ties: lowest
 * slot), compared as conns_i * w_best < conns_best * w_i. -1 when no slot has a weight.
 */
static __always_inline int dcos_wlc(__u32 svc_id, __u32 n, __u8 proto)
{
	struct dcos_conn_key ck;
	struct dcos_backend *be;
	struct dcos_conn_val *c;
	__u64 best_conns = 0, best_w = 0, conns;
	int best = -1;

	for (__u32 i = 0; i < DCOS_MAX_BACKENDS; i++) {
		__u32 idx = svc_id * DCOS_MAX_BACKENDS + i;

		if (i >= n)
			break;
		be = bpf_map_lookup_elem(&dcos_backend, &idx);
		if (!be)
			break;
		if (be->weight == 0)
			continue;
		dcos_conn_key(&ck, be->ip, be->port, proto);
		c = bpf_map_lookup_elem(&dcos_conns, &ck);
		conns = c ? c->n : 0;
		if (best < 0 || conns * best_w < best_conns * be->weight) {
			best = (int)i;
			best_conns = conns;
			best_w = be->weight;
		}
	}
	return best;
}

/* dcos_conns[backend] += delta (never below 0; absent = 0). One learnt write. */
static __always_inline void dcos_conns_add(struct tp_verdict *v, __be32 ip, __be16 port, __u8 proto, int delta)
{
	struct dcos_conn_key k;
	struct dcos_conn_val nv;
	struct dcos_conn_val *c;
	__u32 n;

	dcos_conn_key(&k, ip, port, proto);
	c = bpf_map_lookup_elem(&dcos_conns, &k);
	n = c ? c->n : 0;
	if (delta < 0 && n == 0)
		return;
	v->learnt += 1;
	nv.n = n + (__u32)delta;
	bpf_map_update_elem(&dcos_conns, &k, &nv, BPF_ANY);
}

/* A new connection to (bip, bport): flow entry, NAT entry of its replies, one more connection. */
static __always_inline void dcos_flow_new(struct tp_verdict *v, const struct dcos_pkt *s, __be32 bip, __be16 bport,
					  __be32 masq, int hairpin)
{
	const struct tp_tuple *t = &s->p.t;
	struct dcos_tuple k;
	struct dcos_flow_val fv = {};
	struct dcos_nat_val nv = {};

	fv.daddr = bip;
	fv.dport = bport;
	fv.flags = hairpin ? DCOS_FLOW_HAIRPIN : 0;
	fv.saddr = masq;
	v->learnt += 1;
	dcos_tuple_key(&k, t->saddr, t->daddr, t->sport, t->dport, t->proto);
	bpf_map_update_elem(&dcos_flow, &k, &fv, BPF_ANY);
	nv.saddr = t->daddr;
	nv.daddr = t->saddr;
	nv.sport = t->dport;
	nv.dport = t->sport;
	v->learnt += 1;
	dcos_tuple_key(&k, bip, masq, bport, t->sport, t->proto);
	bpf_map_update_elem(&dcos_nat, &k, &nv, BPF_ANY);
	dcos_conns_add(v, bip, bport, t->proto, 1);
}

/* An established flow's packet: the client's TCP FIN or RST ends the connection once. */
static __always_inline void dcos_flow_seen(struct tp_verdict *v, const struct dcos_pkt *s, const struct dcos_tuple *key,
					   const struct dcos_flow_val *fv)
{
	struct dcos_flow_val nf;

	if (s->p.t.proto != TP_IPPROTO_TCP)
		return;
	if ((s->tcp_flags & (DCOS_TCP_FIN | DCOS_TCP_RST)) == 0 || (fv->flags & DCOS_FLOW_CLOSED) != 0)
		return;
	nf = *fv;
	nf.flags = fv->flags | DCOS_FLOW_CLOSED;
	v->learnt += 1;
	bpf_map_update_elem(&dcos_flow, key, &nf, BPF_ANY);
	dcos_conns_add(v, fv->daddr, fv->dport, s->p.t.proto, -1);
}

#endif /* TWINPLANE_DCOS_LB_H */
