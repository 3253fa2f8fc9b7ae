// Live mode only: a do-nothing native XDP program for the far end of a veth pair.
// A frame that an XDP program redirects (or XDP_TXes) into a veth is queued on the
// peer's receive ring, and the kernel only runs that ring (veth NAPI) when the peer has
// a native XDP program or GRO turned on; otherwise the frame is silently dropped. The
// harness attaches this program to every pod-side veth and every bridge-side underlay
// veth so that frames from the data plane's XDP_REDIRECT / XDP_TX are delivered.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int live_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
