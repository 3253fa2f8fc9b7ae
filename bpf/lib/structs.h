/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every map key and value of the data plane, plus the verdict record. The byte layouts are
 * the contract with model/dataplane/structs.ts: same struct names, field names, offsets and
 * sizes (test/bpf checks them against this object's BTF). Network-order fields are typed
 * __be16/__be32; everything else is host order.
 */
#ifndef TWINPLANE_STRUCTS_H
#define TWINPLANE_STRUCTS_H

#include <linux/types.h>
#include "tables.gen.h"


/* cfg (ARRAY, key 0): this host. */
struct tp_host_cfg {
	__be32 ip;               /* underlay IPv4 */
	__u8 mac[TP_ETH_ALEN];   /* underlay MAC */
	__u16 mtu;               /* underlay IP MTU; 0 = no check */
	__u32 underlay_ifindex;  /* where encapsulated frames leave */
	__u16 opt_class;         /* the Geneve option class of our two options */
	__u16 pad;
};

/* A host's underlay location: the host-location option's payload, and next hops. */
struct tp_host_loc {
	__be32 ip;
	__u8 mac[TP_ETH_ALEN];
	__u16 pad;
};

/* ifaces (HASH, key u32 ifindex): the endpoint behind a local veth. */
struct tp_iface {
	__u32 vni;
	__be32 ip;
	__u8 mac[TP_ETH_ALEN];
	__u16 pad;
	__u32 net_id;
};

/* Key of endpoints and ep_cache: (VNI, IPv4). */
struct tp_ep_key {
	__u32 vni;
	__be32 ip;
};

/* endpoints (HASH): what this host knows about an address of a VPC. */
struct tp_ep_val {
	__u8 kind;                   /* TP_EP_LOCAL / REMOTE / GATEWAY / VIP */
	__u8 flags;
	__u8 mac[TP_ETH_ALEN];       /* the address's own MAC */
	__be32 host_ip;              /* REMOTE: the endpoint's host */
	__u8 host_mac[TP_ETH_ALEN];
	__u8 gw_mac[TP_ETH_ALEN];    /* gateway MAC of the address's subnet */
	__u32 ifindex;               /* LOCAL: the host-side veth */
	__u32 net_id;                /* subnet id */
	__be32 gw_ip;                /* gateway of the subnet: a hairpin's masquerade source (LOCAL) */
};

/* networks (LPM_TRIE) key: prefixlen = 32 + subnet prefix length (the VNI always matches). */
struct tp_net_key {
	__u32 prefixlen;
	__u32 vni;
	__be32 ip;
};


struct tp_net_val {
	__u32 net_id;
	__u8 gw_mac[TP_ETH_ALEN];
	__u16 n_bouncers;
	struct tp_host_loc bouncers[TP_MAX_BOUNCERS];
};

/* vpcs (HASH, key u32 VNI): the VPC's dividers. */
struct tp_vpc_val {
	__u32 n_dividers;
	struct tp_host_loc dividers[TP_MAX_DIVIDERS];
};

/* services (HASH): (VNI, VIP, port, protocol) -> Maglev table and target port. */
struct tp_svc_key {
	__u32 vni;
	__be32 vip;
	__be16 port;   /* 0 for ICMP and other port-less protocols */
	__u8 proto;
	__u8 pad;
};

struct tp_svc_val {
	__u32 svc_id;        /* index of the Maglev table and the backend slots */
	__be16 target_port;  /* 0 = keep the VIP port */
	__u16 n_backends;
};

/* backends (ARRAY, index svc_id * TP_MAX_BACKENDS + i). */
struct tp_backend {
	__be32 ip;
	__u8 mac[TP_ETH_ALEN];
	__u16 pad;
	struct tp_host_loc host;
};

/* flows / rflows (LRU_HASH): a service flow's 5-tuple under a VNI. */
struct tp_flow_key {
	__u32 vni;
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
};

/* flows value: client -> VIP becomes client -> backend, sent to the backend's host. */
struct tp_flow_fwd {
	__be32 daddr;
	__be16 dport;
	__u8 dmac[TP_ETH_ALEN];
	struct tp_host_loc host;
};

/* rflows value: backend -> client replies are un-NATed to come from the VIP. A hairpin's
 * reply (sent to the masquerade address) also gets its destination back: daddr 0 = keep. */
struct tp_flow_rev {
	__be32 saddr;
	__be16 sport;
	__u8 smac[TP_ETH_ALEN];
	__be32 daddr;
	__be16 dport;
	__u8 dmac[TP_ETH_ALEN];
};

/* verdict (mmapable ARRAY, key = CPU): the record every run leaves for the harness. */
struct tp_verdict {
	__u32 action;                 /* XDP action returned */
	__u32 reason;                 /* TP_R_* */
	__u32 target;                 /* redirect ifindex, 0 unless REDIRECT */
	__u32 n_points;               /* decision points entered (may exceed TP_MAX_POINTS) */
	__u32 flags;                  /* TP_VF_* */
	__u32 count;                  /* counters[reason] on this CPU after the run's increment */
	__u32 learnt;                 /* writes made to ep_cache, flows and rflows */
	__u8 points[TP_MAX_POINTS];   /* the first TP_MAX_POINTS of them, TP_DP_* ids */
};

#endif /* TWINPLANE_STRUCTS_H */
