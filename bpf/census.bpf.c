/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A harness program, not part of the data plane: how many entries each slot of a loaded
 * instance's learnt maps holds, for the differential suites' end of a batch. The loader
 * points this object's three ARRAY_OF_MAPS at the instance's own (bpf_map__reuse_fd), and
 * one test run then writes every slot's count into the frame: TP_LEARNT_SLOTS u32 counts
 * for ep_cache, then flows, then rflows, little-endian, from byte 16 (past the 14 bytes a
 * test run needs), and UINT32_MAX for a slot with no map. An instance at a baseline with no
 * learnt entry agrees with it when every count is 0: one run, where reading every slot's
 * map whole costs a syscall per map (~1.4 us each here).
 *
 * The counts are the kernel's own (bpf_map_sum_elem_count, kernel 6.6 and later: every hash
 * map counts its elements per CPU, LRU eviction and replacement included). On a kernel
 * without it the object does not load and the suites read the maps whole, as before.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "tables.gen.h"

/* Complete, not forward-declared: libbpf matches a kfunc's prototype to the kernel's by kind. */
struct bpf_map {
	int unused;
} __attribute__((preserve_access_index));

extern __s64 bpf_map_sum_elem_count(struct bpf_map *map) __ksym;

/* The slots' template: never created (the outer maps are the instance's, reused). */
struct census_slot {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, TP_LEARNT_SLOTS);
	__type(key, __u32);
	__array(values, struct census_slot);
} ep_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, TP_LEARNT_SLOTS);
	__type(key, __u32);
	__array(values, struct census_slot);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, TP_LEARNT_SLOTS);
	__type(key, __u32);
	__array(values, struct census_slot);
} rflows SEC(".maps");

#define CENSUS_OFF 16
#define CENSUS_LEN (3 * TP_LEARNT_SLOTS * 4)

static __always_inline void census_of(void *outer, __u32 *out)
{
	/* Unrolled: the verifier then knows each store's offset (the key's stack copy loses it). */
#pragma clang loop unroll(full)
	for (__u32 s = 0; s < TP_LEARNT_SLOTS; s++) {
		__u32 key = s;
		void *inner = bpf_map_lookup_elem(outer, &key);
		__s64 n = inner ? bpf_map_sum_elem_count(inner) : -1;
		out[s] = n < 0 ? 0xffffffffu : (__u32)n;
	}
}

SEC("xdp")
int xdp_census(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 *out = data + CENSUS_OFF;

	if ((void *)out + CENSUS_LEN > end)
		return XDP_ABORTED;
	census_of(&ep_cache, out);
	census_of(&flows, out + TP_LEARNT_SLOTS);
	census_of(&rflows, out + 2 * TP_LEARNT_SLOTS);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
