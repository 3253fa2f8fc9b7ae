/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The twinplane data plane: both XDP programs of one host in one object, sharing its maps
 * (docs/dataplane.md). agent runs on each host-side veth (the pod's egress), transit on
 * the underlay NIC; the agent tail-calls transit through progs[TP_PROG_TRANSIT] when the
 * next hop is this host. All logic lives in lib/agent.h and lib/transit.h.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "agent.h"
#include "transit.h"

SEC("xdp")
int xdp_agent(struct xdp_md *ctx)
{
	return agent_main(ctx);
}

SEC("xdp")
int xdp_transit(struct xdp_md *ctx)
{
	return transit_main(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
