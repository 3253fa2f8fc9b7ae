// Differential comparisons per second: per program (one frame through the model and the
// kernel, verdicts, traces, bytes, learnt maps and the run's counter compared) and per path
// (a pod's frame followed across the cluster on both sides), with the parts that make up a
// comparison measured alone so the figures say where the time goes. Per-program figures come
// twice: one thread (`*_comparisons_per_sec`) and one pinned worker per CPU (`*_all_cpus`).
// Each figure carries the mismatches it saw (0 expected: the suites prove agreement).
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { allowedCpus } from '../harness/dataplane/affinity.ts';
import { censusUnavailable } from '../harness/dataplane/census.ts';
import { runModel } from '../harness/engine/hop.ts';
import { Engine } from '../harness/engine/engine.ts';
import { compareRuns } from '../harness/engine/differences.ts';
import { podFrame, validPodPkt } from '../harness/diff/gen/packets.ts';
import { koffi } from '../harness/libbpf/native.ts';
import { OUTPUT_SLACK, MAX_FRAME, defaultExecutor } from '../harness/testrun.ts';
import { BATCH, type BenchProgram, type HostCase, SPEC, buildWorkload, compareMany, freshDiffers } from './diff-workload.ts';
import { buildTopology } from '../harness/diff/gen/random-topology.ts';
import { emit, median, note, rate } from './emit.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync('make', ['-s', '-C', join(root, 'bpf')], { stdio: 'inherit' });
const BENCH = 'diff';
const MS = 1500;

// Before this thread pins itself: afterwards its affinity is its one CPU.
const cpus = allowedCpus();
const w = buildWorkload('bench');
const { instances } = w;
const agentCases = w.cases.agent;
const transitCases = w.cases.transit;

// The same cases' kernel runs back to back from C (bench/testrun-c/cases.c): what the test
// run costs with no binding and no harness around it. With the model's time alone it bounds
// what one thread can compare, whatever the harness does.
const binDir = join(root, 'build/bench');
mkdirSync(binDir, { recursive: true });
const casesLib = join(binDir, 'libtestrun-cases.so');
execFileSync('gcc', ['-O2', '-Wall', '-shared', '-fPIC', '-o', casesLib, join(root, 'bench/testrun-c/cases.c'), '-lbpf'], {
  stdio: 'inherit',
});
const runCases = koffi
  .load(casesLib)
  .func('int tp_run_cases(void *fds, void *frames, void *offs, void *lens, void *ifindexes, int n, void *out, uint32_t out_size)') as (
  fds: Int32Array,
  frames: Uint8Array,
  offs: Uint32Array,
  lens: Uint32Array,
  ifx: Uint32Array,
  n: number,
  out: Uint8Array,
  size: number,
) => number;
const cOut = new Uint8Array(MAX_FRAME + OUTPUT_SLACK);

/** Runs per second of `cases` in C, `chunk` cases per call (the call's own cost spread over them). */
function cRate(program: BenchProgram, cases: readonly HostCase[], chunk = 500): number {
  const n = Math.min(chunk, cases.length);
  const fds = new Int32Array(n);
  const offs = new Uint32Array(n);
  const lens = new Uint32Array(n);
  const ifx = new Uint32Array(n);
  const frames = new Uint8Array(cases.slice(0, n).reduce((a, x) => a + x.c.frame.length, 0));
  let at = 0;
  for (let i = 0; i < n; i++) {
    const x = cases[i];
    fds[i] = instances[x.h].fds[program];
    offs[i] = at;
    lens[i] = x.c.frame.length;
    ifx[i] = x.c.ingress;
    frames.set(x.c.frame, at);
    at += x.c.frame.length;
  }
  return rate(() => {
    const rc = runCases(fds, frames, offs, lens, ifx, n, cOut, cOut.length);
    if (rc !== n) throw new Error(`tp_run_cases: case ${-rc - 1} failed (errno ${koffi.errno()})`);
    return n;
  }, MS).opsPerSec;
}

