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

/*
 * The start of both programs' runs: this CPU's record, zeroed, and the agent's
 * configuration in *cfg; NULL when either is missing (the run aborts; unreachable: the
 * record has a slot per CPU and an ARRAY's slot 0 always exists).
 */
static __always_inline struct tp_verdict *dcos_run_start(const struct dcos_cfg **cfg)
{
	struct tp_verdict *v = dcos_verdict_get();
	__u32 zero = 0;

	if (!v)
		return NULL;
	__builtin_memset(v, 0, sizeof(*v));
	*cfg = bpf_map_lookup_elem(&dcos_cfg, &zero);
	if (!*cfg)
		return NULL;
	return v;
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
	return verdict_close(v, ret, out, &dcos_counters);
}

#endif /* TWINPLANE_DCOS_VERDICT_H */
