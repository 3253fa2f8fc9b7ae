/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Map keys and values of the DC/OS profile (docs/dcos.md section 3), laid out exactly as
 * model/dcos/dcos-structs.ts declares them; a test checks each against this object's BTF.
 * __be fields hold bytes as on the wire.
 */
#ifndef TWINPLANE_DCOS_STRUCTS_H
#define TWINPLANE_DCOS_STRUCTS_H

#include <linux/types.h>
#include "tables.gen.h"
#include "dcos_consts.gen.h"

struct dcos_cfg {
	__be32 underlay_ip;
	__be32 vtep_ip;
	__be32 gateway;          /* the bridge's .1: the masquerade source of a hairpin */
	__u8 underlay_mac[6];
	__u8 vtep_mac[6];
	__u8 bridge_mac[6];      /* source MAC of what the bridge delivers to a container */
	__u16 mtu;               /* underlay IP MTU; 0 = no check */
	__u32 underlay_ifindex;
	__be32 overlay_net;      /* 9.0.0.0/8: unrouted destinations in it drop */
	__be32 overlay_mask;
};

struct dcos_route_key {
	__u32 prefixlen;
	__be32 ip;
};

struct dcos_route_val {
	__be32 vtep_ip;
	__u32 table;             /* 254 in dcos_route, 42 in dcos_rule */
};

struct dcos_ip_key {
	__be32 ip;
};

struct dcos_neigh_val {
	__u8 mac[6];
	__u16 pad;
};

struct dcos_mac_key {
	__u8 mac[6];
	__u16 pad;
};

struct dcos_fdb_val {
	__be32 agent_ip;
	__u8 agent_mac[6];
	__u16 pad;
};

struct dcos_iface {
	__be32 ip;
	__u8 mac[6];
	__u16 pad;
};

struct dcos_local_val {
	__u32 ifindex;
	__u8 mac[6];
	__u16 pad;
};

struct dcos_vip_key {
	__be32 vip;
	__be16 port;
	__u8 proto;
	__u8 pad;
};

struct dcos_vip_val {
	__u32 svc_id;
	__u16 n_backends;
	__u16 pad;
};

struct dcos_backend {
	__be32 ip;
	__be16 port;
	__u8 weight;             /* 1 healthy, 0 failing or draining */
	__u8 pad;
};

struct dcos_conn_key {
	__be32 ip;
	__be16 port;
	__u8 proto;
	__u8 pad;
};

struct dcos_conn_val {
	__u32 n;
};

struct dcos_tuple {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct dcos_flow_val {
	__be32 daddr;
	__be16 dport;
	__u8 flags;              /* DCOS_FLOW_HAIRPIN, DCOS_FLOW_CLOSED */
	__u8 pad;
	__be32 saddr;
};

struct dcos_nat_val {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
};

#endif /* TWINPLANE_DCOS_STRUCTS_H */
