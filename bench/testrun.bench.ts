// BPF_PROG_TEST_RUN calls per second, one 60-byte frame per call (repeat = 1, as the
// differential runner does): from Node through the koffi binding, with and without
// copying the output, for XDP_PASS and a rewriting program; and the same loop in C
// (bench/testrun-c/loop.c, compiled here with gcc) as the floor the binding adds to.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BpfObject } from '../harness/libbpf/object.ts';
import { TestRunExecutor } from '../harness/testrun.ts';
import { emit, note, rate } from './emit.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const objPath = join(root, 'build/bpf/selftest.o');
const BENCH = 'testrun';
const SECONDS = 2;
const BATCH = 1000;

execFileSync('make', ['-s', '-C', join(root, 'bpf')], { stdio: 'inherit' });
const obj = BpfObject.load(objPath);
const exec = new TestRunExecutor();
const frame = new Uint8Array(60).map((_, i) => i);

for (const prog of ['st_pass', 'st_swap_mac']) {
  const fd = obj.program(prog).fd;
  const inPlace = rate(() => {
    for (let i = 0; i < BATCH; i++) exec.runInPlace(fd, frame);
    return BATCH;
  }, SECONDS * 1000);
  emit({
    bench: BENCH,
    metric: `node_runs_per_sec_${prog}`,
    value: Math.round(inPlace.opsPerSec),
    unit: 'runs/s',
    params: { frame: 60, repeat: 1, output: 'in place' },
  });
  const copied = rate(() => {
    for (let i = 0; i < BATCH; i++) exec.run(fd, frame);
    return BATCH;
  }, SECONDS * 1000);
  emit({
    bench: BENCH,
    metric: `node_runs_per_sec_${prog}_copy`,
    value: Math.round(copied.opsPerSec),
    unit: 'runs/s',
    params: { frame: 60, repeat: 1, output: 'copied' },
  });
  // Kernel-reported time of one run of this program (repeat = 1, so it includes no loop).
  let ns = 0;
  for (let i = 0; i < 10_000; i++) ns += exec.runInPlace(fd, frame).durationNs;
  emit({ bench: BENCH, metric: `kernel_ns_per_run_${prog}`, value: Math.round(ns / 10_000), unit: 'ns', params: { frame: 60, repeat: 1 } });
  note(`${prog}: ${Math.round(inPlace.opsPerSec)} runs/s in place, ${Math.round(copied.opsPerSec)} runs/s with copy`);
}
exec.free();
obj.close();

const binDir = join(root, 'build/bench');
mkdirSync(binDir, { recursive: true });
const bin = join(binDir, 'testrun-loop');
execFileSync('gcc', ['-O2', '-Wall', '-o', bin, join(root, 'bench/testrun-c/loop.c'), '-lbpf'], { stdio: 'inherit' });
for (const prog of ['st_pass', 'st_swap_mac']) {
  const [perSec] = execFileSync(bin, [objPath, prog, String(SECONDS)], { encoding: 'utf8' })
    .trim()
    .split(' ')
    .map(Number);
  emit({ bench: BENCH, metric: `c_runs_per_sec_${prog}`, value: perSec, unit: 'runs/s', params: { frame: 60, repeat: 1 } });
}
