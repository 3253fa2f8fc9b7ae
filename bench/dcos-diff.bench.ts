// DC/OS differential comparisons per second on one thread, beside the mizar figures of
// `npm run bench -- diff` (run both: `npm run bench -- diff dcos-diff`). One comparison is a
// frame through dcos_egress or dcos_ingress of agent a0 in the model and in the kernel, with
// action, reason, target, decision points, the learnt-write count and the output bytes
// compared; the learnt maps (flows, NAT, connection counts) are read whole and compared at
// the end of every batch of BATCH cases, then both sides start the next batch from empty,
// as mizar's engine does. The parts are measured alone so the figure says where time goes.
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDcosInstances } from '../harness/dataplane/dcos-instance.ts';
import {
  DCOS_IFINDEX_POOL,
  buildTopo,
  egressFrame,
  egressPktArb,
  ingressFrame,
  ingressPktArb,
  runsAgree,
  topoArb,
} from '../harness/diff/gen/dcos-gen.ts';
import { DCOS_LEARNT_MAPS } from '../model/dcos/dcos-maps.ts';
import { runDcosEgress } from '../model/dcos/dcos-egress.ts';
import { runDcosIngress } from '../model/dcos/dcos-ingress.ts';
import { emit, note, rate } from './emit.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync('make', ['-s', '-C', join(root, 'bpf')], { stdio: 'inherit' });
const BENCH = 'dcos-diff';
const MS = 1500;
// Longer batches than mizar's 50: a batch read walks every bucket of a 65,536-entry LRU map
// (tens of microseconds a map however few entries it holds), so its cost is per batch.
const BATCH = 500;

// One cluster with containers on a0, remote ones and two VIPs: the frames are the suites'.
const topo = fc.sample(topoArb, { seed: 11, numRuns: 200 }).find((t) => t.containers.length >= 4 && t.vips.length === 2 && !t.smallMtu)!;
const cp = buildTopo(topo);
const m = cp.agent('a0').state.maps;
const [k] = loadDcosInstances(['a0'], { ifindexes: [...DCOS_IFINDEX_POOL] });
const cases = {
  dcos_egress: fc.sample(egressPktArb, { seed: 12, numRuns: 4000 }).map((p) => egressFrame(cp, p)),
  dcos_ingress: fc.sample(ingressPktArb, { seed: 13, numRuns: 4000 }).map((p) => ({ frame: ingressFrame(cp, p), ifindex: 2 })),
};
k.load(m);
/** A key's bytes as a string: a cheap exact Map key (hex text only when something differs). */
const bytesKey = (b: Uint8Array): string => String.fromCharCode.apply(null, b as unknown as number[]);
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
/** The model's entries and the kernel's, as sets of (key, value): equal without building text. */
function sameEntries(model: Array<[Uint8Array, Uint8Array]>, kernel: Array<[Uint8Array, Uint8Array]>): boolean {
  if (model.length !== kernel.length) return false;
  const byKey = new Map(model.map(([key, v]) => [bytesKey(key), v]));
  return kernel.every(([key, v]) => {
    const mv = byKey.get(bytesKey(key));
    return mv !== undefined && sameBytes(mv, v);
  });
}
/**
 * The end of a batch: each learnt map read whole on both sides and compared, and emptied as
 * it is read (the kernel's in one lookup-and-delete batch call per map), so the next batch
 * starts from no learnt state. The control maps stay.
 */
const batchEnd = (): boolean => {
  let same = true;
  for (const name of DCOS_LEARNT_MAPS) if (!sameEntries(m.raw(name).rawEntries(), k.map(name).drain())) same = false;
  m.resetLearnt();
  return same;
};
const fresh = (): void => void batchEnd();

for (const program of ['dcos_egress', 'dcos_ingress'] as const) {
  const list = cases[program];
  const model = program === 'dcos_egress' ? runDcosEgress : runDcosIngress;
  let i = 0;
  let bad = 0;
  fresh();
  const full = rate(() => {
    for (let n = 0; n < BATCH; n++, i++) {
      const c = list[i % list.length];
      const mr = model(m, c.frame, c.ifindex);
      const kr = k.run(program, c.frame, c.ifindex);
      if (!runsAgree(mr, kr)) bad++;
    }
    if (!batchEnd()) bad++;
    return BATCH;
  }, MS);
  emit({
    bench: BENCH,
    metric: `${program}_comparisons_per_sec`,
    value: Math.round(full.opsPerSec),
    unit: 'cases/s',
    params: { profile: 'dcos', threads: 1, cases: list.length, batch: BATCH, mismatches: bad },
  });
  const modelOnly = rate(() => {
    for (let n = 0; n < 500; n++, i++) model(m, list[i % list.length].frame, list[i % list.length].ifindex);
    m.resetLearnt();
    return 500;
  }, MS);
  const kernelOnly = rate(() => {
    for (let n = 0; n < 500; n++, i++) k.run(program, list[i % list.length].frame, list[i % list.length].ifindex);
    return 500;
  }, MS);
  fresh();
  const ends = rate(() => {
    batchEnd();
    return 1;
  }, MS / 2);
  for (const [metric, r] of [
    ['model', modelOnly],
    ['kernel_run_and_verdict', kernelOnly],
    ['batch_end', ends],
  ] as const)
    emit({
      bench: BENCH,
      metric: `${program}_${metric}_per_sec`,
      value: Math.round(r.opsPerSec),
      unit: 'ops/s',
      params: { profile: 'dcos' },
    });
  note(
    `${program}: ${Math.round(full.opsPerSec)} comparisons/s (${(1e6 / full.opsPerSec).toFixed(1)} us each) = model ${(1e6 / modelOnly.opsPerSec).toFixed(1)} us + kernel run & verdict ${(1e6 / kernelOnly.opsPerSec).toFixed(1)} us + learnt maps read whole and emptied ${(1e6 / ends.opsPerSec).toFixed(0)} us per batch of ${BATCH}; ${bad} mismatches`,
  );
}
k.close();
