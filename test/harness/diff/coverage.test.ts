// Decision-point coverage of the differential suites. This file runs its own compact mix of
// the three generators (agent, transit, paths; fixed seeds) so it does not depend on which
// suite files ran before it, prints the table (with the saved tables of the full suites,
// build/diff-coverage/, when present), and fails if any point of POINTS is never reached by
// the model or by the kernel, or any reason of REASONS is never a case's final verdict,
// unless harness/diff/coverage.ts argues it unreachable (and then it must stay unreached).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Coverage } from '../../../harness/diff/coverage.ts';
import { KnownTracker } from '../../../harness/diff/known.ts';
import { ProgramSuite } from '../../../harness/diff/suite.ts';
import { runDiffProperty } from '../../../harness/diff/property.ts';
import { IFINDEX_POOL, MAX_HOSTS } from '../../../harness/diff/gen/random-topology.ts';
import {
  agentArb,
  agentCheck,
  pathArb,
  pathCheck,
  randomArb,
  randomCheck,
  transitArb,
  transitCheck,
} from '../../../harness/diff/suites.ts';
import { describeBpf } from '../../support/bpf-gate.ts';
import { KNOWN_DIVERGENCES } from './known-divergences.ts';

const FILE = 'test/harness/diff/coverage.test.ts';
const NAME = 'every decision point and every reachable reason is reached by model and kernel';

describeBpf('differential coverage of decision points', () => {
  let agent: ProgramSuite;
  let transit: ProgramSuite;
  let random: ProgramSuite;
  beforeAll(() => {
    random = new ProgramSuite('coverage-random', 1, KNOWN_DIVERGENCES, { ifindexes: IFINDEX_POOL });
    agent = new ProgramSuite('coverage-agent', MAX_HOSTS, KNOWN_DIVERGENCES, { ifindexes: IFINDEX_POOL });
    transit = new ProgramSuite('coverage-transit', MAX_HOSTS, KNOWN_DIVERGENCES, { ifindexes: IFINDEX_POOL });
  });
  afterAll(() => {
    agent?.close();
    transit?.close();
    random?.close();
  });

  it(NAME, () => {
    // Known divergences are filtered as in the full suites (their "still occurs" checks live there).
    const base = { testFile: FILE, testName: NAME, defaultCases: 3000 };
    runDiffProperty({ ...base, suite: 'coverage-agent', seed: 0x7a6e7411, casesPerRun: 100 }, agentArb(100), agentCheck(agent));
    runDiffProperty({ ...base, suite: 'coverage-transit', seed: 0x7a6e7412, casesPerRun: 100 }, transitArb(100), transitCheck(transit));
    const paths = {
      instances: agent.instances,
      coverage: new Coverage(),
      known: new KnownTracker('coverage-path', KNOWN_DIVERGENCES),
      hops: 0,
      sends: 0,
    };
    runDiffProperty({ ...base, suite: 'coverage-path', seed: 0x7a6e7413, casesPerRun: 90 }, pathArb(60), pathCheck(paths, 'coverage-path'));
    // Random host states: records no control plane writes (self-pointing entries: the loops
    // only the tail-call bound stops), through both programs.
    runDiffProperty({ ...base, suite: 'coverage-random', seed: 0x7a6e7414, casesPerRun: 60 }, randomArb(60), randomCheck(random));
    const cov = new Coverage();
    cov.merge(agent.coverage);
    cov.merge(transit.coverage);
    cov.merge(paths.coverage);
    cov.merge(random.coverage);
    console.log(`decision points reached by this file's ${agent.cases + transit.cases + paths.hops + random.cases} cases:\n${cov.table()}`);
    const saved = Coverage.loadAll();
    if (saved.suites.length > 0) {
      console.log(`saved by the full suites (${saved.suites.join(', ')}):\n${saved.merged.table()}`);
      console.log(`reasons no saved suite ended with: ${saved.merged.unreachedReasons().join(', ') || 'none'}`);
    }
    console.log(`reasons no case of this file ended with: ${cov.unreachedReasons().join(', ') || 'none'}`);
    expect(cov.missing().map((m) => `${m.point.name} (model ${m.model}, kernel ${m.kernel})`)).toEqual([]);
    expect(cov.missedReasons(), 'reasons no case ended with: make a generator reach them, or argue them unreachable').toEqual([]);
    expect(cov.reachedUnreachable(), 'reasons argued unreachable that a case reached').toEqual([]);
  });
});
