// Differential property suites, model against kernel, for dcos_egress and dcos_ingress of
// agent a0 in a random small cluster (docs/dcos.md section 6): fast-check with a fixed seed
// and shrinking; every case resets a0's maps (control maps written from the model, learnt
// maps emptied, counters zeroed), then runs a sequence of frames on both and compares after
// each: action, reason, target, decision points, learnt-write count, output bytes, and the
// learnt maps dcos_flow, dcos_nat and dcos_conns entry for entry.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DcosInstance, loadDcosInstances, learntOf } from '../../../harness/dataplane/dcos-instance.ts';
import { runDcosEgress } from '../../../model/dcos/dcos-egress.ts';
import { runDcosIngress } from '../../../model/dcos/dcos-ingress.ts';
import { DCOS_LEARNT_MAPS } from '../../../model/dcos/dcos-maps.ts';
import { pointsOf, reasonsOf, reasonName } from '../../../model/dataplane/tables.ts';
import { toHex } from '../../../model/wire/hex.ts';
import { describeBpf } from '../../support/bpf-gate.ts';
import {
  DCOS_IFINDEX_POOL,
  buildTopo,
  egressFrame,
  egressPktArb,
  ingressFrame,
  ingressPktArb,
  runDiffs,
  topoArb,
} from '../../../harness/diff/gen/dcos-gen.ts';
import type { DcosControlPlane } from '../../../model/dcos/dcos-control.ts';

const CASES = Number(process.env.TWINPLANE_DIFF_RUNS ?? 3000);

/** Reasons no case of these suites can end with, and why. */
const UNREACHABLE: Readonly<Record<string, string>> = {
  DCOS_ETH_TRUNCATED: 'BPF_PROG_TEST_RUN refuses frames shorter than an Ethernet header (EINVAL), and no NIC or veth hands one up',
  DCOS_ADJUST_FAILED:
    'encapsulation grows by 50 of the 256 bytes of XDP headroom; decapsulation leaves the inner frame of at least 14 bytes',
  DCOS_NO_NEIGH:
    'the control plane writes neighbour, route, FDB and rule together: a route without its neighbour takes a broken control plane',
  DCOS_NO_FDB: 'as DCOS_NO_NEIGH: written with the neighbour entry',
};

type Step = { program: 'dcos_egress' | 'dcos_ingress'; frame: Uint8Array; ifindex: number };

describeBpf('differential: dcos_egress and dcos_ingress', () => {
  let k: DcosInstance;
  const reasons = new Map<string, Set<number>>([
    ['dcos_egress', new Set()],
    ['dcos_ingress', new Set()],
  ]);
  const points = { model: new Set<number>(), kernel: new Set<number>() };
  let cases = 0;
  let runs = 0;
  beforeAll(() => {
    [k] = loadDcosInstances(['a0'], { ifindexes: [...DCOS_IFINDEX_POOL] });
  });
  afterAll(() => k?.close());

  /** Resets a0 from the model, runs every step on both, returns the first difference. */
  function check(cp: DcosControlPlane, steps: Step[]): string | null {
    cases++;
    const m = cp.agent('a0').state.maps;
    m.resetLearnt();
    k.load(m);
    k.clearCounters();
    for (const [i, s] of steps.entries()) {
      runs++;
      const mr = s.program === 'dcos_egress' ? runDcosEgress(m, s.frame, s.ifindex) : runDcosIngress(m, s.frame, s.ifindex);
      const kr = k.run(s.program, s.frame, s.ifindex);
      reasons.get(s.program)!.add(mr.reason);
      for (const p of mr.points) points.model.add(p);
      for (const p of kr.points) points.kernel.add(p);
      const diffs = runDiffs(
        mr,
        kr,
        DCOS_LEARNT_MAPS.map((n) => learntOf(m, n)),
        DCOS_LEARNT_MAPS.map((n) => k.learnt(n)),
      );
      if (diffs.length > 0) return `step ${i} (${s.program} on ifindex ${s.ifindex}):\n${diffs.join('\n')}`;
    }
    return null;
  }

  /** The case is plain data (specs), so a shrunk counterexample reads as what was sent. */
  function assertProperty<T>(arb: fc.Arbitrary<T>, build: (t: T) => [DcosControlPlane, Step[]], seed: number): void {
    fc.assert(
      fc.property(arb, (t) => {
        const [cp, steps] = build(t);
        const d = check(cp, steps);
        if (d !== null) throw new Error(`${d}\nframes: ${steps.map((s) => toHex(s.frame)).join(' ')}`);
      }),
      { seed, numRuns: CASES },
    );
  }

  it(`dcos_egress: model and kernel agree on container traffic (${CASES} cases)`, () => {
    const arb = fc.tuple(topoArb, fc.array(egressPktArb, { minLength: 1, maxLength: 5 }));
    assertProperty(
      arb,
      ([t, pkts]) => {
        const cp = buildTopo(t);
        return [cp, pkts.map((p) => ({ program: 'dcos_egress' as const, ...egressFrame(cp, p) }))];
      },
      0x7a6e7d01,
    );
  });

  it(`dcos_ingress: model and kernel agree on underlay traffic, after VIP flows opened by dcos_egress (${CASES} cases)`, () => {
    const arb = fc.tuple(
      topoArb,
      fc.array(egressPktArb, { minLength: 0, maxLength: 3 }),
      fc.array(ingressPktArb, { minLength: 1, maxLength: 4 }),
    );
    assertProperty(
      arb,
      ([t, warm, pkts]) => {
        const cp = buildTopo(t);
        const steps: Step[] = warm.map((p) => ({ program: 'dcos_egress' as const, ...egressFrame(cp, { ...p, dst: 2 }) }));
        for (const p of pkts) steps.push({ program: 'dcos_ingress', frame: ingressFrame(cp, p), ifindex: 2 });
        return [cp, steps];
      },
      0x7a6e7d02,
    );
  });

  it('the suites reached every DC/OS decision point on both sides, and every reachable reason', () => {
    console.log(`dcos differential: ${cases} cases, ${runs} runs`);
    if (CASES < 3000) return;
    const missed = pointsOf('dcos').filter((p) => !points.model.has(p.id) || !points.kernel.has(p.id));
    expect(missed.map((p) => p.name)).toEqual([]);
    const seen = new Set([...reasons.get('dcos_egress')!, ...reasons.get('dcos_ingress')!]);
    const unreached = reasonsOf('dcos')
      .filter((r) => r.id !== 0 && !seen.has(r.id) && !(r.name in UNREACHABLE))
      .map((r) => r.name);
    expect(unreached).toEqual([]);
    const wrong = Object.keys(UNREACHABLE).filter((n) => [...seen].some((id) => reasonName(id) === n));
    expect(wrong, 'argued unreachable but reached').toEqual([]);
  });
});
