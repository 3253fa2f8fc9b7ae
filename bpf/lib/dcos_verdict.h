/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verdict record of the DC/OS programs (model/dcos/dcos-verdict.ts line for line):
 * struct tp_verdict in dcos_verdict; points appended in order, the action, reason and
 * target written once at the single exit, where dcos_counters[reason] is incremented.
 */
#ifndef TWINPLANE_DCOS_VERDICT_H
#define TWINPLANE_DCOS_VERDICT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "dcos_maps.h"
#include "verdict_exit.h"

static __always_inline struct tp_verdict *dcos_verdict_get(void)
{
	__u32 key = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&dcos_verdict, &key);
}

static __always_inline void dcos_point(struct tp_verdict *v, __u8 id)
{
	__u32 n = v->n_points;

	if (n < TP_MAX_POINTS)
		v->points[n] = id;
	v->n_points = n + 1;
}

static __always_inline int dcos_finish(struct tp_verdict *v, int ret, const struct tp_out *out)
{
	__u32 reason, target;
	__u32 action = verdict_decide(ret, out, &reason, &target);
	__u64 *count;

	v->action = action;
	v->reason = reason;
	v->target = target;
	count = bpf_map_lookup_elem(&dcos_counters, &reason);
	if (count) {
		*count += 1;
		v->count = (__u32)*count;
	}
	if (action == XDP_REDIRECT)
		return bpf_redirect(target, 0);
	return action;
}

#endif /* TWINPLANE_DCOS_VERDICT_H */
