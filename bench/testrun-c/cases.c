// The kernel half of a differential comparison with nothing else around it: the suites'
// cases (real frames, each on its host's loaded instance, with its ingress ifindex) run back
// to back with BPF_PROG_TEST_RUN from C, no Node, no koffi, no verdict read. bench/diff.bench.ts
// loads this as a shared library on the instances it compares and adds the model's time
// alone to it: the fastest any one thread could compare those cases, before any checking.
//
// Built by the bench with gcc (-shared -fPIC ... -lbpf), as bench/testrun-c/loop.c is.
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>

/* struct xdp_md as BPF_PROG_TEST_RUN takes it in ctx_in. */
struct tp_xdp_md {
	uint32_t data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex;
};

/*
 * Runs case i (i < n) on program fds[i]: the frame frames[offs[i], offs[i] + lens[i]) arriving
 * on ifindexes[i], its output written over out (out_size bytes). Returns n, or -(i + 1) when
 * case i's run failed (errno says why).
 */
int tp_run_cases(const int *fds, const uint8_t *frames, const uint32_t *offs, const uint32_t *lens,
		 const uint32_t *ifindexes, int n, uint8_t *out, uint32_t out_size)
{
	struct tp_xdp_md md;

	for (int i = 0; i < n; i++) {
		memset(&md, 0, sizeof(md));
		md.data_end = lens[i];
		md.ingress_ifindex = ifindexes[i];
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frames + offs[i], .data_size_in = lens[i],
			    .data_out = out, .data_size_out = out_size, .ctx_in = &md,
			    .ctx_size_in = sizeof(md), .repeat = 1);
		if (bpf_prog_test_run_opts(fds[i], &o))
			return -(i + 1);
	}
	return n;
}
