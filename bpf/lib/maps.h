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

/* (VNI, IP) -> learnt host of an endpoint: the direct-path cache. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TP_MAP_EP_CACHE);
	__type(key, struct tp_ep_key);
	__type(value, struct tp_host_loc);
} ep_cache SEC(".maps");

/* Client -> VIP flow -> its backend (client hosts). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TP_MAP_FLOWS);
	__type(key, struct tp_flow_key);
	__type(value, struct tp_flow_fwd);
} flows SEC(".maps");

/* Backend -> client flow -> the VIP it must appear to come from (client hosts). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TP_MAP_FLOWS);
	__type(key, struct tp_flow_key);
	__type(value, struct tp_flow_rev);
} rflows SEC(".maps");

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