const programRates: number[] = [];
for (const [program, cases] of [
  ['agent', agentCases],
  ['transit', transitCases],
] as const) {
  let k = 0;
  let bad = 0;
  const full = rate(() => {
    bad += compareMany(w, program, k, 1, 500);
    k += 500;
    return 500;
  }, MS);
  programRates.push(full.opsPerSec);
  emit({
    bench: BENCH,
    metric: `${program}_comparisons_per_sec`,
    value: Math.round(full.opsPerSec),
    unit: 'cases/s',
    params: { cases: cases.length, threads: 1, mismatches: bad },
  });
  // The same comparisons one case at a time (run(): model, kernel run from Node, compare),
  // for what the stretches buy, in this run.
  const single = rate(() => {
    bad += compareMany(w, program, k, 1, 500, true);
    k += 500;
    return 500;
  }, MS);
  emit({
    bench: BENCH,
    metric: `${program}_comparisons_per_sec_one_at_a_time`,
    value: Math.round(single.opsPerSec),
    unit: 'cases/s',
    params: { threads: 1, mismatches: bad, stretchesRatio: Number((full.opsPerSec / single.opsPerSec).toFixed(2)) },
  });
  // The parts: the model alone, the kernel alone (test run + verdict read), the bare syscall.
  const model = rate(() => {
    for (let i = 0; i < 500; i++, k++) {
      const x = cases[k % cases.length];
      runModel(w.differs[x.h].state, x.c.program, x.c.frame, x.c.ingress, false);
    }
    return 500;
  }, MS);
  const kernel = rate(() => {
    for (let i = 0; i < 500; i++, k++) {
      const x = cases[k % cases.length];
      instances[x.h].run(x.c.program, x.c.frame, x.c.ingress);
    }
    return 500;
  }, MS);
  const exec = defaultExecutor();
  const bare = rate(() => {
    for (let i = 0; i < 500; i++, k++) {
      const x = cases[k % cases.length];
      exec.runInPlace(instances[x.h].fds[program], x.c.frame, { ingressIfindex: x.c.ingress });
    }
    return 500;
  }, MS);
  const cLoop = cRate(program, cases);
  const x0 = cases[0];
  const m0 = runModel(w.differs[x0.h].state, x0.c.program, x0.c.frame, x0.c.ingress, false);
  const k0 = instances[x0.h].run(x0.c.program, x0.c.frame, x0.c.ingress);
  const cmp = rate(() => {
    for (let i = 0; i < 1000; i++) compareRuns(x0.c.frame, m0, k0);
    return 1000;
  }, MS / 2);
  // The parts ran each side alone and left the two sides apart: start again from the topology.
  freshDiffers(w);
  const learnt = rate(() => {
    w.differs[0].checkLearnt();
    return 1;
  }, MS / 2);
  for (const [metric, r] of [
    ['model', model],
    ['kernel_run_and_verdict', kernel],
    ['bare_test_run', bare],
    ['compare_only', cmp],
    ['learnt_readback', learnt],
  ] as const) {
    emit({ bench: BENCH, metric: `${program}_${metric}_per_sec`, value: Math.round(r.opsPerSec), unit: 'ops/s' });
  }
  // One thread does both halves in turn: its comparisons cannot outrun these two added.
  const floor = 1 / (1 / cLoop + 1 / model.opsPerSec);
  emit({
    bench: BENCH,
    metric: `${program}_c_test_run_per_sec`,
    value: Math.round(cLoop),
    unit: 'ops/s',
    params: { from: 'C', cases: 500 },
  });
  emit({
    bench: BENCH,
    metric: `${program}_one_thread_bound_per_sec`,
    value: Math.round(floor),
    unit: 'cases/s',
    params: { is: 'C test runs + model alone, nothing compared', comparisons: Math.round(full.opsPerSec) },
  });
  note(
    `${program}: one thread cannot pass ${Math.round(floor)}/s on this machine: the kernel runs of these cases back to back from C ${(1e6 / cLoop).toFixed(1)} us + the model alone ${(1e6 / model.opsPerSec).toFixed(1)} us, nothing read or compared`,
  );
  note(
    `${program}: ${Math.round(full.opsPerSec)} comparisons/s in stretches (${(1e6 / full.opsPerSec).toFixed(1)} us each; one case at a time ${Math.round(single.opsPerSec)}/s, ${(1e6 / single.opsPerSec).toFixed(1)} us) = model ${(1e6 / model.opsPerSec).toFixed(1)} us + kernel run & verdict ${(1e6 / kernel.opsPerSec).toFixed(1)} us (bare test run ${(1e6 / bare.opsPerSec).toFixed(1)} us) + compare ${(1e6 / cmp.opsPerSec).toFixed(2)} us + learnt-key checks when the model learns + one host's end-of-batch check ${(1e6 / learnt.opsPerSec).toFixed(1)} us per batch of ${BATCH} (${censusUnavailable() === undefined ? 'its census: nothing learnt on either side' : `no census on this kernel, every slot read whole: ${censusUnavailable()}`})`,
  );
}

// The same comparisons on every CPU at once: one worker thread per allowed CPU, each
// pinned, in its own namespace, with its own instances, interleaving one case list.
// tsx's loader hooks are per thread: the worker registers them before importing its module.
const boot = `import { register } from 'tsx/esm/api'; register(); await import(${JSON.stringify(new URL('./diff-worker.ts', import.meta.url).href)});`;
const workers = cpus.map((cpu, slot) => new Worker(boot, { eval: true, workerData: { cpu, slot, workers: cpus.length } }));
const next = (wk: Worker): Promise<{ t: string; n: number; bad: number; ms: number }> =>
  new Promise((resolve, reject) => {
    wk.once('message', resolve);
    wk.once('error', reject);
  });
