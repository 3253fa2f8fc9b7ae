/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The DC/OS profile's data plane (docs/dcos.md): both XDP programs of one agent in one
 * object, sharing its maps. dcos_egress runs on each container's host-side veth,
 * dcos_ingress on the underlay NIC. All logic lives in lib/dcos_egress.h and
 * lib/dcos_ingress.h.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "dcos_egress.h"
#include "dcos_ingress.h"

SEC("xdp")
int dcos_egress(struct xdp_md *ctx)
{
	return dcos_egress_main(ctx);
}

SEC("xdp")
int dcos_ingress(struct xdp_md *ctx)
{
	return dcos_ingress_main(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
