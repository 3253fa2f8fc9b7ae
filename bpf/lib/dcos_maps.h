/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The maps of one DC/OS agent (docs/dcos.md section 3; model/dcos/dcos-maps.ts declares the
 * same names, types and capacities). The overlay's lookup chain is four maps, one per
 * netlink object dcos-net writes per remote agent. Only maps live here.
 */
#ifndef TWINPLANE_DCOS_MAPS_H
#define TWINPLANE_DCOS_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "structs.h"
#include "dcos_structs.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dcos_cfg);
} dcos_cfg SEC(".maps");

/* Remote agent /24 -> its VTEP (the main-table route via vtep1024). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, DCOS_MAP_AGENTS);
	__type(key, struct dcos_route_key);
	__type(value, struct dcos_route_val);
} dcos_route SEC(".maps");

/* Remote VTEP IP -> VTEP MAC (permanent neighbour entry). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DCOS_MAP_AGENTS);
	__type(key, struct dcos_ip_key);
	__type(value, struct dcos_neigh_val);
} dcos_neigh SEC(".maps");

/* Remote VTEP MAC -> remote agent's underlay IP (bridge FDB entry). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DCOS_MAP_AGENTS);
	__type(key, struct dcos_mac_key);
	__type(value, struct dcos_fdb_val);
} dcos_fdb SEC(".maps");

/* Remote agent IP -> its VTEP (the table-42 route of `from 9.0.0.0/8 lookup 42`). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DCOS_MAP_AGENTS);
	__type(key, struct dcos_ip_key);
	__type(value, struct dcos_route_val);
} dcos_rule SEC(".maps");

/* Local veth ifindex -> the container behind it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DCOS_MAP_IFACES);
	__type(key, __u32);
	__type(value, struct dcos_iface);
} dcos_iface SEC(".maps");

/* Local container IP -> its veth and MAC. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DCOS_MAP_IFACES);
	__type(key, struct dcos_ip_key);
	__type(value, struct dcos_local_val);
} dcos_local SEC(".maps");

/* (VIP, port, protocol) -> service id and backend count. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DCOS_MAP_VIPS);
	__type(key, struct dcos_vip_key);
	__type(value, struct dcos_vip_val);
} dcos_vip SEC(".maps");

/* svc_id * DCOS_MAX_BACKENDS + slot -> backend. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DCOS_MAX_SVCS * DCOS_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct dcos_backend);
} dcos_backend SEC(".maps");

/* Backend -> active connections (data plane). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DCOS_MAP_CONNS);
	__type(key, struct dcos_conn_key);
	__type(value, struct dcos_conn_val);
} dcos_conns SEC(".maps");

/* Client -> VIP tuple -> backend (data plane). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, DCOS_MAP_FLOWS);
	__type(key, struct dcos_tuple);
	__type(value, struct dcos_flow_val);
} dcos_flow SEC(".maps");

/* Reply tuple -> the VIP tuple it answers (data plane). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, DCOS_MAP_FLOWS);
	__type(key, struct dcos_tuple);
	__type(value, struct dcos_nat_val);
} dcos_nat SEC(".maps");

/* The run's record, one slot per CPU, mmapable (as the Mizar profile's `verdict`). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, DCOS_MAP_VERDICT);
	__type(key, __u32);
	__type(value, struct tp_verdict);
} dcos_verdict SEC(".maps");

/* Packets per final reason. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DCOS_MAP_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} dcos_counters SEC(".maps");

#endif /* TWINPLANE_DCOS_MAPS_H */
