// Differential suite on random host states (records no control plane would write: bad
// kinds, counts past the arrays, dangling Maglev slots, odd prefixes) and random frames
// (random bytes, and frames aimed at the state's own keys), through both programs.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ProgramSuite } from '../../../harness/diff/suite.ts';
import { type PropertyConfig, caseBudget, isDefaultRun, runDiffProperty } from '../../../harness/diff/property.ts';
import { IFINDEX_POOL } from '../../../harness/diff/gen/random-topology.ts';
import { randomArb, randomCheck } from '../../../harness/diff/suites.ts';
import { describeBpf } from '../../support/bpf-gate.ts';
import { KNOWN_DIVERGENCES } from './known-divergences.ts';

const CFG: PropertyConfig = {
  suite: 'random',
  testFile: 'test/harness/diff/random.test.ts',
  testName: 'random host states and random frames: model and kernel agree',
  seed: 0x7a6e7404,
  defaultCases: 20_000,
  casesPerRun: 60,
};

describeBpf('differential: random host states and bytes', () => {
  let suite: ProgramSuite;
  beforeAll(() => {
    suite = new ProgramSuite(CFG.suite, 1, KNOWN_DIVERGENCES, { ifindexes: IFINDEX_POOL });
  });
  afterAll(() => {
    suite?.coverage.save(CFG.suite);
    suite?.close();
  });

  it(CFG.testName, () => {
    runDiffProperty(CFG, randomArb(CFG.casesPerRun), randomCheck(suite));
    console.log(`random: ${suite.cases} differential cases, ${suite.knownHits} known divergences`);
    expect(suite.differs[0].checkAllCounters()).toEqual([]);
    if (isDefaultRun(CFG)) expect(suite.cases).toBeGreaterThanOrEqual(caseBudget(CFG.defaultCases));
  });

  it('every known random-state divergence still occurs (else it was fixed: remove it from the list)', () => {
    if (!isDefaultRun(CFG)) return;
    expect(suite.known.unseen().map((k) => `${k.id}: ${k.why}`)).toEqual([]);
  });
});