await Promise.all(workers.map(next));
for (const program of ['agent', 'transit'] as BenchProgram[]) {
  const done = Promise.all(workers.map(next));
  for (const wk of workers) wk.postMessage({ program, ms: MS });
  const res = await done;
  const perSec = res.reduce((a, r) => a + (r.n * 1000) / r.ms, 0);
  const bad = res.reduce((a, r) => a + r.bad, 0);
  emit({
    bench: BENCH,
    metric: `${program}_comparisons_per_sec_all_cpus`,
    value: Math.round(perSec),
    unit: 'cases/s',
    params: { threads: cpus.length, mismatches: bad },
  });
  note(
    `${program}: ${Math.round(perSec)} comparisons/s on ${cpus.length} CPUs (${res.map((r) => Math.round((r.n * 1000) / r.ms)).join(' + ')})`,
  );
}
for (const wk of workers) wk.postMessage({ t: 'exit' });

// Paths: valid pod traffic across the cluster, learnt state carried over, hops compared. The
// path engine plays its own build of the topology on the same instances (its hosts learn as
// they go; the per-program cases need the states as the control plane wrote them).
const pathTopo = buildTopology(SPEC);
const paths = new Engine(pathTopo.cp, 'both', { instances });
const sends = fc
  .sample(validPodPkt(), { seed: 3, numRuns: 2000 })
  .map((p) => podFrame(pathTopo, p)!)
  .map((pf) => ({ pod: pf.ep.name, frame: pf.frame }));
let j = 0;
let pathBad = 0;
let pathOps = 0;
const before = paths.hops;
const pathSlice = (ms: number): number =>
  rate(() => {
    for (let i = 0; i < 100; i++, j++) {
      const c = paths.send(sends[j % sends.length].pod, sends[j % sends.length].frame, { traced: false });
      if (c.firstBad >= 0) pathBad++;
    }
    // The end of a batch, as the runner's before a control-plane step: the learnt maps of
    // every host the batch touched, read whole on both sides.
    pathBad += paths.endBatch().length;
    pathOps += 100;
    return 100;
  }, ms).opsPerSec;
const pr = { opsPerSec: pathSlice(MS * 2) };
const hopsPerSend = (paths.hops - before) / pathOps;
emit({
  bench: BENCH,
  metric: 'path_sends_per_sec',
  value: Math.round(pr.opsPerSec),
  unit: 'paths/s',
  params: { hopsPerSend: Number(hopsPerSend.toFixed(2)), mismatches: pathBad },
});
const hopsPerSec = Math.round(pr.opsPerSec * hopsPerSend);
emit({ bench: BENCH, metric: 'path_hops_per_sec', value: hopsPerSec, unit: 'hops/s', params: { mismatches: pathBad } });

// The ratio of the two, in rounds that measure both one after the other (this machine's
// speed moves by 20-30% over a minute, and the figures above lie a minute apart): each
// round a per-program slice of both programs (every map rewritten first), then a path
// slice (the engine's state written back first). The median of the rounds' ratios.
const RATIO_ROUNDS = 5;
const ratios: number[] = [];
let k2 = 0;
for (let r = 0; r < RATIO_ROUNDS; r++) {
  freshDiffers(w);
  const prog = (['agent', 'transit'] as const).map(
    (program) =>
      rate(() => {
        pathBad += compareMany(w, program, k2, 1, 500);
        k2 += 500;
        return 500;
      }, MS / 2).opsPerSec,
  );
  paths.sync();
  const h0 = paths.hops;
  const o0 = pathOps;
  const sendsPerSec = pathSlice(MS / 2);
  const hops = sendsPerSec * ((paths.hops - h0) / (pathOps - o0));
  ratios.push(hops / ((prog[0] + prog[1]) / 2));
}
const ratio = median(ratios);
const programRate = programRates.reduce((a, b) => a + b, 0) / programRates.length;
emit({
  bench: BENCH,
  metric: 'path_hops_vs_program_comparisons',
  value: Number(ratio.toFixed(2)),
  unit: 'ratio',
  params: {
    rounds: RATIO_ROUNDS,
    perRound: ratios.map((x) => x.toFixed(2)).join(' '),
    programComparisonsPerSec: Math.round(programRate),
    mismatches: pathBad,
  },
});
note(
  `path: ${Math.round(pr.opsPerSec)} paths/s, ${hopsPerSend.toFixed(2)} hops each = ${hopsPerSec} hops/s (learnt writes checked by key per hop, every touched host read whole every 100 sends); hops/s over the per-program comparisons/s, measured side by side: median ${ratio.toFixed(2)} of ${RATIO_ROUNDS} rounds (${ratios.map((x) => x.toFixed(2)).join(', ')})`,
);
for (const i of instances) i.close();
