// The differential benchmark's workload, built the same way wherever it runs (the main
// thread and each worker of the all-CPU figure): a fixed topology with every role — 4 hosts,
// two VPCs, bouncers, a divider, a service — and seeded case lists per program.
import fc from 'fast-check';
import { type DataplaneInstance, LEARNT_MAP_ENTRIES, loadInstances } from '../harness/dataplane/instance.ts';
import { ProgramDiffer, type ProgramCase } from '../harness/engine/program.ts';
import { EVERY_ROLE, IFINDEX_POOL, MAX_HOSTS, type TopoSpec, type Topology, buildTopology } from '../harness/diff/gen/random-topology.ts';
import { mutate, mutation, podFrame, podPkt } from '../harness/diff/gen/packets.ts';
import { TransitSource, transitCase } from '../harness/diff/gen/transit-cases.ts';

/** The bench's topology: every role on 4 hosts (random-topology.ts). */
export const SPEC: TopoSpec = EVERY_ROLE;

export type BenchProgram = 'agent' | 'transit';
export interface HostCase {
  h: number;
  c: ProgramCase;
}

export interface Workload {
  topo: Topology;
  instances: DataplaneInstance[];
  differs: ProgramDiffer[];
  cases: Record<BenchProgram, HostCase[]>;
}

/** Pod traffic (valid and mutated) for the agent, frames of model paths for transit. */
export function buildCases(t: Topology): Record<BenchProgram, HostCase[]> {
  const agent = fc.sample(fc.record({ pkt: podPkt(), mut: mutation() }), { seed: 1, numRuns: 4000 }).map(({ pkt, mut }) => {
    const pf = podFrame(t, pkt)!;
    return { h: t.hosts.indexOf(pf.ep.host), c: { program: 'agent' as const, ingress: pf.ep.ifindex, frame: mutate(pf.frame, mut) } };
  });
  // Transit frames come from a second build: the model cluster learns as it walks.
  const src = new TransitSource(buildTopology(SPEC));
  const transit: HostCase[] = [];
  for (const tc of fc.sample(transitCase(), { seed: 2, numRuns: 6000 })) {
    const f = src.frame(tc);
    if (f !== null) transit.push({ h: f.host, c: { program: 'transit', ingress: f.ingress, frame: f.frame } });
  }
  return { agent, transit };
}

/** Loads one instance per host on `cpu` (this thread is pinned to it) with the topology's states. */
export function buildWorkload(label: string, cpu?: number): Workload {
  const topo = buildTopology(SPEC);
  const instances = loadInstances(
    Array.from({ length: MAX_HOSTS }, (_, i) => `${label}-h${i}`),
    { ifindexes: IFINDEX_POOL, innerEntries: LEARNT_MAP_ENTRIES, ...(cpu !== undefined ? { cpu } : {}) },
  );
  const w: Workload = { topo, instances, differs: [], cases: buildCases(topo) };
  freshDiffers(w);
  return w;
}

/**
 * New differs on the same instances, every map rewritten and the counters zeroed: after
 * runs of one side alone (the bench's parts) the two sides no longer hold the same state.
 */
export function freshDiffers(w: Workload): void {
  w.differs = w.instances.map((i) => new ProgramDiffer(i));
  w.differs.forEach((d, i) => d.load(w.topo.hosts[i].state));
}

/** Cases between end-of-batch checks: the suites draw batches of 1..100 cases. */
export const BATCH = 50;

/**
 * Runs `n` comparisons of `program` from case `start` on (stepping `step`, so workers can
 * interleave one list), with the suites' end-of-batch check (every host's learnt maps read
 * whole, its counters compared) every BATCH cases; returns how many disagreed (0 expected:
 * the suites prove it). `oneAtATime` runs each case alone (ProgramDiffer.run), for the
 * figure the stretches are measured against.
 */
export function compareMany(w: Workload, program: BenchProgram, start: number, step: number, n: number, oneAtATime = false): number {
  const cases = w.cases[program];
  let bad = 0;
  if (oneAtATime) {
    // Each case through run(): its model, then its kernel run from Node, then its comparison.
    for (let i = 0, k = start; i < n; i++, k += step) {
      const x = cases[k % cases.length];
      if (w.differs[x.h].run(x.c).diffs.length > 0) bad++;
      if ((i + 1) % BATCH === 0) for (const d of w.differs) if (d.checkLearnt().length > 0) bad++;
    }
    return bad;
  }
  // Each batch's cases by host, in order, through the host's stretches (ProgramDiffer.runMany),
  // as a suite's check runs its cases (ProgramSuite.runAll).
  const byHost: ProgramCase[][] = w.differs.map(() => []);
  for (let i = 0, k = start; i < n; i++, k += step) {
    const x = cases[k % cases.length];
    byHost[x.h].push(x.c);
    if ((i + 1) % BATCH === 0 || i === n - 1) {
      for (let h = 0; h < byHost.length; h++) {
        if (byHost[h].length === 0) continue;
        for (const o of w.differs[h].runMany(byHost[h])) if (o.diffs.length > 0) bad++;
        byHost[h] = [];
      }
    }
    if ((i + 1) % BATCH === 0) for (const d of w.differs) if (d.checkLearnt().length > 0) bad++;
  }
  return bad;
}
