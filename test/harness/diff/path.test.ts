// Differential suite for paths: scenarios on random topologies — pods send ARP, ICMP, UDP
// and TCP to every kind of destination, answer what they receive (so service replies are
// un-NATed), repeat themselves (so learnt caches and established flows are used), while the
// control plane deletes and moves endpoints and removes backends. Every hop runs in the
// kernel on its own host's instance, fed by the previous kernel hop, and is compared with
// the model cluster's hop; learnt maps after every send and counters after every scenario.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Coverage } from '../../../harness/diff/coverage.ts';
import { KnownTracker } from '../../../harness/diff/known.ts';
import { type PropertyConfig, caseBudget, isDefaultRun, runDiffProperty } from '../../../harness/diff/property.ts';
import { IFINDEX_POOL, MAX_HOSTS } from '../../../harness/diff/gen/random-topology.ts';
import { type PathSuiteState, pathArb, pathCheck } from '../../../harness/diff/suites.ts';
import { type DataplaneInstance, LEARNT_MAP_ENTRIES, loadInstances } from '../../../harness/dataplane/instance.ts';
import { describeBpf } from '../../support/bpf-gate.ts';
import { KNOWN_DIVERGENCES } from './known-divergences.ts';

const CFG: PropertyConfig = {
  suite: 'path',
  testFile: 'test/harness/diff/path.test.ts',
  testName: 'paths: every hop agrees between the model cluster and the kernels',
  seed: 0x7a6e7403,
  // Counted in hops (each one a full program comparison).
  defaultCases: 20_000,
  // Replaced below: measured about 30 hops per scenario of up to 60 steps.
  casesPerRun: 100,
};
const STEPS = 60;

describeBpf('differential: paths across a cluster', () => {
  let instances: DataplaneInstance[];
  let s: PathSuiteState;
  beforeAll(() => {
    instances = loadInstances(
      Array.from({ length: MAX_HOSTS }, (_, i) => `path-h${i}`),
      // Small partitions, as the per-program suites': a path holds a few dozen learnt entries.
      { ifindexes: IFINDEX_POOL, innerEntries: LEARNT_MAP_ENTRIES },
    );
    s = { instances, coverage: new Coverage(), known: new KnownTracker(CFG.suite, KNOWN_DIVERGENCES), hops: 0, sends: 0 };
  });
  afterAll(() => {
    s?.coverage.save(CFG.suite);
    for (const i of instances ?? []) i.close();
  });

  it(CFG.testName, () => {
    runDiffProperty({ ...CFG, casesPerRun: STEPS * 1.5 }, pathArb(STEPS), pathCheck(s, CFG.suite));
    console.log(`path: ${s.sends} sends, ${s.hops} hops compared, ${s.known.hits.size} known divergence kinds`);
    if (isDefaultRun(CFG)) expect(s.hops).toBeGreaterThanOrEqual(caseBudget(CFG.defaultCases));
  });

  it('every known path divergence still occurs (else it was fixed: remove it from the list)', () => {
    if (!isDefaultRun(CFG)) return;
    expect(s.known.unseen().map((k) => `${k.id}: ${k.why}`)).toEqual([]);
  });
});
