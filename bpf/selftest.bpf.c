// Small XDP programs and maps that exercise the harness itself (binding, loader, test-run
// executor, BTF layout check). Nothing here is part of the data plane; the structs have
// padding, byte-order typedefs, nested structs and arrays on purpose, so the BTF reader
// meets every shape the data plane's own structs can take.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

// A key with a byte array and a hole-free mix of widths: 12 bytes.
struct st_key {
	__u32 vni;
	__u8 mac[6];
	__be16 port;
};

// Nested element: the u8 before a u32 forces one byte of padding.
struct st_inner {
	__u16 a;
	__u8 b;
	__u32 c;
};

// u64 after 8 bytes of smaller fields, then an array of nested structs: 40 bytes.
struct st_value {
	__u32 verdict;
	__be16 port;
	__u16 mtu;
	__u64 bytes;
	struct st_inner inner[2];
	__u8 tag[4];
};

typedef struct st_value st_value_t;

// What the last run saw, so tests can check that ctx_in reached the program.
struct st_last {
	__u32 action;
	__u32 ingress_ifindex;
	__u32 rx_queue_index;
	__u32 len;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, struct st_key);
	__type(value, st_value_t);
} st_hash SEC(".maps");

// Slot 0 holds the verdict st_verdict returns.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} st_verdict SEC(".maps");

// Runs per returned action (index = XDP action), per CPU.
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 5);
	__type(key, __u32);
	__type(value, __u64);
} st_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct st_last);
} st_last_run SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} st_progs SEC(".maps");

static __always_inline int record(struct xdp_md *ctx, __u32 action)
{
	__u32 zero = 0;
	struct st_last *last = bpf_map_lookup_elem(&st_last_run, &zero);
	__u64 *count = bpf_map_lookup_elem(&st_counters, &action);

	if (last) {
		last->action = action;
		last->ingress_ifindex = ctx->ingress_ifindex;
		last->rx_queue_index = ctx->rx_queue_index;
		last->len = ctx->data_end - ctx->data;
	}
	if (count)
		*count += 1;
	return action;
}

SEC("xdp")
int st_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

// Returns whatever verdict user space stored in st_verdict[0] (PASS when unset).
SEC("xdp")
int st_verdict_prog(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u32 *verdict = bpf_map_lookup_elem(&st_verdict, &zero);

	return record(ctx, verdict && *verdict <= XDP_REDIRECT ? *verdict : XDP_PASS);
}

// Swaps source and destination MAC and sends the frame back: a rewriting program, the
// kind that sees its own output under repeat > 1.
SEC("xdp")
int st_swap_mac(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 tmp[ETH_ALEN];

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, tmp, ETH_ALEN);
	return XDP_TX;
}

// Prepends 8 bytes ("TWINPLAN") with bpf_xdp_adjust_head: the output is longer than
// the input, which the executor's output buffer must allow.
SEC("xdp")
int st_push(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_head(ctx, -8))
		return XDP_ABORTED;

	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *p = data;

	if ((void *)(p + 8) > data_end)
		return XDP_ABORTED;
	p[0] = 'T'; p[1] = 'W'; p[2] = 'I'; p[3] = 'N';
	p[4] = 'P'; p[5] = 'L'; p[6] = 'A'; p[7] = 'N';
	return XDP_PASS;
}

// Jumps to st_progs[0]; ABORTED tells a test the slot was empty.
SEC("xdp")
int st_tail_entry(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &st_progs, 0);
	return XDP_ABORTED;
}

// A tail-call target that marks the frame (first byte 0xaa) so its run is visible.
SEC("xdp")
int st_tail_target(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *p = data;

	if ((void *)(p + 1) > data_end)
		return XDP_DROP;
	p[0] = 0xaa;
	return record(ctx, XDP_TX);
}

char LICENSE[] SEC("license") = "GPL";
