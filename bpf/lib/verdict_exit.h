/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every profile's programs share at their single exit (the verdict record itself is
 * struct tp_verdict, structs.h): the verdict a run leaves with when it does not drop, the
 * rule that turns the steps' return into the verdict's action, reason and target, and the
 * exit itself. Map-free: each profile's verdict header passes its own counter map
 * (verdict.h: counters; dcos_verdict.h: dcos_counters). The TypeScript is in
 * model/dataplane/verdict.ts.
 */
#ifndef TWINPLANE_VERDICT_EXIT_H
#define TWINPLANE_VERDICT_EXIT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "structs.h"

/* The verdict a run leaves with when it does not drop. */
struct tp_out {
	__u32 action;  /* XDP_PASS / XDP_TX / XDP_REDIRECT */
	__u32 reason;  /* TP_R_* */
	__u32 target;  /* redirect ifindex, 0 unless XDP_REDIRECT */
};

static __always_inline void out_set(struct tp_out *out, __u32 action, __u32 reason, __u32 target)
{
	out->action = action;
	out->reason = reason;
	out->target = target;
}

/*
 * `ret` is what the run's steps returned: negative = drop with that reason, TP_DONE = `out`
 * holds the verdict. Returns the action, and the reason and target the record takes.
 */
static __always_inline __u32 verdict_decide(int ret, const struct tp_out *out, __u32 *reason, __u32 *target)
{
	__u32 action = XDP_DROP;

	*reason = TP_R_UNSPEC;
	*target = 0;
	if (ret < 0) {
		*reason = (__u32)-ret;
	} else if (ret == TP_DONE) {
		action = out->action;
		*reason = out->reason;
		*target = action == XDP_REDIRECT ? out->target : 0;
	}
	return action;
}

/*
 * The one exit of a profile's programs: writes the record, counts the reason once in
 * `counters` (the profile's PERCPU_ARRAY, a constant after inlining) and returns the XDP
 * action.
 */
static __always_inline int verdict_close(struct tp_verdict *v, int ret, const struct tp_out *out, void *counters)
{
	__u32 reason, target;
	__u32 action = verdict_decide(ret, out, &reason, &target);
	__u64 *count;

	v->action = action;
	v->reason = reason;
	v->target = target;
	count = bpf_map_lookup_elem(counters, &reason);
	if (count) {
		*count += 1;
		v->count = (__u32)*count;
	}
	if (action == XDP_REDIRECT)
		return bpf_redirect(target, 0);
	return action;
}

#endif /* TWINPLANE_VERDICT_EXIT_H */
