// BPF_PROG_TEST_RUN calls per second, one 60-byte frame per call (repeat = 1, as the
// differential runner does): from Node through the koffi binding, with and without
// copying the output, for XDP_PASS and a rewriting program; and the same loop in C
// (bench/testrun-c/loop.c, compiled here with gcc) as the floor the binding adds to. Then a
// map lookup through the binding, its key and value buffers fresh small Uint8Arrays (on the
// JS heap, moved off by the call) against views of the packet slab (off-heap): why the
// harness's learnt-key checks encode into the slab (harness/libbpf/map.ts).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BpfObject } from '../harness/libbpf/object.ts';
import { TestRunExecutor } from '../harness/testrun.ts';
import { BpfMap } from '../harness/libbpf/map.ts';
import { allocBuffer } from '../model/dataplane/parse.ts';
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

// An 8-byte key and a 12-byte value, as ep_cache's (tp_ep_key -> tp_host_loc).
const BPF_MAP_TYPE_HASH = 1;
const lk = BpfMap.create(BPF_MAP_TYPE_HASH, 'tp_bench_lookup', 8, 12, 16);
const keyOf = (b: Uint8Array): Uint8Array => {
  b[0] = 7;
  return b;
};
lk.update(keyOf(new Uint8Array(8)), new Uint8Array(12).fill(1));
// Both ways find the entry (a miss would time another path through the kernel).
if (lk.lookup(keyOf(new Uint8Array(8)), new Uint8Array(12))?.[0] !== 1 || lk.lookup(keyOf(allocBuffer(8)), allocBuffer(12))?.[0] !== 1) {
  throw new Error('bench testrun: the lookup benchmark does not find its entry');
}
const heap = rate(() => {
  for (let i = 0; i < BATCH; i++) lk.lookup(keyOf(new Uint8Array(8)), new Uint8Array(12));
  return BATCH;
}, SECONDS * 1000);
const slab = rate(() => {
  for (let i = 0; i < BATCH; i++) lk.lookup(keyOf(allocBuffer(8)), allocBuffer(12));
  return BATCH;
}, SECONDS * 1000);
lk.closeFd();
emit({
  bench: BENCH,
  metric: 'map_lookups_per_sec_heap_buffers',
  value: Math.round(heap.opsPerSec),
  unit: 'lookups/s',
  params: { key: 8, value: 12 },
});
emit({
  bench: BENCH,
  metric: 'map_lookups_per_sec_slab_buffers',
  value: Math.round(slab.opsPerSec),
  unit: 'lookups/s',
  params: { key: 8, value: 12, overHeap: Number((slab.opsPerSec / heap.opsPerSec).toFixed(2)) },
});
note(
  `map lookup: ${(1e6 / heap.opsPerSec).toFixed(2)} us with fresh heap buffers, ${(1e6 / slab.opsPerSec).toFixed(2)} us with slab views`,
);
