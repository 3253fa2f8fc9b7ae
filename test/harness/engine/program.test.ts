// The per-program mode's stretches (ProgramDiffer.runMany: the models first, the kernel runs
// from C, then the comparisons) against the same cases run one at a time (run()) on a second
// set of instances: the same verdicts on both sides, the same counters, the same learnt state
// afterwards. The cases include learning ones (a stretch ends there), a frame the kernel
// cannot take and a run it refuses (both end a stretch early), and more cases than one call
// of the C takes. On a kernel that learns where the model does not, the stretch stops at
// that case and its report shows only what that case wrote.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DataplaneInstance, LEARNT_MAP_ENTRIES, loadInstances } from '../../../harness/dataplane/instance.ts';
import { ProgramDiffer, type ProgramCase, type ProgramOutcome } from '../../../harness/engine/program.ts';
import { EVERY_ROLE, IFINDEX_POOL, buildTopology } from '../../../harness/diff/gen/random-topology.ts';
import { mutate, mutation, podFrame, podPkt } from '../../../harness/diff/gen/packets.ts';
import { TransitSource, transitCase } from '../../../harness/diff/gen/transit-cases.ts';
import { BATCH_CAPACITY } from '../../../harness/native/batch-runner.ts';
import { MUTATIONS, type Mutant, buildMutant } from '../../../harness/diff/mutant.ts';
import { describeBpf } from '../../support/bpf-gate.ts';

const SPEC = EVERY_ROLE;

/** Host 0's cases: its pods' traffic (valid and mutated) and the transit frames that reach it. */
function host0Cases(): ProgramCase[] {
  const t = buildTopology(SPEC);
  const out: ProgramCase[] = [];
  for (const { pkt, mut } of fc.sample(fc.record({ pkt: podPkt(), mut: mutation() }), { seed: 11, numRuns: 600 })) {
    const pf = podFrame(t, pkt);
    if (pf !== null && t.hosts.indexOf(pf.ep.host) === 0)
      out.push({ program: 'agent', ingress: pf.ep.ifindex, frame: mutate(pf.frame, mut) });
  }
  const src = new TransitSource(buildTopology(SPEC));
  for (const tc of fc.sample(transitCase(), { seed: 12, numRuns: 1500 })) {
    const f = src.frame(tc);
    if (f !== null && f.host === 0) out.push({ program: 'transit', ingress: f.ingress, frame: f.frame });
  }
  // Interleaved, so learning cases fall inside stretches; then the two that end one early.
  out.sort((a, b) => a.frame[a.frame.length - 1] - b.frame[b.frame.length - 1]);
  const at = Math.floor(out.length / 3);
  out.splice(at, 0, { program: 'agent', ingress: IFINDEX_POOL[0], frame: new Uint8Array(10) });
  out.splice(2 * at, 0, { program: 'transit', ingress: 4242, frame: out[2 * at].frame });
  return out;
}

/** What a case's outcome says, both sides (the counter after the run is checked by the hop itself: a wrong one is a diff). */
const summary = (o: ProgramOutcome) => ({
  model: o.model === null ? null : `${o.model.action} ${o.model.reason} ${o.model.points.join(',')} ${o.model.updates.length}`,
  kernel: o.kernel === null ? null : `${o.kernel.action} ${o.kernel.reason} ${o.kernel.points.join(',')} ${o.kernel.learnt}`,
  out: o.frameOut === null ? null : Buffer.from(o.frameOut).toString('hex'),
  note: o.note === undefined ? undefined : o.note.replace(/\(.*\)/, '(...)'),
  diffs: o.diffs.map((d) => d.text),
});

describeBpf('the per-program stretches', () => {
  let one: DataplaneInstance[];
  let many: DataplaneInstance[];
  let mutant: Mutant | undefined;
  let broken: DataplaneInstance[] = [];
  beforeAll(() => {
    [one, many] = [['one'], ['many']].map((l) => loadInstances(l, { ifindexes: IFINDEX_POOL, innerEntries: LEARNT_MAP_ENTRIES }));
  });
  afterAll(() => {
    [...(one ?? []), ...(many ?? []), ...broken].forEach((i) => i.close());
    mutant?.remove();
  });

  it('give what the cases one at a time give, learning cases, an unrunnable frame and a refused run included', () => {
    const cases = host0Cases();
    const state = buildTopology(SPEC).hosts[0].state;
    const a = new ProgramDiffer(one[0]);
    const b = new ProgramDiffer(many[0]);
    a.load(state);
    b.load(state);
    const ran = cases.map((c) => a.run(c));
    const single = ran.map(summary);
    const stretched = b.runMany(cases).map(summary);

    expect(cases.length).toBeGreaterThan(2 * BATCH_CAPACITY);
    const learning = ran.filter((o) => o.kernel !== null && o.kernel.learnt > 0).length;
    expect(learning, 'cases that write the learnt maps (each ends a stretch)').toBeGreaterThan(5);
    expect(single.filter((s) => s.note?.startsWith('the kernel cannot run'))).toHaveLength(1);
    expect(single.filter((s) => s.note?.startsWith('the kernel refused'))).toHaveLength(1);
    expect(single.flatMap((s) => s.diffs)).toEqual([]);
    expect(stretched).toEqual(single);
    expect(b.cases).toBe(a.cases);
    // Both kernels are back at the baseline, and counted the same runs.
    expect(b.checkLearnt()).toEqual([]);
    expect(a.checkLearnt()).toEqual([]);
    expect(b.checkAllCounters()).toEqual([]);
  });

  it('stop where the kernel learns alone: that case reports only its own write, the next model runs again', () => {
    mutant = buildMutant(MUTATIONS.learnSelf);
    broken = loadInstances(['broken-a', 'broken-b'], { object: mutant.object, ifindexes: IFINDEX_POOL, innerEntries: LEARNT_MAP_ENTRIES });
    const cases = host0Cases();
    const state = buildTopology(SPEC).hosts[0].state;
    const a = new ProgramDiffer(broken[0]);
    a.load(state);
    const ran = cases.map((c) => a.run(c));
    // x: the kernel writes where the model does not; y: a case whose model writes (and agrees).
    const x = ran.findIndex((o) => o.model !== null && o.model.updates.length === 0 && o.kernel !== null && o.kernel.learnt > 0);
    const y = ran.findIndex((o) => o.model !== null && o.model.updates.length > 0 && o.diffs.length === 0);
    expect(x, 'a case the broken kernel learns alone').toBeGreaterThanOrEqual(0);
    expect(y, 'a case the model learns').toBeGreaterThanOrEqual(0);
    expect(ran[x].diffs.map((d) => d.text).join('\n')).toMatch(/^learnt-map writes: model 0, kernel 1/);

    // One stretch: x's model writes nothing, y's does; the kernel stops after x.
    const b = new ProgramDiffer(broken[1]);
    b.load(state);
    const got = b.runMany([cases[x], cases[y]]).map(summary);
    expect(got).toEqual([summary(ran[x]), summary(ran[y])]);
    expect(b.checkLearnt()).toEqual([]);
  });
});
