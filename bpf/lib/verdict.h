/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verdict record (docs/dataplane.md section 4): every decision point a run enters is
 * appended in order, and the final action, reason and redirect target are written once,
 * at the single exit of the program, where counters[reason] is incremented.
 *
 * Convention of every step function: return 0 to go on, a negative reason (-TP_R_*) to
 * drop, or TP_DONE (tables.gen.h) once it has filled the tp_out with a non-drop verdict.
 */
#ifndef TWINPLANE_VERDICT_H
#define TWINPLANE_VERDICT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "maps.h"
#include "verdict_exit.h"

/* This CPU's slot; NULL only on a CPU past the map's max_entries (the run then aborts). */
static __always_inline struct tp_verdict *verdict_get(void)
{
	__u32 key = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&verdict, &key);
}

/* A fresh record: the agent on every entry, the transit unless continuing a tail call. */
static __always_inline void verdict_reset(struct tp_verdict *v)
{
	__builtin_memset(v, 0, sizeof(*v));
}

/* Appends decision point `id`; past TP_MAX_POINTS points are counted but not stored. */
static __always_inline void verdict_point(struct tp_verdict *v, __u8 id)
{
	__u32 n = v->n_points;

	if (n < TP_MAX_POINTS)
		v->points[n] = id;
	v->n_points = n + 1;
}

/*
 * Every write to a learnt map (ep_cache, flows, rflows) goes through here and is counted in
 * the record: a harness compares the count with the model's writes on every run, without
 * reading the maps. The write goes into the slot of `vni` (docs section 3, "Partitions");
 * a VNI without one makes it fail, and a failed update counts too (docs: failed learnt
 * updates are ignored).
 */
static __always_inline void verdict_learn(struct tp_verdict *v, void *outer, __u32 vni, const void *key,
					  const void *value)
{
	void *inner = learnt_inner(outer, vni);

	v->learnt += 1;
	if (inner)
		bpf_map_update_elem(inner, key, value, BPF_ANY);
}

/*
 * The one exit of both programs: `ret` is what the run's steps returned (negative = drop
 * with that reason, TP_DONE = `out` holds the verdict). Writes the record, counts the reason
 * once and returns the XDP action.
 */
static __always_inline int verdict_finish(struct tp_verdict *v, int ret, const struct tp_out *out)
{
	return verdict_close(v, ret, out, &counters);
}

#endif /* TWINPLANE_VERDICT_H */
