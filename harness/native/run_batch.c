// The kernel half of the per-program suites' cases, several per call: each case's
// BPF_PROG_TEST_RUN (repeat 1, ctx_in for its ingress ifindex), then its verdict record
// copied out of the mmapped `verdict` slot the run just wrote, next to its output. From
// Node a run costs ~0.5 us more when JavaScript runs between two of them (the binding's
// crossing, and the kernel's code and data gone cold): harness/engine/program.ts runs a
// stretch of cases' models first, then their kernel runs here, then compares them.
//
// A run that writes the learnt maps (the record's `learnt`) ends the call: the caller checks
// and resets what it wrote before the next case runs, so every case starts from the same
// state, as when cases run one at a time.
//
// Built by bpf/Makefile (with the BPF objects: scripts/setup.sh, npm run build:bpf) into
// build/native/librunbatch.so.
#include <errno.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* struct xdp_md as BPF_PROG_TEST_RUN takes it in ctx_in. */
struct tp_xdp_md {
	uint32_t data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex;
};

/* What the caller hands over: one array per field, case i at index i. */
struct tp_batch {
	const int32_t *fds;        /* program fd */
	const uint8_t *frames;     /* all frames, back to back */
	const uint32_t *offs;      /* case i's frame: frames[offs[i], offs[i] + lens[i]) */
	const uint32_t *lens;
	const uint32_t *ifindexes; /* ingress ifindex */
	const uint8_t *record;     /* this CPU's verdict slot (every case runs on one instance) */
	uint32_t record_size;
	uint32_t learnt_off;       /* offset of tp_verdict.learnt */
	uint8_t *outs;             /* case i's output at i * out_stride */
	uint32_t out_stride;
	uint32_t *out_lens;
	uint32_t *retvals;
	uint8_t *records;          /* case i's record at i * record_size */
};

/*
 * Runs cases from..n-1 until one writes the learnt maps (included). Returns the index after
 * the last case run, or -(i + 1) when case i's run failed (errno says why; cases before it
 * ran).
 */
int tp_run_batch(const struct tp_batch *b, int from, int n)
{
	struct tp_xdp_md md;
	union bpf_attr attr;
	uint32_t learnt;

	for (int i = from; i < n; i++) {
		memset(&md, 0, sizeof(md));
		md.data_end = b->lens[i];
		md.ingress_ifindex = b->ifindexes[i];
		memset(&attr, 0, sizeof(attr));
		attr.test.prog_fd = (uint32_t)b->fds[i];
		attr.test.data_in = (uint64_t)(uintptr_t)(b->frames + b->offs[i]);
		attr.test.data_size_in = b->lens[i];
		attr.test.data_out = (uint64_t)(uintptr_t)(b->outs + (size_t)i * b->out_stride);
		attr.test.data_size_out = b->out_stride;
		attr.test.ctx_in = (uint64_t)(uintptr_t)&md;
		attr.test.ctx_size_in = sizeof(md);
		attr.test.repeat = 1;
		if (syscall(__NR_bpf, BPF_PROG_TEST_RUN, &attr, sizeof(attr)) != 0)
			return -(i + 1);
		b->out_lens[i] = attr.test.data_size_out;
		b->retvals[i] = attr.test.retval;
		memcpy(b->records + (size_t)i * b->record_size, b->record, b->record_size);
		memcpy(&learnt, b->record + b->learnt_off, sizeof(learnt));
		if (learnt != 0)
			return i + 1;
	}
	return n;
}

/* What tp_read_maps reads: map i's entries go to keys[i] and values[i], at most caps[i]. */
struct tp_read {
	const int32_t *fds;
	const uint32_t *caps;     /* entries map i can hold (its max_entries) */
	const uint32_t *ksizes;   /* map i's key size */
	const uint32_t *vsizes;   /* map i's value size (as the batch call copies values) */
	uint8_t *const *keys;     /* room for caps[i] keys of map i */
	uint8_t *const *values;   /* room for caps[i] values of map i */
	uint32_t *counts;         /* out: entries read from map i */
};

/*
 * Reads maps 0..n-1 whole with BPF_MAP_LOOKUP_BATCH (hash-type maps), one after the other in
 * one call: the end of a batch's whole-map read of a host's learnt maps, every slot's map,
 * without a crossing per map. Returns n, or -(i + 1) when map i's read failed (errno says
 * why; the maps before it were read).
 */
int tp_read_maps(const struct tp_read *r, int n)
{
	union bpf_attr attr;
	uint64_t token;
	uint32_t got;

	for (int i = 0; i < n; i++) {
		r->counts[i] = 0;
		/* Each round returns whole buckets, or ENOENT at the end; the bound is the map's size. */
		for (uint32_t round = 0; round <= r->caps[i] && r->counts[i] < r->caps[i]; round++) {
			memset(&attr, 0, sizeof(attr));
			attr.batch.in_batch = round == 0 ? 0 : (uint64_t)(uintptr_t)&token;
			attr.batch.out_batch = (uint64_t)(uintptr_t)&token;
			attr.batch.keys = (uint64_t)(uintptr_t)(r->keys[i] + (size_t)r->counts[i] * r->ksizes[i]);
			attr.batch.values = (uint64_t)(uintptr_t)(r->values[i] + (size_t)r->counts[i] * r->vsizes[i]);
			attr.batch.count = r->caps[i] - r->counts[i];
			attr.batch.map_fd = (uint32_t)r->fds[i];
			long rc = syscall(__NR_bpf, BPF_MAP_LOOKUP_BATCH, &attr, sizeof(attr));
			got = attr.batch.count;
			r->counts[i] += got;
			if (rc != 0 && errno != ENOENT)
				return -(i + 1);
			if (rc != 0 || got == 0)
				break;
		}
	}
	return n;
}
