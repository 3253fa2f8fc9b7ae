// Differential comparisons per second: per program (one frame through the model and the
// kernel, verdicts, traces, bytes, learnt maps and the run's counter compared) and per path
// (a pod's frame followed across the cluster on both sides), with the parts that make up a
// comparison measured alone so the figures say where the time goes.
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadInstances } from '../harness/dataplane/instance.ts';
import { kernelLearnt } from '../harness/dataplane/mapwriter.ts';
import { ProgramDiffer, type ProgramCase, runModel } from '../harness/diff/program.ts';
import { PathDiffer } from '../harness/diff/path.ts';
import { compareRuns } from '../harness/diff/compare.ts';
import { IFINDEX_POOL, MAX_HOSTS, type TopoSpec, buildTopology } from '../harness/diff/gen/topology.ts';
import { mutate, mutation, podFrame, podPkt, validPodPkt } from '../harness/diff/gen/packets.ts';
import { TransitSource, transitCase } from '../harness/diff/gen/transit-cases.ts';
import { defaultExecutor } from '../harness/testrun.ts';
import { emit, note, rate } from './emit.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync('make', ['-s', '-C', join(root, 'bpf')], { stdio: 'inherit' });
const BENCH = 'diff';
const MS = 1500;

// A fixed topology with every role: 4 hosts, two VPCs, bouncers, a divider, a service.
const spec: TopoSpec = {
  hosts: [{ mtu: 0 }, { mtu: 0 }, { mtu: 0 }, { mtu: 1500 }],
  vpcs: [{ vni: 7, dividers: [2] }, { vni: 8, dividers: [] }],
  nets: [{ vpc: 0, bouncers: [0] }, { vpc: 0, bouncers: [1] }, { vpc: 1, bouncers: [3] }],
  eps: [{ net: 0, host: 0 }, { net: 0, host: 1 }, { net: 1, host: 2 }, { net: 1, host: 3 }, { net: 2, host: 0 }, { net: 0, host: 3 }],
  svcs: [{ vpc: 0, backends: [1, 2], targetPort: 8080 }],
  ops: [],
  seeds: [],
};
const t = buildTopology(spec);
const instances = loadInstances(Array.from({ length: MAX_HOSTS }, (_, i) => `bench-h${i}`), { ifindexes: IFINDEX_POOL });

// Cases: pod traffic (valid and mutated) for the agent, model-path frames for transit.
const agentCases: Array<{ h: number; c: ProgramCase }> = fc.sample(fc.record({ pkt: podPkt(), mut: mutation() }), { seed: 1, numRuns: 4000 }).map(({ pkt, mut }) => {
  const pf = podFrame(t, pkt)!;
  return { h: t.hosts.indexOf(pf.ep.host), c: { program: 'agent' as const, ingress: pf.ep.ifindex, frame: mutate(pf.frame, mut) } };
});
const src = new TransitSource(buildTopology(spec));
const transitCases: Array<{ h: number; c: ProgramCase }> = [];
for (const tc of fc.sample(transitCase(), { seed: 2, numRuns: 6000 })) {
  const f = src.frame(tc);
  if (f !== null) transitCases.push({ h: f.host, c: { program: 'transit', ingress: f.ingress, frame: f.frame } });
}

const differs = instances.map((i) => new ProgramDiffer(i));
differs.forEach((d, i) => d.load(t.hosts[i].state));

for (const [program, cases] of [['agent', agentCases], ['transit', transitCases]] as const) {
  let k = 0;
  const full = rate(() => {
    for (let i = 0; i < 500; i++, k++) {
      const x = cases[k % cases.length];
      differs[x.h].run(x.c);
    }
    return 500;
  }, MS);
  emit({ bench: BENCH, metric: `${program}_comparisons_per_sec`, value: Math.round(full.opsPerSec), unit: 'cases/s', params: { cases: cases.length } });
  // The parts: the model alone, the kernel alone (test run + verdict read), the bare syscall.
  const model = rate(() => {
    for (let i = 0; i < 500; i++, k++) {
      const x = cases[k % cases.length];
      runModel(differs[x.h].state, x.c);
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
  const x0 = cases[0];
  const m0 = runModel(differs[x0.h].state, x0.c);
  const k0 = instances[x0.h].run(x0.c.program, x0.c.frame, x0.c.ingress);
  const cmp = rate(() => {
    for (let i = 0; i < 1000; i++) compareRuns(x0.c.frame, m0, k0);
    return 1000;
  }, MS / 2);
  const learnt = rate(() => {
    kernelLearnt(instances[0]);
    return 1;
  }, MS / 2);
  for (const [metric, r] of [['model', model], ['kernel_run_and_verdict', kernel], ['bare_test_run', bare], ['compare_only', cmp], ['learnt_readback', learnt]] as const) {
    emit({ bench: BENCH, metric: `${program}_${metric}_per_sec`, value: Math.round(r.opsPerSec), unit: 'ops/s' });
  }
  note(
    `${program}: ${Math.round(full.opsPerSec)} comparisons/s (${(1e6 / full.opsPerSec).toFixed(1)} us each) = model ${(1e6 / model.opsPerSec).toFixed(1)} us + kernel run & verdict ${(1e6 / kernel.opsPerSec).toFixed(1)} us (bare test run ${(1e6 / bare.opsPerSec).toFixed(1)} us) + compare ${(1e6 / cmp.opsPerSec).toFixed(2)} us + counter/learnt read-backs (learnt walk ${(1e6 / learnt.opsPerSec).toFixed(1)} us when a learning point is hit)`,
  );
}

// Paths: valid pod traffic across the cluster, learnt state carried over, hops compared.
const paths = new PathDiffer(t.cp, instances);
const sends = fc.sample(validPodPkt(), { seed: 3, numRuns: 2000 }).map((p) => podFrame(t, p)!).map((pf) => ({ pod: pf.ep.name, frame: pf.frame }));
let j = 0;
const before = paths.hops;
const pr = rate(() => {
  for (let i = 0; i < 100; i++, j++) paths.send(sends[j % sends.length].pod, sends[j % sends.length].frame);
  return 100;
}, MS * 2);
const hopsPerSend = (paths.hops - before) / pr.ops;
emit({ bench: BENCH, metric: 'path_sends_per_sec', value: Math.round(pr.opsPerSec), unit: 'paths/s', params: { hopsPerSend: Number(hopsPerSend.toFixed(2)) } });
emit({ bench: BENCH, metric: 'path_hops_per_sec', value: Math.round(pr.opsPerSec * hopsPerSend), unit: 'hops/s' });
note(`path: ${Math.round(pr.opsPerSec)} paths/s, ${hopsPerSend.toFixed(2)} hops each (learnt maps of every host on the path read back after each send)`);
for (const i of instances) i.close();
