/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The maps of one host (docs/dataplane.md section 3). Both programs of the object share
 * them; one loaded instance of the object is one host. Only maps live here.
 */
#ifndef TWINPLANE_MAPS_H
#define TWINPLANE_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "structs.h"

/* This host: underlay IP, MAC, MTU, underlay ifindex (control plane). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tp_host_cfg);
} cfg SEC(".maps");

/* Local veth ifindex -> the endpoint behind it (agent configuration). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TP_MAP_IFACES);
	__type(key, __u32);
	__type(value, struct tp_iface);
} ifaces SEC(".maps");

/* (VNI, IP) -> LOCAL / REMOTE / GATEWAY / VIP entry this host knows. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TP_MAP_ENDPOINTS);
	__type(key, struct tp_ep_key);
	__type(value, struct tp_ep_val);
} endpoints SEC(".maps");

/* (VNI, subnet prefix) -> subnet id, gateway MAC, bouncers. LPM tries cannot preallocate. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, TP_MAP_NETWORKS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct tp_net_key);
	__type(value, struct tp_net_val);
} networks SEC(".maps");

/* VNI -> the VPC's dividers. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TP_MAP_VPCS);
	__type(key, __u32);
	__type(value, struct tp_vpc_val);
} vpcs SEC(".maps");

/* (VNI, VIP, port, protocol) -> service id, target port, backend count. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TP_MAP_SERVICES);
	__type(key, struct tp_svc_key);
	__type(value, struct tp_svc_val);
} services SEC(".maps");

/* svc_id * TP_MAGLEV_M + slot -> backend index: every service's Maglev table. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TP_MAX_SERVICES * TP_MAGLEV_M);
	__type(key, __u32);
	__type(value, __u32);
} maglev SEC(".maps");

/* svc_id * TP_MAX_BACKENDS + i -> backend i of the service. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TP_MAX_SERVICES * TP_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct tp_backend);
} backends SEC(".maps");

/*
 * The learnt maps are partitioned by VPC (docs section 3, "Partitions"): each is an
 * ARRAY_OF_MAPS of TP_LEARNT_SLOTS LRU_HASH maps, all created by the loader, and vpc_slots
 * (control plane) names the slot a VPC's entries live in on this host. A VPC's traffic can
 * evict only its own entries. The inner declarations are the template every slot's map
 * must match (type, key, value, flags; max_entries may differ).
 */
/* VNI -> the slot of the learnt maps holding that VPC's entries on this host (control plane). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TP_MAP_VPCS);
	__type(key, __u32);
	__type(value, __u32);
} vpc_slots SEC(".maps");

/*
 * BTF anchors: clang describes a type reached only through the pointer members of an inner
 * map definition as a forward declaration, and libbpf then cannot size the partitions' keys
 * and values. These globals make the three structs complete in the object's BTF (before
 * the templates use them). Their section is no map: libbpf skips it, nothing is loaded.
 */
struct tp_flow_key tp_btf_flow_key __attribute__((section(".tp_btf"), used));
struct tp_flow_fwd tp_btf_flow_fwd __attribute__((section(".tp_btf"), used));
struct tp_flow_rev tp_btf_flow_rev __attribute__((section(".tp_btf"), used));

struct ep_cache_vpc {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TP_MAP_EP_CACHE_PER_VPC);
	__type(key, struct tp_ep_key);
	__type(value, struct tp_host_loc);
};

struct flows_vpc {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TP_MAP_FLOWS_PER_VPC);
	__type(key, struct tp_flow_key);
	__type(value, struct tp_flow_fwd);
};

struct rflows_vpc {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TP_MAP_FLOWS_PER_VPC);
	__type(key, struct tp_flow_key);
	__type(value, struct tp_flow_rev);
};

/* Slot -> (VNI, IP) -> learnt host of an endpoint: the direct-path cache. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, TP_LEARNT_SLOTS);
	__type(key, __u32);
	__array(values, struct ep_cache_vpc);
} ep_cache SEC(".maps");

/* Slot -> client -> VIP flow -> its backend (client hosts). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, TP_LEARNT_SLOTS);
	__type(key, __u32);
	__array(values, struct flows_vpc);
} flows SEC(".maps");

/* Slot -> backend -> client flow -> the VIP it must appear to come from (client hosts). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, TP_LEARNT_SLOTS);
	__type(key, __u32);
	__array(values, struct rflows_vpc);
} rflows SEC(".maps");

/* The map of learnt map `outer` holding VPC `vni`'s entries on this host, or NULL (no slot). */
static __always_inline void *learnt_inner(void *outer, __u32 vni)
{
	__u32 *slot = bpf_map_lookup_elem(&vpc_slots, &vni);

	return slot ? bpf_map_lookup_elem(outer, slot) : NULL;
}

/* A lookup in a learnt map: the VPC's slot, then the key in it (NULL if either misses). */
static __always_inline void *learnt_lookup(void *outer, __u32 vni, const void *key)
{
	void *inner = learnt_inner(outer, vni);

	return inner ? bpf_map_lookup_elem(inner, key) : NULL;
}

/*
 * The record of the current run, one slot per CPU, indexed by the CPU that runs the packet
 * (a run, tail calls included, stays on one CPU, and XDP does not nest on a CPU). An ARRAY
 * indexed by CPU rather than a PERCPU_ARRAY because BPF_F_MMAPABLE lets the harness read
 * the record from shared memory right after the test run, without a lookup syscall (a
 * third of a differential comparison). Loaders may lower max_entries to the possible CPUs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, TP_MAP_VERDICT);
	__type(key, __u32);
	__type(value, struct tp_verdict);
} verdict SEC(".maps");

/* Packets per final reason, counted once per packet at its final exit. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TP_MAP_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Tail-call targets: slot TP_PROG_TRANSIT = transit (wired by the loader). */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} progs SEC(".maps");

#endif /* TWINPLANE_MAPS_H */
