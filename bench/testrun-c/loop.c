// The C reference for bench/testrun.bench.ts: the same loop of BPF_PROG_TEST_RUN calls
// (repeat = 1, one frame per call) without Node and koffi in between, so the bench can
// show what the binding itself costs.
//
// usage: loop <object.o> <program> <seconds>
// prints one line: <runs per second> <runs> <seconds measured>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

// One timed batch: the clock is read once per batch so it does not dominate the loop.
static int batch(int fd, struct bpf_test_run_opts *opts, unsigned char *out, int n)
{
	for (int i = 0; i < n; i++) {
		opts->data_size_out = 60 + 512;
		opts->data_out = out;
		if (bpf_prog_test_run_opts(fd, opts))
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s <object.o> <program> <seconds>\n", argv[0]);
		return 2;
	}
	libbpf_set_print(NULL);
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "cannot load %s\n", argv[1]);
		return 1;
	}
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, argv[2]);
	if (!prog) {
		fprintf(stderr, "no program %s\n", argv[2]);
		return 1;
	}
	int fd = bpf_program__fd(prog);
	unsigned char in[60], out[60 + 512];
	for (int i = 0; i < 60; i++)
		in[i] = (unsigned char)i;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = sizeof(in), .repeat = 1);

	double budget = atof(argv[3]);
	const int per_batch = 1000;
	if (batch(fd, &opts, out, per_batch)) { // warm-up
		perror("bpf_prog_test_run_opts");
		return 1;
	}
	long runs = 0;
	double start = now_s(), t = start;
	while (t - start < budget) {
		if (batch(fd, &opts, out, per_batch)) {
			perror("bpf_prog_test_run_opts");
			return 1;
		}
		runs += per_batch;
		t = now_s();
	}
	printf("%.0f %ld %.3f\n", runs / (t - start), runs, t - start);
	bpf_object__close(obj);
	return 0;
}
